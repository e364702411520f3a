// The HTTP messages the northbound server hands to its handler and sends back: plain values, no
// Beast types, so that routing and rendering are tested without sockets.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vmfabric::northbound::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "GET"
  std::string target;  // as received: "/api/v1/vms?host=esx-a1"
  Headers headers;     // names in lower case, in the order received
  std::string body;
  std::string remote;  // the peer's address and port, for logs: "127.0.0.1:51234"

  // The first header named `name` (lower case), or nothing.
  std::optional<std::string> header(std::string_view name) const;
};

struct Response {
  int status = 200;
  Headers headers;  // Content-Length and Connection are set by the server
  std::string body;

  Response& set(std::string name, std::string value);
  std::optional<std::string> header(std::string_view name) const;  // case-insensitive
};

// A JSON response (Content-Type application/json) with `status`.
Response json_response(int status, std::string body);

// An RFC 9457 problem (Content-Type application/problem+json): `type` is the last part of
// "urn:vmfabric:problem:<type>" ("not-found"), the title is the status's reason phrase, `detail`
// says what went wrong and what to do, `instance` is the request target. `extra` members (such
// as {"param", "limit"}) are added as strings.
Response problem(int status, std::string_view type, std::string_view detail,
                 std::string_view instance, const Headers& extra = {});

// The reason phrase of an HTTP status ("Not Found"), "Unknown" for one it does not know.
const char* reason(int status);

}  // namespace vmfabric::northbound::http

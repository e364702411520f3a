// The HTTP messages the northbound server hands to its handler and sends back: plain values, no
// Beast types, so that routing and rendering are tested without sockets.
#pragma once

#include <functional>
#include <memory>
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

// A response body sent as it becomes available (server-sent events), pulled by the server
// without blocking its threads: the server calls start() once, then next() whenever `wake` was
// called and after each chunk is written, and heartbeat() when nothing was sent for a while. The
// server releases the stream (drops its reference) when it ended, the client went away or the
// server stops.
class BodyStream {
 public:
  struct Chunk {
    std::string data;   // may be empty: nothing for now
    bool last = false;  // the stream ends after `data`
  };
  virtual ~BodyStream() = default;
  // `wake` may be called from any thread, any number of times, also after the stream was
  // released: it tells the server that next() has something.
  virtual void start(std::function<void()> wake) = 0;
  virtual Chunk next() = 0;
  // What to send to keep an idle connection open (an SSE comment).
  virtual std::string heartbeat() = 0;
};

struct Response {
  int status = 200;
  Headers headers;  // Content-Length and Connection are set by the server
  std::string body;
  // Set: the body is `stream`, not `body`; sent without Content-Length until it ends, on a
  // connection closed afterwards.
  std::shared_ptr<BodyStream> stream;

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

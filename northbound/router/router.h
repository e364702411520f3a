// Routing of API requests, pure (no sockets): path patterns with parameters
// ("/api/v1/switches/{name}"), query parsing, bearer authentication and role checks, and every
// error as an RFC 9457 problem (application/problem+json). `Router::handle` is the server's
// whole application.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "northbound/auth/tokens.h"
#include "northbound/http/message.h"

namespace vmfabric::northbound::router {

// An error a handler raises; the router answers it as a problem. `type` is the last part of
// "urn:vmfabric:problem:<type>"; `detail` says what was wrong and what to do.
class Problem : public std::exception {
 public:
  Problem(int status, std::string type, std::string detail, http::Headers extra = {})
      : status_(status),
        type_(std::move(type)),
        detail_(std::move(detail)),
        extra_(std::move(extra)) {}
  const char* what() const noexcept override { return detail_.c_str(); }
  int status() const { return status_; }
  const std::string& type() const { return type_; }
  const std::string& detail() const { return detail_; }
  const http::Headers& extra() const { return extra_; }

 private:
  int status_;
  std::string type_;
  std::string detail_;
  http::Headers extra_;
};

// 404 "not-found".
Problem not_found(std::string detail);
// 400 "bad-query-parameter" with the member "param".
Problem bad_param(const std::string& param, std::string detail);

// The query string, decoded ('+' is a space, %XX a byte).
class Query {
 public:
  Query() = default;
  // Throws Problem 400 for bad percent-encoding or a parameter given twice.
  static Query parse(std::string_view query);

  std::optional<std::string> get(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& all() const { return params_; }
  // Throws Problem 400 naming the first parameter not in `known`.
  void only(std::initializer_list<std::string_view> known) const;

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

// One routed request, as a handler sees it.
struct Call {
  const http::Request& request;
  std::string path;                           // the target without its query
  std::map<std::string, std::string> params;  // path parameters, decoded
  Query query;
  std::optional<auth::Principal> principal;  // empty on public routes
};

using Handler = std::function<http::Response(const Call&)>;

// Where a route takes its bearer token from. kHeaderOrQuery also accepts `?access_token=TOKEN`
// (when no Authorization header is sent), for browsers' EventSource, which cannot set headers:
// only for routes that need it, as URLs end up in logs and histories.
enum class TokenIn { kHeader, kHeaderOrQuery };
// Who presents `token` (the text after "Bearer "), or nothing when it is not valid.
using Authenticator = std::function<std::optional<auth::Principal>(std::string_view token)>;

class Router {
 public:
  explicit Router(Authenticator authenticate);

  // `pattern` is a path whose segments are literals or {parameters}. A route is public (no
  // token) or needs at least `role`.
  void add(std::string method, std::string_view pattern, auth::Role role, Handler handler,
           TokenIn token_in = TokenIn::kHeader);
  void add_public(std::string method, std::string_view pattern, Handler handler);

  // Answers a request: 401 without a valid token (except on public routes), 404 for an unknown
  // path, 405 with Allow for a known path and another method, 403 when the token's role is too
  // low, else what the handler returns (a Problem it throws becomes its problem response; any
  // other exception a 500). `who` gets the token's name when there was a valid one; `route` the
  // pattern of the route the path matched ("/api/v1/vms/{name}"), left alone when none did.
  http::Response handle(const http::Request& request, std::string* who = nullptr,
                        std::string* route = nullptr) const;

  // What is registered, in order: the method, the pattern and the role it needs (nothing for a
  // public route). For checking the API's description (schema/openapi.yaml) against the server.
  struct RouteInfo {
    std::string method;
    std::string pattern;
    std::optional<auth::Role> role;
  };
  std::vector<RouteInfo> routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;  // "{name}" for a parameter
    bool is_public = false;
    auth::Role role = auth::Role::kViewer;
    TokenIn token_in = TokenIn::kHeader;
    Handler handler;
  };
  std::vector<Route> routes_;
  Authenticator authenticate_;
};

// Splits a path into its segments, percent-decoded ("/a/b%20c" -> {"a", "b c"}); nothing when
// the encoding is bad.
std::optional<std::vector<std::string>> split_path(std::string_view path);
// Percent-decodes (with '+' as a space when `plus_is_space`); nothing when the encoding is bad.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);

}  // namespace vmfabric::northbound::router

#include "northbound/router/router.h"

#include <algorithm>
#include <set>

#include "log/log.h"

namespace vmfabric::northbound::router {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_param(const std::string& segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += sep;
    out += i;
  }
  return out;
}

http::Response unauthorized(const std::string& detail, bool token_given,
                            const std::string& instance) {
  http::Response r = http::problem(401, "unauthorized", detail, instance);
  r.set("WWW-Authenticate", token_given ? "Bearer realm=\"vmfabric\", error=\"invalid_token\""
                                        : "Bearer realm=\"vmfabric\"");
  return r;
}

}  // namespace

Problem not_found(std::string detail) { return Problem(404, "not-found", std::move(detail)); }

Problem bad_param(const std::string& param, std::string detail) {
  return Problem(400, "bad-query-parameter", std::move(detail), {{"param", param}});
}

std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi << 4 | lo));
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::optional<std::vector<std::string>> split_path(std::string_view path) {
  std::vector<std::string> out;
  if (path.empty() || path.front() != '/') return std::nullopt;
  path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);  // "/api/v1/vms/" too
  if (path.empty()) return out;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = path.find('/', start);
    const auto decoded = percent_decode(path.substr(start, slash - start), false);
    if (!decoded) return std::nullopt;
    out.push_back(*decoded);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

Query Query::parse(std::string_view query) {
  Query q;
  std::size_t start = 0;
  while (start <= query.size() && !query.empty()) {
    const std::size_t amp = query.find('&', start);
    const std::string_view pair = query.substr(start, amp - start);
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      const auto name = percent_decode(pair.substr(0, eq), true);
      const auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                                      : percent_decode(pair.substr(eq + 1), true);
      if (!name || !value) {
        throw Problem(
            400, "malformed-query",
            "the query string has a bad percent-encoding near \"" + std::string(pair) + "\"");
      }
      if (q.get(*name)) {
        throw bad_param(*name, "query parameter \"" + *name + "\" is given twice; give it once");
      }
      q.params_.emplace_back(*name, *value);
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  return q;
}

std::optional<std::string> Query::get(std::string_view name) const {
  for (const auto& [k, v] : params_) {
    if (k == name) return v;
  }
  return std::nullopt;
}

void Query::only(std::initializer_list<std::string_view> known) const {
  for (const auto& [k, v] : params_) {
    if (std::find(known.begin(), known.end(), k) == known.end()) {
      std::string list;
      for (const auto& n : known) list += (list.empty() ? "" : ", ") + std::string(n);
      throw bad_param(
          k, "unknown query parameter \"" + k + "\"" +
                 (list.empty() ? "; this endpoint takes none" : "; this endpoint takes " + list));
    }
  }
}

Router::Router(Authenticator authenticate) : authenticate_(std::move(authenticate)) {}

void Router::add(std::string method, std::string_view pattern, auth::Role role, Handler handler,
                 TokenIn token_in) {
  Route r;
  r.method = std::move(method);
  r.pattern = std::string(pattern);
  r.segments = split_path(pattern).value();
  r.role = role;
  r.token_in = token_in;
  r.handler = std::move(handler);
  routes_.push_back(std::move(r));
}

void Router::add_public(std::string method, std::string_view pattern, Handler handler) {
  add(std::move(method), pattern, auth::Role::kViewer, std::move(handler));
  routes_.back().is_public = true;
}

std::vector<Router::RouteInfo> Router::routes() const {
  std::vector<RouteInfo> out;
  for (const Route& r : routes_) {
    out.push_back({r.method, r.pattern, r.is_public ? std::nullopt : std::optional(r.role)});
  }
  return out;
}

http::Response Router::handle(const http::Request& request, std::string* who,
                              std::string* route_out) const {
  const std::string& target = request.target;
  const std::size_t qmark = target.find('?');
  const std::string path = target.substr(0, qmark);
  try {
    const auto segments = split_path(path);
    if (!segments) {
      throw Problem(400, "malformed-path",
                    "the path \"" + path + "\" has a bad percent-encoding; encode '%' as %25");
    }

    // Every route whose pattern matches the path, whatever its method.
    struct Match {
      const Route* route;
      std::map<std::string, std::string> params;
    };
    std::vector<Match> matches;
    for (const Route& r : routes_) {
      if (r.segments.size() != segments->size()) continue;
      Match m{&r, {}};
      bool ok = true;
      for (std::size_t i = 0; i < r.segments.size() && ok; ++i) {
        const std::string& want = r.segments[i];
        if (is_param(want)) {
          m.params[want.substr(1, want.size() - 2)] = (*segments)[i];
        } else {
          ok = want == (*segments)[i];
        }
      }
      if (ok) matches.push_back(std::move(m));
    }
    // A literal segment wins over a parameter: "/vlans/summary" before "/vlans/{id}".
    std::stable_sort(matches.begin(), matches.end(), [](const Match& a, const Match& b) {
      return a.params.size() < b.params.size();
    });
    if (route_out != nullptr && !matches.empty()) *route_out = matches.front().route->pattern;

    const bool all_public =
        !matches.empty() && std::all_of(matches.begin(), matches.end(),
                                        [](const Match& m) { return m.route->is_public; });
    const std::string_view query_text = qmark == std::string::npos
                                            ? std::string_view()
                                            : std::string_view(target).substr(qmark + 1);
    std::optional<auth::Principal> principal;
    if (!all_public) {
      auto header = request.header("authorization");
      const bool query_token_allowed =
          std::any_of(matches.begin(), matches.end(), [&](const Match& m) {
            return m.route->method == request.method &&
                   m.route->token_in == TokenIn::kHeaderOrQuery;
          });
      if (!header && query_token_allowed) {
        if (const auto token = Query::parse(query_text).get("access_token")) {
          header = "Bearer " + *token;
        }
      }
      if (!header) {
        return unauthorized(
            "no bearer token: send \"Authorization: Bearer TOKEN\" (vmfabricd token create "
            "makes one)",
            false, target);
      }
      constexpr std::string_view kBearer = "bearer ";
      std::string scheme = header->substr(0, kBearer.size());
      std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (scheme != kBearer) {
        return unauthorized(
            "the Authorization header is not a bearer token: send \"Authorization: Bearer "
            "TOKEN\"",
            false, target);
      }
      std::string_view token = std::string_view(*header).substr(kBearer.size());
      while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
      while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
      principal = authenticate_(token);
      if (!principal) {
        return unauthorized(
            "the bearer token is not valid (unknown, revoked or mistyped); check the token or "
            "create a new one with vmfabricd token create",
            true, target);
      }
      if (who != nullptr) *who = principal->name;
    }

    if (matches.empty()) {
      throw not_found("no resource at " + path + "; the API is under /api/v1 (see README.md)");
    }
    const Match* chosen = nullptr;
    std::set<std::string> allowed;
    for (const Match& m : matches) {
      allowed.insert(m.route->method);
      if (chosen == nullptr && m.route->method == request.method) chosen = &m;
    }
    if (chosen == nullptr) {
      const std::string allow =
          join(std::vector<std::string>(allowed.begin(), allowed.end()), ", ");
      http::Response r = http::problem(
          405, "method-not-allowed",
          request.method + " is not allowed on " + path + "; allowed: " + allow, target);
      r.set("Allow", allow);
      return r;
    }
    const Route& route = *chosen->route;
    if (route_out != nullptr) *route_out = route.pattern;
    if (!route.is_public && principal->role < route.role) {
      throw Problem(403, "forbidden",
                    "token \"" + principal->name + "\" has role " + to_string(principal->role) +
                        "; " + request.method + " " + path + " needs role " +
                        to_string(route.role) + " or higher");
    }
    Call call{request, path, chosen->params, Query::parse(query_text), principal};
    return route.handler(call);
  } catch (const Problem& p) {
    return http::problem(p.status(), p.type(), p.detail(), target, p.extra());
  } catch (const std::exception& e) {
    log::error("api.handler_failed",
               {{"method", request.method}, {"path", path}, {"error", e.what()}});
    return http::problem(500, "internal-error",
                         "the server failed to answer (logged as api.handler_failed)", target);
  }
}

}  // namespace vmfabric::northbound::router

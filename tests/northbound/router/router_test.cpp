// Routing without sockets: path parameters, 404 / 405, the authentication matrix (none, wrong,
// not bearer -> 401 with WWW-Authenticate; too low a role -> 403), query parsing, and every
// error as an RFC 9457 problem.
#include "northbound/router/router.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace vmfabric::northbound;
using auth::Principal;
using auth::Role;
using nlohmann::json;

namespace {

const std::string kViewer = "viewer-token";
const std::string kOperator = "operator-token";

std::optional<Principal> lookup(std::string_view token) {
  if (token == kViewer) return Principal{"alice", Role::kViewer};
  if (token == kOperator) return Principal{"bob", Role::kOperator};
  return std::nullopt;
}

router::Router make_router() {
  router::Router r(lookup);
  r.add_public("GET", "/healthz",
               [](const router::Call&) { return http::json_response(200, R"({"status":"ok"})"); });
  r.add("GET", "/api/v1/vms/{name}", Role::kViewer, [](const router::Call& c) {
    c.query.only({"vcenter"});
    return http::json_response(200, json{{"name", c.params.at("name")},
                                         {"vcenter", c.query.get("vcenter").value_or("")},
                                         {"who", c.principal->name}}
                                        .dump());
  });
  r.add("GET", "/api/v1/vlans/summary", Role::kViewer,
        [](const router::Call&) { return http::json_response(200, R"("summary")"); });
  r.add("GET", "/api/v1/vlans/{id}", Role::kViewer, [](const router::Call& c) {
    return http::json_response(200, json(c.params.at("id")).dump());
  });
  r.add("POST", "/api/v1/audits", Role::kOperator,
        [](const router::Call&) { return http::json_response(202, "{}"); });
  r.add("GET", "/api/v1/audits", Role::kViewer,
        [](const router::Call&) { return http::json_response(200, "[]"); });
  r.add("GET", "/api/v1/boom", Role::kViewer,
        [](const router::Call&) -> http::Response { throw std::runtime_error("kaput"); });
  r.add("GET", "/api/v1/limited", Role::kViewer, [](const router::Call& c) {
    c.query.only({"limit"});
    throw router::bad_param("limit",
                            "limit: expected 1-1000, got \"" + *c.query.get("limit") + "\"");
    return http::Response();
  });
  return r;
}

http::Request request(std::string method, std::string target, std::string token = kViewer) {
  http::Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  if (!token.empty()) r.headers.emplace_back("authorization", "Bearer " + token);
  return r;
}

json problem(const http::Response& r) {
  REQUIRE(r.header("content-type") == "application/problem+json");
  json p = json::parse(r.body);
  CHECK(p["status"] == r.status);
  for (const char* key : {"type", "title", "detail", "instance"}) CHECK(p[key].is_string());
  return p;
}

}  // namespace

TEST_CASE("routes match path parameters, decoded, literal segments first", "[router]") {
  const auto router = make_router();
  auto r = router.handle(request("GET", "/api/v1/vms/web%201?vcenter=vc+1"));
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body) == json{{"name", "web 1"}, {"vcenter", "vc 1"}, {"who", "alice"}});
  CHECK(json::parse(router.handle(request("GET", "/api/v1/vlans/summary")).body) == "summary");
  CHECK(json::parse(router.handle(request("GET", "/api/v1/vlans/120")).body) == "120");
  CHECK(router.handle(request("GET", "/api/v1/vlans/120/")).status == 200);  // trailing slash
  CHECK(json::parse(router.handle(request("GET", "/api/v1/vms/a%2Fb")).body)["name"] == "a/b");
}

TEST_CASE("unknown paths are 404 and other methods 405 with Allow", "[router]") {
  const auto router = make_router();
  auto r = router.handle(request("GET", "/api/v1/nothing?x=1"));
  CHECK(r.status == 404);
  auto p = problem(r);
  CHECK(p["type"] == "urn:vmfabric:problem:not-found");
  CHECK(p["title"] == "Not Found");
  CHECK(p["instance"] == "/api/v1/nothing?x=1");
  CHECK(p["detail"] == "no resource at /api/v1/nothing; the API is under /api/v1 (see README.md)");

  r = router.handle(request("DELETE", "/api/v1/audits"));
  CHECK(r.status == 405);
  CHECK(r.header("allow") == "GET, POST");
  CHECK(problem(r)["detail"] == "DELETE is not allowed on /api/v1/audits; allowed: GET, POST");
  CHECK(router.handle(request("PUT", "/healthz", "")).status == 405);
}

TEST_CASE("the authentication matrix", "[router][auth]") {
  const auto router = make_router();
  SECTION("no token: 401 with a Bearer challenge") {
    const auto r = router.handle(request("GET", "/api/v1/audits", ""));
    CHECK(r.status == 401);
    CHECK(r.header("www-authenticate") == "Bearer realm=\"vmfabric\"");
    CHECK(problem(r)["detail"] ==
          "no bearer token: send \"Authorization: Bearer TOKEN\" (vmfabricd token create makes "
          "one)");
  }
  SECTION("a wrong token: 401, invalid_token") {
    const auto r = router.handle(request("GET", "/api/v1/audits", "nope"));
    CHECK(r.status == 401);
    CHECK(r.header("www-authenticate") == "Bearer realm=\"vmfabric\", error=\"invalid_token\"");
    CHECK(problem(r)["type"] == "urn:vmfabric:problem:unauthorized");
  }
  SECTION("not a bearer token: 401") {
    auto req = request("GET", "/api/v1/audits", "");
    req.headers.emplace_back("authorization", "Basic YWxpY2U6cHc=");
    CHECK(router.handle(req).status == 401);
  }
  SECTION("the scheme is case-insensitive") {
    auto req = request("GET", "/api/v1/audits", "");
    req.headers.emplace_back("authorization", "bearer " + kViewer);
    CHECK(router.handle(req).status == 200);
  }
  SECTION("unknown paths need a token too: no probing without one") {
    CHECK(router.handle(request("GET", "/api/v1/nothing", "")).status == 401);
  }
  SECTION("a viewer on an operator route: 403") {
    const auto r = router.handle(request("POST", "/api/v1/audits", kViewer));
    CHECK(r.status == 403);
    CHECK(problem(r)["detail"] ==
          "token \"alice\" has role viewer; POST /api/v1/audits needs role operator or higher");
  }
  SECTION("an operator may") {
    CHECK(router.handle(request("POST", "/api/v1/audits", kOperator)).status == 202);
    CHECK(router.handle(request("GET", "/api/v1/audits", kOperator)).status == 200);
  }
  SECTION("public routes need none") {
    CHECK(router.handle(request("GET", "/healthz", "")).status == 200);
    CHECK(router.handle(request("GET", "/healthz", "nope")).status == 200);
  }
  SECTION("who made the request") {
    std::string who;
    router.handle(request("GET", "/api/v1/audits", kOperator), &who);
    CHECK(who == "bob");
  }
}

TEST_CASE("bad queries are 400 naming the parameter", "[router]") {
  const auto router = make_router();
  auto r = router.handle(request("GET", "/api/v1/vms/x?vcentre=vc1"));
  CHECK(r.status == 400);
  auto p = problem(r);
  CHECK(p["param"] == "vcentre");
  CHECK(p["detail"] == "unknown query parameter \"vcentre\"; this endpoint takes vcenter");

  r = router.handle(request("GET", "/api/v1/vms/x?vcenter=a&vcenter=b"));
  CHECK(r.status == 400);
  CHECK(problem(r)["detail"] == "query parameter \"vcenter\" is given twice; give it once");

  r = router.handle(request("GET", "/api/v1/vms/x?vcenter=%zz"));
  CHECK(r.status == 400);
  CHECK(problem(r)["type"] == "urn:vmfabric:problem:malformed-query");

  r = router.handle(request("GET", "/api/v1/limited?limit=0"));
  CHECK(r.status == 400);
  p = problem(r);
  CHECK(p["param"] == "limit");
  CHECK(p["type"] == "urn:vmfabric:problem:bad-query-parameter");

  r = router.handle(request("GET", "/api/v1/vms/%"));
  CHECK(r.status == 400);
  CHECK(problem(r)["type"] == "urn:vmfabric:problem:malformed-path");
}

TEST_CASE("a handler that fails is a 500 problem that leaks nothing", "[router]") {
  const auto router = make_router();
  const auto r = router.handle(request("GET", "/api/v1/boom"));
  CHECK(r.status == 500);
  CHECK(problem(r)["detail"] == "the server failed to answer (logged as api.handler_failed)");
}

TEST_CASE("percent-decoding", "[router]") {
  CHECK(router::percent_decode("a%20b+c", true) == "a b c");
  CHECK(router::percent_decode("a%20b+c", false) == "a b+c");
  CHECK_FALSE(router::percent_decode("%2", false));
  CHECK_FALSE(router::percent_decode("%g0", false));
  CHECK(router::split_path("/") == std::vector<std::string>{});
  CHECK_FALSE(router::split_path("relative"));
}

TEST_CASE("the router names the route pattern a request matched, for metrics", "[router]") {
  const auto router = make_router();
  auto route_of = [&](const http::Request& r) {
    std::string route = "none";
    router.handle(r, nullptr, &route);
    return route;
  };
  CHECK(route_of(request("GET", "/api/v1/vms/web-1?vcenter=vc1")) == "/api/v1/vms/{name}");
  CHECK(route_of(request("GET", "/api/v1/vlans/summary")) == "/api/v1/vlans/summary");
  CHECK(route_of(request("GET", "/api/v1/vlans/120")) == "/api/v1/vlans/{id}");
  CHECK(route_of(request("GET", "/healthz", "")) == "/healthz");
  // Refused requests to a known path still name it; an unknown path names none.
  CHECK(route_of(request("GET", "/api/v1/vms/web-1", "")) == "/api/v1/vms/{name}");
  CHECK(route_of(request("DELETE", "/api/v1/vms/web-1")) == "/api/v1/vms/{name}");
  CHECK(route_of(request("POST", "/api/v1/audits")) == "/api/v1/audits");
  CHECK(route_of(request("GET", "/api/v1/nothing")) == "none");
  CHECK(route_of(request("GET", "/api/v1/vms/%zz")) == "none");
}

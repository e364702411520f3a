// The bearer token in the query (`?access_token=`), for EventSource: accepted only on the routes
// registered for it, never instead of a header sent.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "northbound/router/router.h"

using namespace vmfabric::northbound;

namespace {

std::optional<auth::Principal> carol_lookup(std::string_view token) {
  if (token == "good") return auth::Principal{"carol", auth::Role::kViewer};
  return std::nullopt;
}

http::Response who(const router::Call& c) {
  c.query.only({"access_token"});
  return http::json_response(200, nlohmann::json(c.principal->name).dump());
}

http::Response get(const router::Router& r, const std::string& target,
                   const std::optional<std::string>& header = std::nullopt) {
  http::Request q;
  q.method = "GET";
  q.target = target;
  if (header) q.headers.emplace_back("authorization", *header);
  return r.handle(q);
}

}  // namespace

TEST_CASE("access_token in the query authenticates only the routes that take it", "[router]") {
  router::Router r(carol_lookup);
  r.add("GET", "/api/v1/events/stream", auth::Role::kViewer, who, router::TokenIn::kHeaderOrQuery);
  r.add("GET", "/api/v1/vms", auth::Role::kViewer, who);

  CHECK(get(r, "/api/v1/events/stream?access_token=good").status == 200);
  CHECK(get(r, "/api/v1/events/stream?access_token=good").body == "\"carol\"");
  CHECK(get(r, "/api/v1/events/stream", "Bearer good").status == 200);
  const auto bad = get(r, "/api/v1/events/stream?access_token=bad");
  CHECK(bad.status == 401);
  CHECK(bad.header("www-authenticate") == "Bearer realm=\"vmfabric\", error=\"invalid_token\"");
  CHECK(get(r, "/api/v1/events/stream").status == 401);
  // The header wins: a bad header is not rescued by a good query token.
  CHECK(get(r, "/api/v1/events/stream?access_token=good", "Bearer bad").status == 401);
  // Any other route ignores it.
  CHECK(get(r, "/api/v1/vms?access_token=good").status == 401);
  CHECK(get(r, "/api/v1/vms", "Bearer good").status == 200);
  // A bad percent-encoding is still a 400.
  CHECK(get(r, "/api/v1/events/stream?access_token=%zz").status == 400);
}

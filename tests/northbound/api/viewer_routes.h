// The API's endpoints behind a router that knows one viewer token, "t", and a GET through them
// as the server answers it (routed, then counted): what the route tests of the API share.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "northbound/api/routes.h"

namespace vmfabric::testing {

class ViewerRoutes {
 public:
  explicit ViewerRoutes(northbound::api::Endpoints& endpoints)
      : endpoints_(endpoints),
        router_([](std::string_view token) -> std::optional<northbound::auth::Principal> {
          if (token == "t")
            return northbound::auth::Principal{"t", northbound::auth::Role::kViewer};
          return std::nullopt;
        }) {
    endpoints_.add_to(router_);
  }

  const northbound::router::Router& router() const { return router_; }

  // GET `target` with `token` (none when empty).
  northbound::http::Response get(const std::string& target, const std::string& token = "t") {
    northbound::http::Request r;
    r.method = "GET";
    r.target = target;
    if (!token.empty()) r.headers.emplace_back("authorization", "Bearer " + token);
    std::string route;
    northbound::http::Response response = router_.handle(r, nullptr, &route);
    endpoints_.count_request(route, response.status);
    return response;
  }

 private:
  northbound::api::Endpoints& endpoints_;
  northbound::router::Router router_;
};

}  // namespace vmfabric::testing

// Fuzzes the HTTP request path: bytes parsed by Beast's request parser with the server's limits,
// turned into an http::Request as northbound/http/server.cpp does, answered by a Router with
// routes of the API's shapes (path parameters, query parameters, bearer tokens of each role, a
// JSON body with a VLAN list). The real /api/v1 handlers are not here: they need the planner,
// the store and the reconciler, which would make this build long. The router must answer
// everything with a status (never 500: the handlers throw only Problems); every problem it answers
// must be valid problem+json stating that status. Any exception escaping, or a sanitizer report, is
// a bug.
#include <algorithm>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "model/vlan_set.h"
#include "northbound/http/beast_request.h"
#include "northbound/router/router.h"

namespace beast = boost::beast;
using namespace vmfabric::northbound;
using nlohmann::json;

namespace {

std::optional<auth::Principal> authenticate(std::string_view token) {
  if (token == "viewer-token") return auth::Principal{"vera", auth::Role::kViewer};
  if (token == "operator-token") return auth::Principal{"otto", auth::Role::kOperator};
  return std::nullopt;
}

http::Response echo(const router::Call& call) {
  json out = json::object();
  for (const auto& [k, v] : call.params) out[k] = v;
  for (const auto& [k, v] : call.query.all()) out[k] = v;
  return http::json_response(200, out.dump(-1, ' ', false, json::error_handler_t::replace));
}

http::Response list_vms(const router::Call& call) {
  call.query.only({"host", "limit", "cursor"});
  return echo(call);
}

// A body {"vlans": "100-200,300"}, as the API's mutations take VLAN lists.
http::Response add_vlans(const router::Call& call) {
  const json body = json::parse(call.request.body, nullptr, /*allow_exceptions=*/false);
  const auto vlans = body.is_object() ? body.find("vlans") : body.end();
  if (vlans == body.end() || !vlans->is_string()) {
    throw router::Problem(400, "bad-body", "send {\"vlans\": \"<list>\"}");
  }
  try {
    return http::json_response(
        200, json(vmfabric::VlanSet::parse(vlans->get<std::string>()).to_string()).dump());
  } catch (const vmfabric::VlanSetError& e) {
    throw router::Problem(422, "bad-vlans", e.what());
  }
}

const router::Router& api() {
  static const router::Router r = [] {
    router::Router out(authenticate);
    out.add_public("GET", "/healthz", echo);
    out.add("GET", "/api/v1/vms", auth::Role::kViewer, list_vms);
    out.add("GET", "/api/v1/switches/{name}", auth::Role::kViewer, echo);
    out.add("GET", "/api/v1/switches/{name}/interfaces/{interface}", auth::Role::kViewer, echo);
    out.add("GET", "/api/v1/events/stream", auth::Role::kViewer, echo,
            router::TokenIn::kHeaderOrQuery);
    out.add("POST", "/api/v1/switches/{name}/vlans", auth::Role::kOperator, add_vlans);
    return out;
  }();
  return r;
}

void check(const http::Response& response) {
  // The handlers throw only Problems: a 500 is an exception of the router's own.
  if (response.status < 200 || response.status > 599 || response.status == 500) __builtin_trap();
  if (response.header("content-type") != "application/problem+json") return;
  const json problem = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (!problem.is_object() || problem.value("status", 0) != response.status) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace bhttp = beast::http;
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(8 * 1024);  // the server's defaults (northbound/http/server.h)
  parser.body_limit(1024 * 1024);
  parser.eager(true);
  beast::error_code ec;
  std::size_t used = 0;
  while (!ec && !parser.is_done() && used < size) {
    const std::size_t n = parser.put(boost::asio::const_buffer(data + used, size - used), ec);
    if (n == 0) break;  // need_more: the input ended inside the message
    used += n;
  }
  if (!parser.is_done()) return 0;  // the server answers 400/413/431 without routing

  check(api().handle(http::from_beast(parser.release(), "127.0.0.1:1")));
  return 0;
}

// Live events from a running vmfabricd on the lab: a VM powered off in the vCenter simulator
// arrives on /api/v1/events/stream as a `graph` event naming it, then as a `plan` event and
// `change` events for the VLAN removed from the switches; GET /api/v1/events pages the same events,
// and a stream opened with Last-Event-ID resumes right after the id it names.
#include <catch2/catch.hpp>
#include <string>

#include "lab.h"
#include "support/stream_client.h"

using namespace vmfabric::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

bool names_vm(const json& graph_data, const std::string& name) {
  for (const json& c : graph_data["changes"]) {
    if (c["kind"] == "vm" && c["name"] == name) {
      return c["id"].get<std::string>().rfind("vm:", 0) == 0;
    }
  }
  return false;
}

bool removes_vlan(const json& change, const std::string& sw, int vlan) {
  return change["switch"] == sw && change["result"] == "applied" &&
         change["commands"].dump().find("remove " + std::to_string(vlan)) != std::string::npos;
}

}  // namespace

TEST_CASE("live events follow a VM powered off", "[e2e]") {
  E2eLab::Options o;
  o.prune_delay_s = 1;
  E2eLab lab(o);
  REQUIRE(lab.eventually([&] { return lab.allows("leaf1a", "Port-Channel11", 120); }));

  // EventSource's way: the token in the query.
  StreamClient stream(lab.api_port());
  stream.send(stream_request("/api/v1/events/stream?access_token=" + lab.api_token()));
  const auto head = stream.read_until(": connected\n\n");
  REQUIRE(head);
  REQUIRE(head->find("Content-Type: text/event-stream") != std::string::npos);
  const std::string metrics = lab.api_get("/metrics").body;
  CHECK(metrics.find("\nvmfabric_api_event_subscribers 1\n") != std::string::npos);
  CHECK(metrics.find("\nvmfabric_api_events_published_total ") != std::string::npos);

  lab.vcenter().client({"poweroff", "web-1"});
  std::uint64_t graph_id = 0, change_id = 0;
  bool plan_pending = false;  // the reconciler announced the removal before making it
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (change_id == 0 && std::chrono::steady_clock::now() < deadline) {
    const auto e = stream.next_event(10s);
    REQUIRE(e);
    const json data = json::parse(e->data);
    if (e->event == "graph" && graph_id == 0 && names_vm(data, "web-1")) {
      graph_id = std::stoull(e->id);
    } else if (e->event == "plan" && graph_id != 0 && data["switches_pending"] > 0) {
      plan_pending = data["changes_pending"] > 0;
    } else if (e->event == "change" && graph_id != 0 && removes_vlan(data, "leaf1a", 120)) {
      change_id = std::stoull(e->id);
    }
  }
  REQUIRE(graph_id > 0);
  REQUIRE(change_id > graph_id);
  CHECK(plan_pending);

  // The same events, paged.
  const auto page = lab.api_get("/api/v1/events?after=" + std::to_string(graph_id - 1) +
                                "&type=graph,change&limit=1000");
  REQUIRE(page.status == 200);
  const json body = json::parse(page.body);
  CHECK(body["last_id"] >= change_id);
  bool saw_graph = false, saw_change = false;
  for (const json& item : body["items"]) {
    CHECK((item["type"] == "graph" || item["type"] == "change"));
    saw_graph = saw_graph || (item["id"] == graph_id && names_vm(item["data"], "web-1"));
    saw_change =
        saw_change || (item["id"] == change_id && removes_vlan(item["data"], "leaf1a", 120));
  }
  CHECK(saw_graph);
  CHECK(saw_change);
  const auto bad = lab.api_get("/api/v1/events?type=graph,nonsense");
  CHECK(bad.status == 400);
  CHECK(json::parse(bad.body)["param"] == "type");
  CHECK(json::parse(bad.body)["detail"].get<std::string>().find("nonsense") != std::string::npos);

  // Resume right after the graph event, with the header this time.
  StreamClient resumed(lab.api_port());
  resumed.send(stream_request("/api/v1/events/stream",
                              "Authorization: Bearer " + lab.api_token() +
                                  "\r\nLast-Event-ID: " + std::to_string(graph_id) + "\r\n"));
  const auto first = resumed.next_event();
  REQUIRE(first);
  CHECK(first->id == std::to_string(graph_id + 1));
}

// EventFeed: graph changes become `graph` events with /topology's node ids (at most 200 listed),
// vCenter session and switch reachability transitions `session` events, polls alone nothing;
// journal entries `change` events as GET /changes prints them; pending counts `plan` events;
// drift audits `audit` events as GET /audits lists them.
#include "northbound/api/event_feed.h"

#include <catch2/catch.hpp>

#include "graph/graph.h"

using namespace vmfabric;
using namespace vmfabric::northbound;
using nlohmann::json;

namespace {

std::vector<json> taken(events::EventHub& hub, std::uint64_t after) {
  std::vector<json> out;
  for (const auto& e : hub.after(after, 1000).items) {
    out.push_back({{"type", e->type}, {"data", json::parse(e->data)}});
  }
  return out;
}

VCenter vcenter(SessionState state, std::int64_t last_update) {
  VCenter vc;
  vc.id = VCenterId("vc1");
  vc.session = state;
  vc.last_update_ms = last_update;
  return vc;
}

Switch leaf(Reachability r, std::int64_t last_poll) {
  Switch s;
  s.id = SwitchId("leaf1a");
  s.reachability = r;
  s.last_poll_ms = last_poll;
  return s;
}

}  // namespace

TEST_CASE("graph changes and session transitions become events", "[events]") {
  Graph graph;
  events::EventHub hub;
  api::EventFeed feed(hub, graph.current());
  auto apply = [&](Delta d) {
    const GraphChanges c = graph.apply(d);
    feed.graph_changed(c, graph.current());
    return c.version;
  };

  Delta first;
  first.upsert(vcenter(SessionState::kConnected, 1));
  Vm vm;
  vm.id = VmId{VCenterId("vc1"), "vm-42"};
  vm.name = "web-01";
  first.upsert(vm);
  first.upsert(leaf(Reachability::kReachable, 1));
  const auto v1 = apply(first);
  auto events = taken(hub, 0);
  REQUIRE(events.size() == 3);
  CHECK(events[0]["type"] == "graph");
  CHECK(events[0]["data"]["graph_version"] == v1);
  CHECK(events[0]["data"]["truncated"] == false);
  const json& changes = events[0]["data"]["changes"];
  REQUIRE(changes.size() == 3);
  CHECK(changes[0] ==
        json{{"kind", "vcenter"}, {"op", "added"}, {"id", "vcenter:vc1"}, {"name", "vc1"}});
  CHECK(changes[1] ==
        json{{"kind", "vm"}, {"op", "added"}, {"id", "vm:vc1/vm-42"}, {"name", "web-01"}});
  CHECK(changes[2] ==
        json{{"kind", "switch"}, {"op", "added"}, {"id", "switch:leaf1a"}, {"name", "leaf1a"}});
  CHECK(events[1] == json{{"type", "session"},
                          {"data",
                           {{"kind", "vcenter"},
                            {"name", "vc1"},
                            {"state", "connected"},
                            {"previous", "disconnected"}}}});
  CHECK(events[2]["data"] == json{{"kind", "switch"},
                                  {"name", "leaf1a"},
                                  {"state", "reachable"},
                                  {"previous", "unknown"}});

  // A poll that changes nothing but its time: no event.
  Delta poll;
  poll.upsert(leaf(Reachability::kReachable, 2));
  poll.upsert(vcenter(SessionState::kConnected, 2));
  apply(poll);
  CHECK(taken(hub, 3).empty());

  Delta down;
  down.upsert(leaf(Reachability::kUnreachable, 3));
  down.remove(vm.id);
  apply(down);
  events = taken(hub, 3);
  REQUIRE(events.size() == 2);
  CHECK(
      events[0]["data"]["changes"] ==
      json::array(
          {{{"kind", "vm"}, {"op", "removed"}, {"id", "vm:vc1/vm-42"}, {"name", "vc1/vm-42"}},
           {{"kind", "switch"}, {"op", "updated"}, {"id", "switch:leaf1a"}, {"name", "leaf1a"}}}));
  CHECK(events[1]["data"]["state"] == "unreachable");
  CHECK(events[1]["data"]["previous"] == "reachable");
}

TEST_CASE("a graph event lists at most 200 changes", "[events]") {
  Graph graph;
  events::EventHub hub;
  api::EventFeed feed(hub, graph.current());
  Delta d;
  d.upsert(vcenter(SessionState::kConnecting, 0));
  for (int i = 0; i < 250; ++i) {
    Vm vm;
    vm.id = VmId{VCenterId("vc1"), "vm-" + std::to_string(i)};
    vm.name = "vm" + std::to_string(i);
    d.upsert(vm);
  }
  feed.graph_changed(graph.apply(d), graph.current());
  const auto events = taken(hub, 0);
  REQUIRE(events.size() == 2);
  CHECK(events[0]["data"]["changes"].size() == api::EventFeed::kMaxGraphChanges);
  CHECK(events[0]["data"]["truncated"] == true);
  CHECK(events[1]["data"]["state"] == "connecting");
}

TEST_CASE("journal entries and pending counts become events", "[events]") {
  Graph graph;
  events::EventHub hub;
  api::EventFeed feed(hub, graph.current());
  JournalEntry e;
  e.id = 7;
  e.created_ms = 1'764'110'000'000;
  e.switch_name = "leaf1a";
  e.session = "vmfabric-1-1";
  e.commands = {"configure session vmfabric-1-1", "commit"};
  feed.journaled(e);
  e.result = JournalResult::kApplied;
  e.finished_ms = e.created_ms + 12;
  e.detail = "verified";
  feed.journaled(e);
  feed.pending_changed(2, 5);
  const auto events = taken(hub, 0);
  REQUIRE(events.size() == 3);
  CHECK(events[0]["type"] == "change");
  CHECK(events[0]["data"]["id"] == 7);
  CHECK(events[0]["data"]["result"] == "pending");
  CHECK(events[0]["data"]["finished"].is_null());
  CHECK(events[1]["data"]["result"] == "applied");
  CHECK(events[1]["data"]["switch"] == "leaf1a");
  CHECK(events[1]["data"]["finished"] == "2025-11-25T22:33:20.012Z");
  CHECK(events[2] ==
        json{{"type", "plan"}, {"data", {{"switches_pending", 2}, {"changes_pending", 5}}}});
}

TEST_CASE("drift audits become audit events with their summary", "[events]") {
  Graph graph;
  events::EventHub hub;
  api::EventFeed feed(hub, graph.current());
  AuditRecord a;
  a.id = 3;
  a.started_ms = 1'764'110'000'000;
  a.trigger = "schedule";
  a.remediate = "full";
  feed.audit(a);
  a.status = AuditStatus::kDone;
  a.finished_ms = a.started_ms + 12;
  a.switches = 2;
  a.counts = {{"vlan-unneeded", 3}};
  a.repairs = {41};
  audit::Finding f;
  f.detail = "not in the summary";
  a.findings = {f};
  feed.audit(a);
  const auto events = taken(hub, 0);
  REQUIRE(events.size() == 2);
  CHECK(events[0]["type"] == "audit");
  CHECK(events[0]["data"]["status"] == "running");
  CHECK(events[0]["data"]["finished"].is_null());
  CHECK(events[0]["data"]["finding_count"] == 0);
  CHECK(events[1]["type"] == "audit");
  CHECK(events[1]["data"] == json::parse(R"({
    "id": 3, "started": "2025-11-25T22:33:20.000Z", "finished": "2025-11-25T22:33:20.012Z",
    "trigger": "schedule", "actor": null, "remediate": "full", "status": "done", "error": null,
    "switches": 2, "unreadable": 0, "finding_count": 3, "counts": {"vlan-unneeded": 3},
    "repairs": [41]})"));
}

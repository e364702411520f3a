// The read endpoints of /api/v1 as pure functions: from a View (graph snapshot, plan, policy),
// the query and path parameters, to the JSON body. No server, no clock, no I/O: tests call them
// directly. Bad input throws router::Problem (400 naming the parameter, 404 for an unknown name,
// 409 for an ambiguous one).
//
// Lists answer {"items": [...], "total": N, "next_cursor": "..." | null}: `limit` (1-1000,
// default 100) and `cursor` (opaque, the previous page's next_cursor) page through them in a
// stable order (by name).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/config.h"
#include "northbound/api/view.h"
#include "northbound/router/router.h"
#include "reconcile/diff.h"
#include "store/store.h"

namespace vmfabric::northbound::api {

using nlohmann::json;

struct Page {
  std::size_t limit = 100;
  std::string after;  // the sort key of the last item of the previous page ("" = from the start)
};
inline constexpr std::size_t kMaxLimit = 1000;

// JSON text as the API sends it: compact, invalid UTF-8 replaced rather than thrown on.
std::string dump(const json& body);
// A response of `status` with the JSON `body` (dumped as above).
http::Response json_body(int status, const json& body);
// A string, or null when it is empty (the API's optional text fields).
json text_or_null(const std::string& s);

// The parameter `name` as true or false (nothing when absent); throws Problem 400 otherwise.
std::optional<bool> bool_param(const router::Query& query, const std::string& name);

// Reads `limit` and `cursor`; throws Problem 400 naming the bad one.
Page read_page(const router::Query& query);
std::string encode_cursor(std::string_view key);
std::optional<std::string> decode_cursor(std::string_view cursor);

// Lists by id, newest first (/changes, /audits), page after page: the id the page's cursor
// names (items with a smaller id follow), nothing from the start; throws Problem 400 for a
// cursor that is not one of `list`'s.
std::optional<std::int64_t> before_id(const Page& page, const std::string& list);
// {"items": [...], "next_cursor": ...} of such a list from `rows`, read with one more than
// `limit`: at most `limit` items rendered, and the cursor of the next page when more follow.
template <class Row, class Render>
json newest_first_page(const std::vector<Row>& rows, std::size_t limit, Render render) {
  json out = {{"items", json::array()}, {"next_cursor", nullptr}};
  for (std::size_t i = 0; i < rows.size() && i < limit; ++i)
    out["items"].push_back(render(rows[i]));
  if (rows.size() > limit && limit > 0) {
    out["next_cursor"] = encode_cursor(std::to_string(rows[limit - 1].id));
  }
  return out;
}

// GET /switches[?reachability=reachable|unreachable|auth-failed|unknown]
json list_switches(const View& view, const router::Query& query);
// GET /switches/{name}
json get_switch(const View& view, const std::string& name);
// GET /switches/{name}/interfaces[?role=esx-facing|inter-switch|other][&vlan=N]
json list_interfaces(const View& view, const std::string& sw, const router::Query& query);
// GET /hosts[?vcenter=][&cluster=][&switch=]
json list_hosts(const View& view, const router::Query& query);
// GET /hosts/{name}[?vcenter=] (vcenter tells apart hosts of one name in two vCenters)
json get_host(const View& view, const std::string& name, const router::Query& query);
// GET /vms[?host=][&vlan=N][&state=running|moving|powered-off|suspended][&vcenter=]
json list_vms(const View& view, const router::Query& query);
// GET /vms/{name}[?vcenter=]
json get_vm(const View& view, const std::string& name, const router::Query& query);
// GET /vcenters
json list_vcenters(const View& view, const router::Query& query);
// GET /vlans[?managed=true|false][&switch=]
json list_vlans(const View& view, const router::Query& query);
// GET /vlans/{id}: where the VLAN is allowed (desired and observed) and why. Plans the view's
// graph once to explain it.
json get_vlan(const View& view, const std::string& id);
// What the reconciler knows besides the view: the policy, the VLANs it created, what it
// established per interface, and the time.
struct ReconcilerFacts {
  PolicyConfig policy;
  std::map<std::string, VlanSet> created;
  Baseline established;
  std::int64_t now_ms = 0;
};
ReconcilerFacts reconciler_facts(const ApiSource& source);
// What the reconciler would change on each switch now: reconcile::diff of the view's plan
// against the observed switches, removals shown as if their hold-down had passed.
reconcile::Diff pending_diff(const View& view, const ReconcilerFacts& facts);
// GET /plan[?switch=][&pending=true|false]: per switch, the pending_diff.
json get_plan(const View& view, const ReconcilerFacts& facts, const router::Query& query);

// GET /topology[?vms=true|false]: the nodes (switches with their tier, MLAG peer and pending
// changes; clusters; hosts; VMs unless vms=false) and edges (fabric links, MLAG peer-links, ESX
// uplinks) the viewer draws. `topology_vms` reads the query (400 when bad); `pending` is
// pending_diff of the same view.
bool topology_vms(const router::Query& query);
json topology(const View& view, const reconcile::Diff& pending, bool vms);

// The pending changes as GET /plan shows them (over every switch): the plan's version (a digest
// of the changes, which an approval must name) and the switches with changes.
struct PendingPlan {
  std::string version;
  std::vector<std::string> switches;
};
PendingPlan pending_plan(const View& view, const ReconcilerFacts& facts);

// GET /changes[?switch=][&vlan=N][&since=T][&until=T]: the journal, newest first. T is RFC 3339.
// The store query for a page (one more entry than the limit, to know whether more follow).
JournalQuery changes_query(const router::Query& query);
json list_changes(const std::vector<JournalEntry>& entries, const JournalQuery& query);
// One journal entry as an item of GET /changes (and as the data of a `change` event).
json change_json(const JournalEntry& entry);

// The names of the enumerations on the wire.
const char* to_string(Reachability r);
const char* to_string(SwitchportMode m);
const char* role_name(std::optional<planner::PortRole> role);
const char* to_string(SessionState s);
const char* to_string(HostConnection c);
const char* to_string(planner::Evidence e);
// running, moving (a migration started), powered-off, suspended.
const char* vm_state(const Vm& vm);

}  // namespace vmfabric::northbound::api

// GET /metrics: the Prometheus text exposition of render_metrics, parsed back line by line
// (every sample belongs to a family with HELP and TYPE, names and labels are valid, label values
// escaped, counters end in _total, histogram buckets are cumulative up to +Inf), the values read
// from a small graph and the reconciler's counters, and the route behind a viewer token.
#include "northbound/api/metrics.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "controller/planner/lab.h"
#include "northbound/api/routes.h"
#include "viewer_routes.h"

using namespace vmfabric;
using namespace vmfabric::northbound;
using namespace vmfabric::planner::testing;

namespace {

using LabelSet = std::map<std::string, std::string>;

struct Sample {
  std::string name;
  LabelSet labels;
  double value = 0;
};

struct Family {
  std::string help;
  std::string type;
  std::vector<Sample> samples;
};

struct Exposition {
  std::map<std::string, Family> families;
  std::vector<std::string> order;  // family names in order of appearance

  // The value of the sample `name` with exactly `labels`; NaN when absent.
  double value(const std::string& name, const LabelSet& labels = {}) const {
    for (const auto& [fname, f] : families) {
      for (const Sample& s : f.samples) {
        if (s.name == name && s.labels == labels) return s.value;
      }
    }
    return std::nan("");
  }
  bool has(const std::string& name, const LabelSet& labels = {}) const {
    return !std::isnan(value(name, labels));
  }
  std::vector<const Sample*> samples(const std::string& name) const {
    std::vector<const Sample*> out;
    for (const auto& [fname, f] : families) {
      for (const Sample& s : f.samples) {
        if (s.name == name) out.push_back(&s);
      }
    }
    return out;
  }
};

const std::regex kMetricName("[a-zA-Z_:][a-zA-Z0-9_:]*");
const std::regex kLabelName("[a-zA-Z_][a-zA-Z0-9_]*");

double parse_value(const std::string& text) {
  if (text == "+Inf") return INFINITY;
  if (text == "-Inf") return -INFINITY;
  if (text == "NaN") return NAN;
  std::size_t used = 0;
  const double v = std::stod(text, &used);
  REQUIRE(used == text.size());
  return v;
}

// The family a sample belongs to: its own name, or a histogram's without _bucket/_sum/_count.
std::string family_of(const Exposition& x, const std::string& sample) {
  if (x.families.count(sample) != 0) return sample;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s(suffix);
    if (sample.size() > s.size() && sample.compare(sample.size() - s.size(), s.size(), s) == 0) {
      const std::string base = sample.substr(0, sample.size() - s.size());
      const auto f = x.families.find(base);
      if (f != x.families.end() && f->second.type == "histogram") return base;
    }
  }
  FAIL("sample " << sample << " belongs to no family declared before it");
  return "";
}

// Parses the text exposition format (0.0.4), checking it as it goes.
Exposition parse(const std::string& text) {
  Exposition x;
  REQUIRE(!text.empty());
  REQUIRE(text.back() == '\n');
  std::istringstream in(text);
  std::string line;
  std::set<std::string> seen;  // name and labels of every sample
  std::string current;         // the family whose samples come now
  while (std::getline(in, line)) {
    INFO("line: " << line);
    REQUIRE(!line.empty());
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
      const std::string rest = line.substr(7);
      const std::size_t space = rest.find(' ');
      REQUIRE(space != std::string::npos);
      const std::string name = rest.substr(0, space);
      const std::string arg = rest.substr(space + 1);
      REQUIRE(std::regex_match(name, kMetricName));
      Family& f = x.families[name];
      REQUIRE(f.samples.empty());  // HELP and TYPE come before the samples
      if (line[2] == 'H') {
        REQUIRE(f.help.empty());
        REQUIRE(!arg.empty());
        f.help = arg;
      } else {
        REQUIRE(f.type.empty());
        REQUIRE((arg == "counter" || arg == "gauge" || arg == "histogram" || arg == "summary" ||
                 arg == "untyped"));
        f.type = arg;
      }
      if (std::find(x.order.begin(), x.order.end(), name) == x.order.end()) {
        x.order.push_back(name);
      }
      current = name;
      continue;
    }
    REQUIRE(line[0] != '#');
    Sample s;
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = line.substr(0, i);
    REQUIRE(std::regex_match(s.name, kMetricName));
    if (line[i] == '{') {
      ++i;
      while (line.at(i) != '}') {
        const std::size_t eq = line.find('=', i);
        REQUIRE(eq != std::string::npos);
        const std::string label = line.substr(i, eq - i);
        REQUIRE(std::regex_match(label, kLabelName));
        REQUIRE(line.at(eq + 1) == '"');
        std::string value;
        std::size_t j = eq + 2;
        for (;; ++j) {
          const char c = line.at(j);
          if (c == '"') break;
          if (c == '\\') {
            const char e = line.at(++j);
            REQUIRE((e == '\\' || e == '"' || e == 'n'));
            value += e == 'n' ? '\n' : e;
          } else {
            value += c;
          }
        }
        REQUIRE(s.labels.emplace(label, value).second);
        i = j + 1;
        if (line.at(i) == ',') ++i;
      }
      ++i;
    }
    REQUIRE(line.at(i) == ' ');
    s.value = parse_value(line.substr(i + 1));
    const std::string family = family_of(x, s.name);
    REQUIRE(family == current);  // a family's samples are together, after its HELP and TYPE
    std::string key = s.name;
    for (const auto& [k, v] : s.labels) key += "|" + k + "=" + v;
    REQUIRE(seen.insert(key).second);
    x.families[family].samples.push_back(std::move(s));
  }
  for (const auto& [name, f] : x.families) {
    INFO("family " << name);
    CHECK(!f.help.empty());
    CHECK(!f.type.empty());
    if (f.type == "counter") {
      CHECK(name.size() > 6);
      CHECK(name.substr(name.size() - 6) == "_total");
      for (const Sample& s : f.samples) CHECK(s.value >= 0);
    }
  }
  return x;
}

// Checks a histogram family: per label set (without le), buckets with increasing bounds and
// non-decreasing counts, the last +Inf and equal to _count.
void check_histogram(const Exposition& x, const std::string& name) {
  const auto f = x.families.find(name);
  REQUIRE(f != x.families.end());
  REQUIRE(f->second.type == "histogram");
  std::vector<std::pair<double, double>> buckets;
  for (const Sample* s : x.samples(name + "_bucket")) {
    REQUIRE(s->labels.count("le") == 1);
    buckets.emplace_back(parse_value(s->labels.at("le")), s->value);
  }
  REQUIRE(buckets.size() >= 2);
  for (std::size_t i = 1; i < buckets.size(); ++i) {
    CHECK(buckets[i - 1].first < buckets[i].first);
    CHECK(buckets[i - 1].second <= buckets[i].second);
  }
  CHECK(std::isinf(buckets.back().first));
  CHECK(buckets.back().second == x.value(name + "_count"));
  CHECK(x.has(name + "_sum"));
}

// vc1 connected and synced; leaf1 reachable, spine1 unreachable, a switch named with characters
// that need escaping; two hosts, three VMs, interfaces.
Lab small_lab() {
  Lab lab;
  lab.add_switch("leaf1").add_switch("spine1").add_switch("odd \"sw\"\\x\ny");
  lab.add_port("leaf1", "Ethernet1").add_port("leaf1", "Ethernet2").add_port("spine1", "Ethernet1");
  Switch leaf1 = lab.get<Switch>(SwitchId("leaf1"));
  leaf1.last_poll_ms = 1'700'000'000'042;
  lab.upsert(leaf1);
  Switch spine1 = lab.get<Switch>(SwitchId("spine1"));
  spine1.reachability = Reachability::kUnreachable;
  spine1.last_poll_ms = 1'700'000'001'500;
  lab.upsert(spine1);
  VCenter vc = lab.get<VCenter>(VCenterId("vc1"));
  vc.session = SessionState::kConnected;
  vc.synced = true;
  vc.last_update_ms = 1'700'000'000'123;
  lab.upsert(vc);
  const HostId a = lab.add_host("esx-a.lab.local");
  const HostId b = lab.add_host("esx-b.lab.local");
  lab.add_vm("vm-1", a);
  lab.add_vm("vm-2", a, PowerState::kPoweredOff);
  lab.add_vm("vm-3", b);
  return lab;
}

reconcile::ReconcilerStats some_stats() {
  reconcile::ReconcilerStats s;
  s.plans_full = 2;
  s.plans_incremental = 5;
  s.plan_buckets[0] = 3;                                                // <= 0.5 ms
  s.plan_buckets[4] = 3;                                                // <= 10 ms
  s.plan_buckets[reconcile::ReconcilerStats::kPlanBuckets.size()] = 1;  // over 10 s
  s.plan_seconds_sum = 12.5;
  s.changes_applied = 9;
  s.changes_aborted = 1;
  s.changes_failed = 2;
  s.sessions_in_flight = 1;
  s.removals_frozen = true;
  return s;
}

// What the audits did: 3 done, 1 failed, 5 repairs; the last took 2.25 s and found 2 missing VLANs.
audit::AuditStats some_audit_stats() {
  audit::AuditStats s;
  s.done = 3;
  s.failed = 1;
  s.repairs = 5;
  s.running = true;
  s.last_finished_ms = 1'700'000'000'250;
  s.last_duration_s = 2.25;
  s.last_counts = {{"vlan-missing", 2}, {"vlan-unneeded", 0}, {"cluster-gap", 0}};
  return s;
}

}  // namespace

TEST_CASE("metrics: the exposition parses back, every sample in a declared family", "[metrics]") {
  const Lab lab = small_lab();
  api::MetricsInput input;
  input.graph = &lab.snapshot();
  input.reconciler = some_stats();
  input.audits = some_audit_stats();
  api::RequestCounters requests;
  requests.add("/api/v1/vms/{name}", 200);
  requests.add("/api/v1/vms/{name}", 404);
  requests.add("/api/v1/vms/{name}", 204);
  requests.add("unmatched", 401);
  input.requests = requests.counts();
  const std::string text = api::render_metrics(input);
  INFO(text);
  const Exposition x = parse(text);
  check_histogram(x, "vmfabric_plan_duration_seconds");

  SECTION("vCenters") {
    const LabelSet vc1 = {{"vcenter", "vc1"}};
    CHECK(x.value("vmfabric_vcenter_up", vc1) == 1);
    CHECK(x.value("vmfabric_vcenter_synced", vc1) == 1);
    CHECK(x.value("vmfabric_vcenter_last_update_timestamp_seconds", vc1) ==
          Approx(1'700'000'000.123).epsilon(1e-12));
    CHECK(text.find("vmfabric_vcenter_last_update_timestamp_seconds{vcenter=\"vc1\"} "
                    "1700000000.123\n") != std::string::npos);
    CHECK(x.value("vmfabric_vcenter_session_state", {{"vcenter", "vc1"}, {"state", "connected"}}) ==
          1);
    CHECK(x.value("vmfabric_vcenter_session_state",
                  {{"vcenter", "vc1"}, {"state", "disconnected"}}) == 0);
  }

  SECTION("switches, with label values escaped") {
    CHECK(x.value("vmfabric_switch_reachable", {{"switch", "leaf1"}}) == 1);
    CHECK(x.value("vmfabric_switch_reachable", {{"switch", "spine1"}}) == 0);
    CHECK(x.value("vmfabric_switch_reachable", {{"switch", "odd \"sw\"\\x\ny"}}) == 1);
    CHECK(text.find("{switch=\"odd \\\"sw\\\"\\\\x\\ny\"}") != std::string::npos);
    for (const char* sw : {"leaf1", "spine1"}) {
      double sum = 0;
      for (const char* state : {"unknown", "reachable", "unreachable", "auth-failed"}) {
        const double v = x.value("vmfabric_switch_state", {{"switch", sw}, {"state", state}});
        REQUIRE(!std::isnan(v));
        sum += v;
      }
      CHECK(sum == 1);  // one-hot
    }
    CHECK(x.value("vmfabric_switch_state", {{"switch", "spine1"}, {"state", "unreachable"}}) == 1);
    CHECK(x.value("vmfabric_switch_last_poll_timestamp_seconds", {{"switch", "spine1"}}) ==
          Approx(1'700'000'001.5).epsilon(1e-12));
    // Never polled: no timestamp rather than 1970.
    CHECK_FALSE(
        x.has("vmfabric_switch_last_poll_timestamp_seconds", {{"switch", "odd \"sw\"\\x\ny"}}));
  }

  SECTION("entity counts and the graph version") {
    CHECK(x.value("vmfabric_graph_entities", {{"kind", "switch"}}) == 3);
    CHECK(x.value("vmfabric_graph_entities", {{"kind", "interface"}}) == 3);
    CHECK(x.value("vmfabric_graph_entities", {{"kind", "host"}}) == 2);
    CHECK(x.value("vmfabric_graph_entities", {{"kind", "vm"}}) == 3);
    CHECK(x.value("vmfabric_graph_entities", {{"kind", "vcenter"}}) == 1);
    CHECK(x.value("vmfabric_graph_version") == static_cast<double>(lab.snapshot().version()));
  }

  SECTION("the reconciler") {
    CHECK(x.value("vmfabric_plans_total", {{"kind", "full"}}) == 2);
    CHECK(x.value("vmfabric_plans_total", {{"kind", "incremental"}}) == 5);
    CHECK(x.value("vmfabric_plan_duration_seconds_bucket", {{"le", "0.0005"}}) == 3);
    CHECK(x.value("vmfabric_plan_duration_seconds_bucket", {{"le", "0.005"}}) == 3);
    CHECK(x.value("vmfabric_plan_duration_seconds_bucket", {{"le", "0.01"}}) == 6);
    CHECK(x.value("vmfabric_plan_duration_seconds_bucket", {{"le", "10"}}) == 6);
    CHECK(x.value("vmfabric_plan_duration_seconds_bucket", {{"le", "+Inf"}}) == 7);
    CHECK(x.value("vmfabric_plan_duration_seconds_count") == 7);
    CHECK(x.value("vmfabric_plan_duration_seconds_sum") == 12.5);
    CHECK(x.value("vmfabric_changes_total", {{"result", "applied"}}) == 9);
    CHECK(x.value("vmfabric_changes_total", {{"result", "aborted"}}) == 1);
    CHECK(x.value("vmfabric_changes_total", {{"result", "failed"}}) == 2);
    CHECK(x.value("vmfabric_sessions_in_flight") == 1);
    CHECK(x.value("vmfabric_removals_frozen") == 1);
  }

  SECTION("drift audits") {
    CHECK(x.families.at("vmfabric_audit_findings").type == "gauge");
    CHECK(x.value("vmfabric_audit_findings", {{"kind", "vlan-missing"}}) == 2);
    CHECK(x.value("vmfabric_audit_findings", {{"kind", "cluster-gap"}}) == 0);
    CHECK(x.families.at("vmfabric_audits_total").type == "counter");
    CHECK(x.value("vmfabric_audits_total", {{"status", "done"}}) == 3);
    CHECK(x.value("vmfabric_audits_total", {{"status", "failed"}}) == 1);
    CHECK(x.value("vmfabric_audit_running") == 1);
    CHECK(text.find("vmfabric_audit_last_finished_timestamp_seconds 1700000000.250\n") !=
          std::string::npos);
    CHECK(x.value("vmfabric_audit_last_duration_seconds") == 2.25);
    CHECK(x.value("vmfabric_audit_repairs_total") == 5);
  }

  SECTION("API requests by route and status class") {
    CHECK(x.value("vmfabric_api_requests_total",
                  {{"route", "/api/v1/vms/{name}"}, {"status_class", "2xx"}}) == 2);
    CHECK(x.value("vmfabric_api_requests_total",
                  {{"route", "/api/v1/vms/{name}"}, {"status_class", "4xx"}}) == 1);
    CHECK(x.value("vmfabric_api_requests_total",
                  {{"route", "unmatched"}, {"status_class", "4xx"}}) == 1);
  }
}

TEST_CASE("metrics: without a reconciler its families are left out", "[metrics]") {
  const Lab lab;  // vc1 alone, disconnected, never updated
  api::MetricsInput input;
  input.graph = &lab.snapshot();
  const Exposition x = parse(api::render_metrics(input));
  CHECK(x.families.count("vmfabric_changes_total") == 0);
  CHECK(x.families.count("vmfabric_plan_duration_seconds") == 0);
  CHECK(x.families.count("vmfabric_audits_total") == 0);
  CHECK(x.families.count("vmfabric_audit_findings") == 0);
  CHECK(x.value("vmfabric_vcenter_up", {{"vcenter", "vc1"}}) == 0);
  CHECK_FALSE(x.has("vmfabric_vcenter_last_update_timestamp_seconds", {{"vcenter", "vc1"}}));
  CHECK_FALSE(x.has("vmfabric_vcenter_update_lag_seconds", {{"vcenter", "vc1"}}));
  // A family with no samples still says what it is.
  CHECK(x.families.at("vmfabric_switch_reachable").type == "gauge");
  CHECK(x.families.at("vmfabric_api_requests_total").type == "counter");
}

TEST_CASE("metrics: label values are escaped as the format says", "[metrics]") {
  CHECK(api::escape_label_value("plain") == "plain");
  CHECK(api::escape_label_value("a\"b") == "a\\\"b");
  CHECK(api::escape_label_value("a\\b") == "a\\\\b");
  CHECK(api::escape_label_value("a\nb") == "a\\nb");
}

namespace {

class StatsSource : public api::ApiSource {
 public:
  explicit StatsSource(const Snapshot& graph)
      : graph_(std::make_shared<const Snapshot>(graph)),
        plan_(std::make_shared<const planner::Plan>()) {}
  std::shared_ptr<const Snapshot> graph() const override { return graph_; }
  std::shared_ptr<const planner::Plan> plan() const override { return plan_; }
  PolicyConfig policy() const override { return policy_; }
  std::vector<JournalEntry> journal(const JournalQuery&) const override { return {}; }
  std::map<std::string, VlanSet> created_vlans() const override { return {}; }
  std::int64_t now_ms() const override { return 0; }
  bool reconciler_stats(reconcile::ReconcilerStats& out) const override {
    out = some_stats();
    return true;
  }
  bool audit_stats(audit::AuditStats& out) const override {
    out = some_audit_stats();
    out.last_finished_ms.reset();  // none finished yet: no timestamp rather than 1970
    return true;
  }
  std::vector<southbound::EapiSwitchStats> eapi_stats() const override {
    southbound::EapiStats eapi;
    eapi.record("leaf1", std::chrono::milliseconds(40), std::nullopt);
    return eapi.snapshot();
  }

 private:
  std::shared_ptr<const Snapshot> graph_;
  std::shared_ptr<const planner::Plan> plan_;
  PolicyConfig policy_;
};

}  // namespace

TEST_CASE("metrics: GET /metrics needs a viewer token and answers the text format", "[metrics]") {
  const Lab lab = small_lab();
  StatsSource source(lab.snapshot());
  api::Endpoints endpoints(source);
  vmfabric::testing::ViewerRoutes routes(endpoints);
  const auto get = [&](const std::string& target, const std::string& token = "t") {
    return routes.get(target, token);
  };
  CHECK(get("/metrics", "").status == 401);
  CHECK(get("/metrics", "wrong").status == 401);
  CHECK(get("/metrics?format=json").status == 400);
  CHECK(get("/nothing").status == 404);
  CHECK(get("/api/v1/vms/ghost").status == 404);
  CHECK(get("/healthz", "").status == 200);
  const auto r = get("/metrics");
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type") == "text/plain; version=0.0.4; charset=utf-8");
  INFO(r.body);
  const Exposition x = parse(r.body);
  CHECK(x.value("vmfabric_changes_total", {{"result", "applied"}}) == 9);
  CHECK(x.value("vmfabric_switch_reachable", {{"switch", "leaf1"}}) == 1);
  CHECK(x.value("vmfabric_eapi_request_duration_seconds_count", {{"switch", "leaf1"}}) == 1);
  CHECK(x.value("vmfabric_audits_total", {{"status", "done"}}) == 3);
  CHECK_FALSE(x.has("vmfabric_audit_last_finished_timestamp_seconds"));
  CHECK_FALSE(x.has("vmfabric_audit_last_duration_seconds"));
  // The requests before this one, by the pattern they matched.
  CHECK(x.value("vmfabric_api_requests_total", {{"route", "/metrics"}, {"status_class", "4xx"}}) ==
        3);
  CHECK(x.value("vmfabric_api_requests_total", {{"route", "unmatched"}, {"status_class", "4xx"}}) ==
        1);
  CHECK(x.value("vmfabric_api_requests_total",
                {{"route", "/api/v1/vms/{name}"}, {"status_class", "4xx"}}) == 1);
  CHECK(x.value("vmfabric_api_requests_total", {{"route", "/healthz"}, {"status_class", "2xx"}}) ==
        1);
  CHECK_FALSE(
      x.has("vmfabric_api_requests_total", {{"route", "/metrics"}, {"status_class", "2xx"}}));
}

TEST_CASE("metrics: eAPI request durations and failures per switch and the vCenter update lag",
          "[metrics]") {
  using std::chrono::milliseconds;
  southbound::EapiStats eapi;
  eapi.record("leaf1", milliseconds(3), std::nullopt);                           // <= 5 ms
  eapi.record("leaf1", milliseconds(80), std::nullopt);                          // <= 100 ms
  eapi.record("leaf1", milliseconds(15000), southbound::EapiFailure::kTimeout);  // over 10 s
  eapi.record("spine1", milliseconds(10), southbound::EapiFailure::kAuth);       // <= 10 ms
  const Lab lab = small_lab();
  api::MetricsInput input;
  input.graph = &lab.snapshot();
  input.eapi = eapi.snapshot();
  input.now_ms = 1'700'000'060'000;
  const std::string text = api::render_metrics(input);
  INFO(text);
  const Exposition x = parse(text);

  const std::string h = "vmfabric_eapi_request_duration_seconds";
  REQUIRE(x.families.at(h).type == "histogram");
  const auto bucket = [&](const char* sw, const char* le) {
    return x.value(h + "_bucket", {{"switch", sw}, {"le", le}});
  };
  CHECK(bucket("leaf1", "0.005") == 1);
  CHECK(bucket("leaf1", "0.05") == 1);
  CHECK(bucket("leaf1", "0.1") == 2);
  CHECK(bucket("leaf1", "10") == 2);
  CHECK(bucket("leaf1", "+Inf") == 3);
  CHECK(x.value(h + "_count", {{"switch", "leaf1"}}) == 3);
  CHECK(x.value(h + "_sum", {{"switch", "leaf1"}}) == Approx(15.083));
  CHECK(bucket("spine1", "0.005") == 0);
  CHECK(bucket("spine1", "0.01") == 1);
  CHECK(x.samples(h + "_bucket").size() == 2 * (southbound::EapiSwitchStats::kBuckets.size() + 1));
  // A switch that made no request has no series.
  CHECK_FALSE(x.has(h + "_count", {{"switch", "odd \"sw\"\\x\ny"}}));

  // Every kind for each switch, at 0 until it happens: an alert sees the first one.
  const std::string f = "vmfabric_eapi_request_failures_total";
  REQUIRE(x.families.at(f).type == "counter");
  CHECK(x.value(f, {{"switch", "leaf1"}, {"kind", "timeout"}}) == 1);
  CHECK(x.value(f, {{"switch", "leaf1"}, {"kind", "auth"}}) == 0);
  CHECK(x.value(f, {{"switch", "spine1"}, {"kind", "auth"}}) == 1);
  CHECK(x.samples(f).size() == 2 * southbound::kEapiFailures.size());

  // vc1's last update came at 1,700,000,000.123 s: 59.877 s before now.
  CHECK(x.value("vmfabric_vcenter_update_lag_seconds", {{"vcenter", "vc1"}}) == Approx(59.877));
  CHECK(text.find("vmfabric_vcenter_update_lag_seconds{vcenter=\"vc1\"} 59.877\n") !=
        std::string::npos);
}

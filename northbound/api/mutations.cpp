#include "northbound/api/mutations.h"

#include <algorithm>
#include <cctype>
#include <functional>

#include "northbound/api/render.h"
#include "northbound/http/time.h"

namespace vmfabric::northbound::api {
namespace {

using router::Call;
using router::Problem;

// 415 unless the body is declared JSON ("application/json", parameters allowed).
void require_json(const Call& c) {
  std::string type = c.request.header("content-type").value_or("");
  type = type.substr(0, type.find(';'));
  type.erase(std::remove_if(type.begin(), type.end(),
                            [](unsigned char ch) { return std::isspace(ch) != 0; }),
             type.end());
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  if (type != "application/json") {
    throw Problem(415, "unsupported-media-type",
                  "the request body must be JSON: send it with Content-Type: application/json" +
                      (type.empty() ? std::string() : " (got " + type + ")"));
  }
}

Problem invalid_body(const ConfigError& e) {
  std::string detail;
  for (const std::string& p : e.problems()) detail += (detail.empty() ? "" : "; ") + p;
  return Problem(400, "invalid-body", detail);
}

Problem refused(const ControlError& e) {
  return e.kind() == ControlError::Kind::kNotFound ? router::not_found(e.what())
                                                   : Problem(409, "conflict", e.what());
}

const std::string& actor(const Call& c) { return c.principal->name; }

// The body as it is kept: the entry's JSON without comments or layout.
std::string normalized(const std::string& body) {
  return json::parse(body, nullptr, true, /*ignore_comments=*/true).dump();
}

json policy_json(const EffectivePolicy& p) {
  return {{"managed_vlans", p.policy.managed_vlans.to_string()},
          {"mode", to_string(p.policy.mode)},
          {"prune_delay_s", p.policy.prune_delay_s},
          {"max_removals_per_cycle", p.policy.max_removals_per_cycle},
          {"apply", to_string(p.policy.apply)},
          {"source", p.from_api ? "api" : "config"},
          {"updated", p.updated_ms ? json(http::format_time(*p.updated_ms)) : json()},
          {"updated_by", p.from_api ? json(p.updated_by) : json()}};
}

// The `version` of an approval's body {"version": "..."}.
std::string approval_version(const std::string& body) {
  json doc;
  try {
    doc = json::parse(body);
  } catch (const json::parse_error& e) {
    // nlohmann's message starts "[json.exception.parse_error.101] parse error at line L, ...".
    const std::string what = e.what();
    const std::size_t at = what.find("parse error");
    throw Problem(400, "invalid-body",
                  "invalid JSON: " + (at == std::string::npos ? what : what.substr(at)));
  }
  if (!doc.is_object()) {
    throw Problem(400, "invalid-body", "expected an object {\"version\": \"...\"}");
  }
  std::string problems;
  for (const auto& [key, value] : doc.items()) {
    if (key != "version") problems += (problems.empty() ? "" : "; ") + key + ": unknown key";
  }
  const auto version = doc.find("version");
  if (version == doc.end() || !version->is_string() || version->get<std::string>().empty()) {
    problems += std::string(problems.empty() ? "" : "; ") +
                "version: required: the plan's version as GET /api/v1/plan shows it";
  }
  if (!problems.empty()) throw Problem(400, "invalid-body", problems);
  return version->get<std::string>();
}

// A policy body without the read-only members GET /policy adds (source, updated, updated_by), so
// that what GET answers can be edited and PUT back. Text that is not a JSON object is left for
// parse_policy_entry to say what is wrong with it.
std::string settable(const std::string& body) {
  json doc = json::parse(body, nullptr, false);
  if (!doc.is_object()) return body;
  for (const char* member : {"source", "updated", "updated_by"}) doc.erase(member);
  return doc.dump();
}

// DELETE of one {name} of a collection: `remove(name, actor)`, then 204.
router::Handler removal(
    std::function<void(const std::string& name, const std::string& actor)> remove) {
  return [remove = std::move(remove)](const Call& c) {
    c.query.only({});
    try {
      remove(c.params.at("name"), actor(c));
    } catch (const ControlError& e) {
      throw refused(e);
    }
    http::Response response;
    response.status = 204;
    return response;
  };
}

// The vCenter `name` as GET /vcenters lists it.
json vcenter_item(const View& view, const std::string& name) {
  const json all = list_vcenters(view, router::Query::parse("limit=" + std::to_string(kMaxLimit)));
  for (const json& item : all["items"]) {
    if (item["name"] == name) return item;
  }
  throw router::not_found("no vCenter named \"" + name + "\"");
}

}  // namespace

void add_mutation_routes(router::Router& r, const Endpoints& endpoints, const ApiSource& source,
                         ApiControl& control) {
  using auth::Role;
  r.add("POST", "/api/v1/switches", Role::kAdmin, [&](const Call& c) {
    c.query.only({});
    require_json(c);
    SwitchConfig config;
    try {
      config = parse_switch_entry(c.request.body, control.base_dir());
      control.add_switch(config, normalized(c.request.body), actor(c));
    } catch (const ConfigError& e) {
      throw invalid_body(e);
    } catch (const ControlError& e) {
      throw refused(e);
    }
    return json_body(201, get_switch(*endpoints.view(), config.name))
        .set("Location", "/api/v1/switches/" + config.name);
  });
  r.add("DELETE", "/api/v1/switches/{name}", Role::kAdmin,
        removal([&](const std::string& name, const std::string& who) {
          control.remove_switch(name, who);
        }));
  r.add("POST", "/api/v1/vcenters", Role::kAdmin, [&](const Call& c) {
    c.query.only({});
    require_json(c);
    VCenterConfig config;
    try {
      config = parse_vcenter_entry(c.request.body, control.base_dir());
      control.add_vcenter(config, normalized(c.request.body), actor(c));
    } catch (const ConfigError& e) {
      throw invalid_body(e);
    } catch (const ControlError& e) {
      throw refused(e);
    }
    return json_body(201, vcenter_item(*endpoints.view(), config.name));
  });
  r.add("DELETE", "/api/v1/vcenters/{name}", Role::kAdmin,
        removal([&](const std::string& name, const std::string& who) {
          control.remove_vcenter(name, who);
        }));
  r.add("GET", "/api/v1/policy", Role::kViewer, [&](const Call& c) {
    c.query.only({});
    return json_body(200, policy_json(control.policy()));
  });
  r.add("PUT", "/api/v1/policy", Role::kAdmin, [&](const Call& c) {
    c.query.only({});
    require_json(c);
    try {
      return json_body(200, policy_json(control.set_policy(
                                parse_policy_entry(settable(c.request.body)), actor(c))));
    } catch (const ConfigError& e) {
      throw invalid_body(e);
    }
  });
  r.add("POST", "/api/v1/plan/approve", Role::kOperator, [&](const Call& c) {
    c.query.only({});
    require_json(c);
    const std::string version = approval_version(c.request.body);
    const PolicyConfig policy = source.policy();
    if (policy.apply != ApplyMode::kDryRun) {
      throw Problem(409, "conflict",
                    "nothing to approve: policy.apply is \"auto\" (changes are applied as they "
                    "are planned); set it to \"dry-run\" with PUT /api/v1/policy to approve plans");
    }
    const PendingPlan plan = pending_plan(*endpoints.view(), reconciler_facts(source));
    if (plan.version != version) {
      throw Problem(409, "conflict",
                    "the plan changed since version " + version + " (it is now " + plan.version +
                        "): review GET /api/v1/plan again and approve its version");
    }
    control.approve_plan(actor(c));
    return json_body(202, {{"approved_by", actor(c)}, {"switches", plan.switches}});
  });
}

}  // namespace vmfabric::northbound::api

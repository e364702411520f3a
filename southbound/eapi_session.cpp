#include "southbound/eapi_session.h"

#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>

#include "config/tls.h"
#include "log/log.h"
#include "model/text.h"

namespace vmfabric::southbound {

namespace asio = boost::asio;
using nlohmann::json;

EapiEndpoint endpoint_of(const SwitchConfig& config) {
  EapiEndpoint e;
  e.name = config.name;
  e.http = net::HttpTarget{"switch " + config.name, config.address, config.port,
                           tls_policy(config.transport == Transport::kHttps, config.tls)};
  e.username = config.credential.username;
  e.password = config.credential.resolve("switch " + config.name);
  return e;
}

namespace {

// A failure worth another try for a read: no answer, or the switch's HTTP server failing. A
// certificate that does not verify or an oversized answer will be the same next time.
bool transient(const std::exception& e) {
  if (const auto* http = dynamic_cast<const net::HttpError*>(&e)) {
    return http->kind() != net::HttpError::Kind::kTls &&
           http->kind() != net::HttpError::Kind::kTooLarge;
  }
  const auto* http = dynamic_cast<const EapiHttpError*>(&e);
  return http && http->status() >= 500;
}

// How a request failed, for EapiStats.
EapiFailure failure_of(const std::exception& e) {
  if (const auto* http = dynamic_cast<const net::HttpError*>(&e)) {
    switch (http->kind()) {
      case net::HttpError::Kind::kResolve:
      case net::HttpError::Kind::kConnect:
        return EapiFailure::kConnect;
      case net::HttpError::Kind::kTls:
        return EapiFailure::kTls;
      case net::HttpError::Kind::kTimeout:
        return EapiFailure::kTimeout;
      case net::HttpError::Kind::kClosed:
        return EapiFailure::kClosed;
      case net::HttpError::Kind::kProtocol:
      case net::HttpError::Kind::kTooLarge:
        return EapiFailure::kBadResponse;
    }
  }
  if (const auto* http = dynamic_cast<const EapiHttpError*>(&e)) {
    return http->unauthorized() ? EapiFailure::kAuth : EapiFailure::kHttpStatus;
  }
  if (dynamic_cast<const EapiError*>(&e) != nullptr) return EapiFailure::kCommand;
  return EapiFailure::kBadResponse;
}

// At most `n` bytes of a body for a message, on one line.
std::string excerpt(std::string_view body, std::size_t n = 200) {
  std::string out(body.substr(0, n));
  std::replace_if(
      out.begin(), out.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return body.size() > n ? out + "..." : out;
}

// A ChangeSet changing more interfaces than this is read back with every switchport.
constexpr std::size_t kMaxReadbackInterfaces = 32;

// What apply() reads back after a commit, in the same request: only what the ChangeSet touched,
// so that the read-back does not grow with the switch's VLANs and ports. The whole VLAN database
// when VLANs are deleted (their absence is what is verified; `show vlan LIST` refuses a list
// that has none).
struct Readback {
  std::optional<std::size_t> vlans, switchports;  // their index in `commands`
  bool all_vlans = false, all_switchports = false;
  std::vector<std::string> commands;
};

Readback readback_for(const ChangeSet& changes) {
  Readback r;
  if (!changes.delete_vlans.empty() || !changes.create_vlans.empty()) {
    r.all_vlans = !changes.delete_vlans.empty();
    VlanSet created;
    for (const auto& [vlan, name] : changes.create_vlans) created.insert(vlan);
    r.vlans = r.commands.size();
    r.commands.push_back(r.all_vlans ? "show vlan" : "show vlan " + created.to_range_list());
  }
  if (!changes.interfaces.empty()) {
    r.all_switchports = changes.interfaces.size() > kMaxReadbackInterfaces;
    std::string list;
    for (const auto& [name, change] : changes.interfaces) {
      list += (list.empty() ? "" : ",") + name.str();
    }
    r.switchports = r.commands.size();
    r.commands.push_back(r.all_switchports ? "show interfaces switchport"
                                           : "show interfaces " + list + " switchport");
  }
  return r;
}

// The read-back of everything, when the short one failed.
Readback full_readback(const Readback& failed) {
  Readback r;
  r.all_vlans = r.all_switchports = true;
  if (failed.vlans) {
    r.vlans = r.commands.size();
    r.commands.emplace_back("show vlan");
  }
  if (failed.switchports) {
    r.switchports = r.commands.size();
    r.commands.emplace_back("show interfaces switchport");
  }
  return r;
}

}  // namespace

struct EapiSession::Impl {
  Impl(asio::any_io_executor ex, EapiEndpoint ep, EapiOptions opts)
      : executor(ex),
        endpoint(std::move(ep)),
        options(opts),
        client(ex, endpoint.http, options.limits),
        retry_timer(ex),
        authorization(net::basic_auth(endpoint.username, endpoint.password.reveal())) {}

  // One runCmds request, `enable` first; the results of `cmds` (enable's dropped). Recorded in
  // options.stats.
  asio::awaitable<std::vector<json>> run(const std::vector<std::string>& cmds, Format format) {
    if (shut) throw Error("switch " + endpoint.name + ": the eAPI session is shut down");
    const auto started = std::chrono::steady_clock::now();
    const auto record = [&](std::optional<EapiFailure> failure) {
      if (options.stats != nullptr) {
        options.stats->record(endpoint.name, std::chrono::steady_clock::now() - started, failure);
      }
    };
    try {
      std::vector<json> results = co_await exchange(cmds, format);
      record(std::nullopt);
      co_return results;
    } catch (const std::exception& e) {
      record(failure_of(e));
      throw;
    }
  }

  asio::awaitable<std::vector<json>> exchange(const std::vector<std::string>& cmds, Format format) {
    std::vector<std::string> all;
    all.reserve(cmds.size() + 1);
    all.emplace_back("enable");
    all.insert(all.end(), cmds.begin(), cmds.end());
    const std::string id = "vmfabric-" + std::to_string(++request_count);

    net::HttpRequest req;
    req.method = "POST";
    req.target = "/command-api";
    req.headers = {{"Content-Type", "application/json"},
                   {"Accept", "application/json"},
                   {"Authorization", authorization}};
    req.body = build_request(all, format, id);
    const net::HttpResponse resp = co_await client.request(std::move(req));
    if (resp.status == 401) {
      throw EapiHttpError(401, "switch " + endpoint.name +
                                   ": authentication failed (HTTP 401): check the username "
                                   "and password of switches[" +
                                   endpoint.name + "] and the user's role on the switch");
    }
    if (resp.status != 200) {
      throw EapiHttpError(resp.status, "switch " + endpoint.name + ": HTTP " +
                                           std::to_string(resp.status) +
                                           " from /command-api: " + excerpt(resp.body));
    }
    std::vector<json> results;
    try {
      results = parse_response(resp.body, id, all.size());
    } catch (const EapiError& e) {
      // EOS counts `enable` among the commands; callers count theirs from 0.
      const auto index = e.command_index();
      throw EapiError(e.code(), e.message(),
                      index && *index > 0 ? std::optional<std::size_t>(*index - 1) : std::nullopt,
                      e.command(), e.errors());
    }
    results.erase(results.begin());
    co_return results;
  }

  asio::awaitable<std::vector<json>> show(const std::vector<std::string>& cmds, Format format) {
    for (int attempt = 1;; ++attempt) {
      std::optional<std::string> failure;
      try {
        co_return co_await run(cmds, format);
      } catch (const std::exception& e) {
        if (shut || !transient(e) || attempt >= options.read_attempts) throw;
        failure = e.what();
      }
      const auto delay = options.retry_backoff * (1 << std::min(attempt - 1, 10));
      log::warn("eapi.read_retry", {{"switch", endpoint.name},
                                    {"attempt", attempt},
                                    {"retry_in_ms", delay.count()},
                                    {"error", *failure}});
      retry_timer.expires_after(delay);
      boost::system::error_code ec;
      co_await retry_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  // The state of configuration session `name` on the switch ("pending", "completed"), or ""
  // when the switch does not know it.
  asio::awaitable<std::string> session_state(const std::string& name) {
    // (A named vector: g++ 12 miscompiles a braced list inside co_await's operand.)
    const std::vector<std::string> cmds{"show configuration sessions detail"};
    const auto results = co_await show(cmds, Format::kJson);
    const json sessions = results.at(0).value("sessions", json::object());
    const auto it = sessions.find(name);
    if (it == sessions.end() || !it->is_object()) co_return std::string();
    co_return it->value("state", std::string());
  }

  // Discards session `name`, best effort: the caller is already reporting a failure.
  asio::awaitable<void> abort(const std::string& name) {
    try {
      const std::vector<std::string> cmds = render_abort(name);
      co_await run(cmds, Format::kJson);
      log::info("eapi.session_aborted", {{"switch", endpoint.name}, {"session", name}});
    } catch (const std::exception& e) {
      log::warn("eapi.abort_failed",
                {{"switch", endpoint.name}, {"session", name}, {"error", e.what()}});
    }
  }

  asio::awaitable<ApplyReport> apply(const ChangeSet& changes, std::string session) {
    ApplyReport report;
    report.session = session;
    if (changes.empty()) co_return report;
    report.commands = render(changes, session);

    // The read-back rides in the same request, after `commit`: EOS runs a request's commands in
    // order and stops at the first error, so the shows run only once the session is committed,
    // and the switch is busy for one round trip instead of two.
    Readback readback = readback_for(changes);
    std::vector<std::string> request = report.commands;
    request.insert(request.end(), readback.commands.begin(), readback.commands.end());
    std::optional<std::vector<json>> read;  // the results of readback.commands
    std::optional<std::string> lost;        // why the answer to the session request was lost
    std::optional<std::string> refused;     // why the switch refused it
    try {
      std::vector<json> results = co_await run(request, Format::kJson);
      read.emplace(std::make_move_iterator(results.begin() +
                                           static_cast<std::ptrdiff_t>(report.commands.size())),
                   std::make_move_iterator(results.end()));
    } catch (const EapiError& e) {
      const auto index = e.command_index();
      if (index && *index >= report.commands.size() && *index < request.size()) {
        // Committed: only a read-back command failed; everything is read again below.
        log::warn("eapi.readback_retry", {{"switch", endpoint.name},
                                          {"session", session},
                                          {"command", request[*index]},
                                          {"error", e.message()}});
      } else {
        const std::string where = index && *index < report.commands.size()
                                      ? "'" + report.commands[*index] + "'"
                                      : "a command";
        refused = "refused at " + where + ": " + e.message() +
                  (e.errors().empty() ? "" : " (" + join(e.errors(), "; ") + ")");
      }
    } catch (const EapiHttpError& e) {
      throw ApplyError(
          ApplyError::Outcome::kNotApplied,
          std::string(e.what()) + "; configuration session " + session + " was not applied");
    } catch (const net::HttpError& e) {
      lost = e.what();
    } catch (const EapiResponseError& e) {
      lost = e.what();
    }
    if (refused) {
      co_await abort(session);
      throw ApplyError(ApplyError::Outcome::kNotApplied,
                       "switch " + endpoint.name + ": configuration session " + session + " " +
                           *refused + "; the session was aborted, nothing changed");
    }

    if (lost) {
      std::string state;
      std::optional<std::string> unreadable;
      try {
        state = co_await session_state(session);
      } catch (const std::exception& e) {
        unreadable = e.what();
      }
      if (unreadable) {
        throw ApplyError(ApplyError::Outcome::kUnknown,
                         "switch " + endpoint.name + ": the answer to configuration session " +
                             session + " was lost (" + *lost + ") and its state cannot be read (" +
                             *unreadable + "); the next poll will show whether it was committed");
      }
      if (state != "completed") {
        if (state == "pending") co_await abort(session);
        throw ApplyError(
            ApplyError::Outcome::kNotApplied,
            "switch " + endpoint.name + ": configuration session " + session +
                " was not committed (" + *lost + "); " +
                (state.empty() ? "the switch never opened it" : "it was aborted, nothing changed"));
      }
      log::warn("eapi.answer_lost_but_committed",
                {{"switch", endpoint.name}, {"session", session}, {"error", *lost}});
    }

    if (!read) {
      readback = full_readback(readback);
      read = co_await show(readback.commands, Format::kJson);
    }
    report.all_vlans = readback.all_vlans;
    report.all_switchports = readback.all_switchports;
    if (readback.vlans) report.vlans = read_vlans(read->at(*readback.vlans));
    if (readback.switchports)
      report.switchports = read_switchports(read->at(*readback.switchports));
    report.mismatches = verify(changes, report.vlans, report.switchports);
    log::write(report.verified() ? log::Level::kInfo : log::Level::kError,
               report.verified() ? "eapi.session_committed" : "eapi.verify_failed",
               {{"switch", endpoint.name},
                {"session", session},
                {"commands", report.commands.size()},
                {"mismatches", join(report.mismatches, "; ")}});
    co_return report;
  }

  asio::any_io_executor executor;
  EapiEndpoint endpoint;
  EapiOptions options;
  net::HttpClient client;
  asio::steady_timer retry_timer;  // between tries of a read
  bool shut = false;               // shutdown(): no more requests
  std::string authorization;       // the Basic auth header value: a secret, never logged
  std::uint64_t request_count = 0;
};

EapiSession::EapiSession(asio::any_io_executor executor, EapiEndpoint endpoint, EapiOptions options)
    : impl_(std::make_unique<Impl>(executor, std::move(endpoint), options)) {}

EapiSession::~EapiSession() = default;

const std::string& EapiSession::name() const { return impl_->endpoint.name; }

asio::awaitable<std::vector<json>> EapiSession::show(std::vector<std::string> cmds, Format format) {
  co_return co_await impl_->show(cmds, format);
}

asio::awaitable<SwitchReadings> EapiSession::read_state() {
  static const std::vector<std::string> kStateCommands{"show version",
                                                       "show hostname",
                                                       "show vlan",
                                                       "show interfaces switchport",
                                                       "show interfaces status",
                                                       "show lldp neighbors detail",
                                                       "show port-channel",
                                                       "show mlag",
                                                       "show configuration sessions detail"};
  const auto r = co_await impl_->show(kStateCommands, Format::kJson);
  SwitchReadings readings;
  readings.facts = read_facts(r.at(0), r.at(1));
  readings.vlans = read_vlans(r.at(2));
  readings.switchports = read_switchports(r.at(3));
  readings.statuses = read_interface_status(r.at(4));
  readings.lldp = read_lldp_neighbors(r.at(5));
  readings.port_channels = read_port_channels(r.at(6));
  readings.mlag = read_mlag(r.at(7));
  readings.foreign_sessions = read_foreign_sessions(r.at(8));
  co_return readings;
}

asio::awaitable<ApplyReport> EapiSession::apply(const ChangeSet& changes,
                                                std::string session_name) {
  co_return co_await impl_->apply(changes, std::move(session_name));
}

void EapiSession::close() { impl_->client.close(); }

void EapiSession::shutdown() {
  impl_->shut = true;
  impl_->retry_timer.cancel();
  impl_->client.close();
}

std::vector<std::string> verify(const ChangeSet& changes, const std::vector<VlanEntry>& vlans,
                                const std::vector<Switchport>& switchports) {
  std::vector<std::string> out;
  auto vlan = [&](VlanId id) -> const VlanEntry* {
    const auto it =
        std::find_if(vlans.begin(), vlans.end(), [&](const VlanEntry& v) { return v.id == id; });
    return it == vlans.end() ? nullptr : &*it;
  };
  for (const auto& [id, name] : changes.create_vlans) {
    const VlanEntry* v = vlan(id);
    if (!v) {
      out.push_back("VLAN " + std::to_string(id.value) + " missing");
    } else if (!name.empty() && v->name != eos_vlan_name(name)) {
      out.push_back("VLAN " + std::to_string(id.value) + " is named '" + v->name + "', not '" +
                    eos_vlan_name(name) + "'");
    }
  }
  for (const VlanId id : changes.delete_vlans.ids()) {
    if (vlan(id)) out.push_back("VLAN " + std::to_string(id.value) + " still present");
  }
  for (const auto& [name, change] : changes.interfaces) {
    const auto it = std::find_if(switchports.begin(), switchports.end(),
                                 [&](const Switchport& s) { return s.name == name; });
    if (it == switchports.end()) {
      out.push_back(name.str() + " is not a switchport");
      continue;
    }
    if (const VlanSet missing = change.add - it->allowed; !missing.empty()) {
      out.push_back(name.str() + " does not allow " + missing.to_range_list());
    }
    if (const VlanSet extra = change.remove & it->allowed; !extra.empty()) {
      out.push_back(name.str() + " still allows " + extra.to_range_list());
    }
  }
  return out;
}

}  // namespace vmfabric::southbound

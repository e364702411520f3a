// EapiSession: the eAPI client of one switch. JSON-RPC `runCmds` over one kept-alive HTTP(S)
// connection with Basic auth; reads retried with backoff; changes applied as one EOS
// configuration session, aborted on any error, read back and verified after commit.
//
// Not thread-safe: one caller at a time, on the executor given (the switch's strand). That is
// what keeps at most one configuration session in flight per switch.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/secret.h"
#include "net/http_client.h"
#include "southbound/change_set.h"
#include "southbound/eapi.h"
#include "southbound/eapi_stats.h"
#include "southbound/readers.h"

namespace vmfabric::southbound {

// The switch answered /command-api with an HTTP status other than 200. 401 means the switch
// refused the credentials (EOS answers bad credentials with HTTP 401, not a JSON-RPC error).
class EapiHttpError : public Error {
 public:
  EapiHttpError(int status, const std::string& message) : Error(message), status_(status) {}
  int status() const { return status_; }
  bool unauthorized() const { return status_ == 401; }

 private:
  int status_;
};

// Everything needed to reach one switch.
struct EapiEndpoint {
  std::string name;  // the switch's name in the config: names it in messages and logs
  net::HttpTarget http;
  std::string username;
  Secret password;
};

// The endpoint of a configured switch. Reads the password now: throws ConfigError when it
// cannot.
EapiEndpoint endpoint_of(const SwitchConfig& config);

struct EapiOptions {
  net::HttpLimits limits{std::chrono::milliseconds(5000), std::chrono::milliseconds(15000),
                         std::size_t{64} << 20};
  // A read (show commands) is tried this many times when no answer came (timeout, closed or
  // refused connection) or the switch answered HTTP 5xx; never after a JSON-RPC error, a 401 or
  // a certificate that does not verify.
  int read_attempts = 3;
  std::chrono::milliseconds retry_backoff{250};  // before the 2nd try; doubled for each next one
  // Where each request's duration and failure are recorded (for /metrics); none when null. Must
  // outlive the session.
  EapiStats* stats = nullptr;
};

// What one applied ChangeSet did.
struct ApplyReport {
  std::string session;                // the configuration session's name
  std::vector<std::string> commands;  // the commands sent (without `enable`)
  // What the read-back after commit found different from the ChangeSet ("VLAN 120 missing",
  // "Ethernet5 does not allow 120"); empty when the switch is as the ChangeSet asked.
  std::vector<std::string> mismatches;
  // The read-back after commit: the VLANs the ChangeSet created and the switchports it changed,
  // or the whole VLAN database (`all_vlans`) when it deletes VLANs, and every switchport
  // (`all_switchports`) when it changes many interfaces or the short read-back failed.
  std::vector<VlanEntry> vlans;
  std::vector<Switchport> switchports;
  bool all_vlans = false;
  bool all_switchports = false;
  bool verified() const { return mismatches.empty(); }
};

// An apply that did not commit, or whose outcome could not be learnt.
class ApplyError : public Error {
 public:
  enum class Outcome {
    kNotApplied,  // the switch refused (or never got) the session; running config unchanged
    kUnknown,     // the switch stopped answering mid-apply; the next read tells what happened
  };
  ApplyError(Outcome outcome, const std::string& message) : Error(message), outcome_(outcome) {}
  Outcome outcome() const { return outcome_; }

 private:
  Outcome outcome_;
};

class EapiSession {
 public:
  EapiSession(boost::asio::any_io_executor executor, EapiEndpoint endpoint,
              EapiOptions options = {});
  ~EapiSession();
  EapiSession(const EapiSession&) = delete;
  EapiSession& operator=(const EapiSession&) = delete;

  const std::string& name() const;

  // Runs `enable` then `cmds` in one request and returns the results of `cmds`. Retried per
  // EapiOptions. Throws EapiError (the switch refused a command), EapiHttpError,
  // EapiResponseError, net::HttpError (no answer after the last try).
  boost::asio::awaitable<std::vector<nlohmann::json>> show(std::vector<std::string> cmds,
                                                           Format format = Format::kJson);

  // Everything the readers need, in one request.
  boost::asio::awaitable<SwitchReadings> read_state();

  // Applies `changes` as configuration session `session_name` (`enable`, `configure session`,
  // the changes, `commit` in one request; never retried). If the switch refuses any command the
  // session is aborted and ApplyError(kNotApplied) names the command and the switch's errors.
  // If the answer is lost, the session's state on the switch decides: committed → go on;
  // pending → aborted, kNotApplied; unreadable → kUnknown. After commit the VLANs and
  // switchports the ChangeSet touched are read back (in the same request: `show vlan LIST`,
  // `show interfaces LIST switchport`) and compared with `changes`. An empty ChangeSet sends
  // nothing.
  boost::asio::awaitable<ApplyReport> apply(const ChangeSet& changes, std::string session_name);

  // Closes the connection (the next call reopens it).
  void close();
  // Ends the call in flight at once (it throws) and refuses every later one. On the session's
  // executor.
  void shutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The differences between `changes` and what a read-back shows (see ApplyReport::mismatches).
std::vector<std::string> verify(const ChangeSet& changes, const std::vector<VlanEntry>& vlans,
                                const std::vector<Switchport>& switchports);

}  // namespace vmfabric::southbound

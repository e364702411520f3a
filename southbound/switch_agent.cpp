#include "southbound/switch_agent.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <utility>

#include "log/log.h"
#include "model/text.h"

namespace vmfabric::southbound {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Puts `read` into `into` (both ascending by `key`): replaces it all when `all`, else the
// entries of the same keys, adding the new ones.
template <class T, class Key>
void merge(std::vector<T>& into, const std::vector<T>& read, bool all, Key key) {
  if (all) {
    into = read;
    return;
  }
  for (const T& entry : read) {
    const auto it = std::lower_bound(into.begin(), into.end(), entry,
                                     [&](const T& a, const T& b) { return key(a) < key(b); });
    if (it != into.end() && !(key(entry) < key(*it))) {
      *it = entry;
    } else {
      into.insert(it, entry);
    }
  }
}

Switch unpolled(const SwitchConfig& config) {
  Switch s;
  s.id = SwitchId(config.name);
  s.address = config.address;
  return s;
}

}  // namespace

Delta new_switches(const std::vector<SwitchConfig>& switches, const Snapshot& current) {
  Delta d;
  for (const SwitchConfig& c : switches) {
    if (!current.find<Switch>(SwitchId(c.name))) d.upsert(unpolled(c));
  }
  return d;
}

struct SwitchAgent::Impl : std::enable_shared_from_this<Impl> {
  struct ApplyJob {
    ChangeSet changes;
    std::string session;
    std::function<void(ApplyResult)> done;
  };

  Impl(asio::any_io_executor executor, SwitchConfig cfg, const SnapshotPublisher& g, Sink s,
       SwitchAgentOptions opts)
      : strand(asio::make_strand(executor)),
        config(std::move(cfg)),
        graph(g),
        sink(std::move(s)),
        options(opts),
        wake(strand) {
    if (!options.directories) options.directories = std::make_shared<SwitchDirectoryCache>();
  }

  // The switch as the graph knows it, or a new one.
  Switch known(const Snapshot& snapshot) const {
    if (const Switch* s = snapshot.find<Switch>(SwitchId(config.name))) return *s;
    return unpolled(config);
  }

  // The eAPI session, made at first use (reading the password then, so that a password file
  // fixed after start is picked up at the next poll).
  EapiSession& session() {
    if (!eapi) eapi = std::make_unique<EapiSession>(strand, endpoint_of(config), options.eapi);
    return *eapi;
  }

  void mark(Reachability reachability, const std::string& error) {
    const auto snapshot = graph.latest();
    Switch s = known(*snapshot);
    s.reachability = reachability;
    s.last_error = error;
    s.last_poll_ms = unix_ms();
    Delta d;
    d.upsert(std::move(s));
    sink(std::move(d));
  }

  // The graph operations for the last readings: what the switch has now.
  void publish() {
    const auto snapshot = graph.latest();
    Switch base = known(*snapshot);
    base.address = config.address;
    base.reachability = Reachability::kReachable;
    base.last_error.clear();
    base.last_poll_ms = unix_ms();
    sink(
        observed_delta(std::move(base), *readings, *options.directories->of(*snapshot), *snapshot));
  }

  asio::awaitable<void> poll() {
    // Those who asked before this poll began; later ones wait for the next.
    std::vector<std::function<void(bool)>> waiting = std::move(poll_waiters);
    poll_waiters.clear();
    bool reachable = false;
    try {
      readings = co_await session().read_state();
      publish();
      reachable = true;
      if (failures > 0) log::info("switch.reachable", {{"switch", config.name}});
      failures = 0;
    } catch (const std::exception& e) {
      // A poll cut short by stop() says nothing about the switch.
      if (!stopping) failed(e);
    }
    if (poll_listener) poll_listener(SwitchId(config.name), reachable);
    for (auto& done : waiting) done(reachable);
  }

  // After a failed poll: the switch is unreachable, or refuses the credentials.
  void failed(const std::exception& e) {
    const auto* http = dynamic_cast<const EapiHttpError*>(&e);
    const bool auth = (http && http->unauthorized()) || dynamic_cast<const ConfigError*>(&e);
    // Log a failure when it starts and then every 10th poll, not at every poll of a dead
    // switch.
    if (failures++ % 10 == 0) {
      log::error(auth ? "switch.auth_failed" : "switch.unreachable",
                 {{"switch", config.name}, {"error", e.what()}, {"failures", failures}});
    }
    mark(auth ? Reachability::kAuthFailed : Reachability::kUnreachable, e.what());
    if (!auth && eapi) eapi->close();
  }

  // `job` lives in run()'s frame until this returns.
  asio::awaitable<void> apply(ApplyJob& job) {
    ApplyResult result;
    try {
      ApplyReport report = co_await session().apply(job.changes, job.session);
      if (readings && !report.commands.empty()) {
        // The read-back replaces what the last poll said of the VLANs and switchports it covers.
        merge(readings->vlans, report.vlans, report.all_vlans,
              [](const VlanEntry& v) { return v.id; });
        merge(readings->switchports, report.switchports, report.all_switchports,
              [](const Switchport& p) { return p.name; });
        publish();
      } else if (!readings) {
        poll_requested = true;
      }
      if (!report.verified()) {
        result.error = "switch " + config.name + ": configuration session " + job.session +
                       " committed but the switch differs from what was asked: " +
                       join(report.mismatches, "; ");
      }
      result.report = std::move(report);
    } catch (const ApplyError& e) {
      result.error = e.what();
      result.failure = e.outcome();
    } catch (const std::exception& e) {  // the read-back failed after commit, or no password
      result.error = e.what();
      result.failure = ApplyError::Outcome::kUnknown;
    }
    if (result.failure) poll_requested = true;  // learn what the switch has now
    job.done(std::move(result));
  }

  // The first poll is at once, the second 0.5-1.5 poll intervals later (by the switch's name):
  // switches started together, as at vmfabricd's start, would otherwise be read in the same
  // instant every interval, a burst of CPU and of transient memory (200 switches: ~15 MB).
  std::chrono::milliseconds first_interval() const {
    const double phase =
        0.5 + static_cast<double>(std::hash<std::string>{}(config.name) % 1024) / 1024;
    return std::chrono::milliseconds(
        static_cast<std::int64_t>(static_cast<double>(options.poll_interval.count()) * phase));
  }

  asio::awaitable<void> run() {
    auto next_poll = Clock::now();
    bool first = true;
    while (!stopping) {
      if (!applies.empty()) {
        ApplyJob job = std::move(applies.front());
        applies.pop_front();
        applying = true;
        co_await apply(job);
        applying = false;
      } else if (poll_requested || Clock::now() >= next_poll) {
        poll_requested = false;
        co_await poll();
        next_poll =
            Clock::now() + (std::exchange(first, false) ? first_interval() : options.poll_interval);
      } else {
        wake.expires_at(next_poll);
        boost::system::error_code ec;
        co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
    }
    for (ApplyJob& job : applies) {
      ApplyResult stopped;
      stopped.error = "switch " + config.name + ": vmfabricd is stopping; not applied";
      stopped.failure = ApplyError::Outcome::kNotApplied;
      job.done(std::move(stopped));
    }
    applies.clear();
    for (auto& done : std::exchange(poll_waiters, {})) done(false);
    eapi.reset();
    log::info("switch.stopped", {{"switch", config.name}});
    if (on_stopped) on_stopped();
  }

  asio::strand<asio::any_io_executor> strand;
  SwitchConfig config;
  const SnapshotPublisher& graph;
  Sink sink;
  SwitchAgentOptions options;
  asio::steady_timer wake;  // the run loop waits on it; cancelled when there is work
  std::unique_ptr<EapiSession> eapi;
  std::optional<SwitchReadings> readings;  // from the last poll, updated by each apply
  std::deque<ApplyJob> applies;
  PollListener poll_listener;
  std::vector<std::function<void(bool)>> poll_waiters;  // poll_now(done) callers
  bool poll_requested = false;
  bool applying = false;  // an apply is in flight
  bool stopping = false;
  int failures = 0;  // consecutive failed polls
  std::function<void()> on_stopped;
};

SwitchAgent::SwitchAgent(asio::any_io_executor executor, SwitchConfig config,
                         const SnapshotPublisher& graph, Sink sink, SwitchAgentOptions options)
    : impl_(std::make_shared<Impl>(executor, std::move(config), graph, std::move(sink), options)) {}

SwitchAgent::~SwitchAgent() = default;

const std::string& SwitchAgent::name() const { return impl_->config.name; }

void SwitchAgent::on_poll(PollListener listener) { impl_->poll_listener = std::move(listener); }

void SwitchAgent::start() {
  auto impl = impl_;
  asio::co_spawn(
      impl->strand, [impl]() { return impl->run(); }, asio::detached);
}

void SwitchAgent::stop(std::function<void()> done) {
  auto impl = impl_;
  asio::post(impl->strand, [impl, done = std::move(done)]() mutable {
    impl->stopping = true;
    impl->on_stopped = std::move(done);
    impl->wake.cancel();
    // A poll of a slow or dead switch would hold the stop for its timeouts and retries; an
    // apply is let finish (its outcome must be journaled).
    if (impl->eapi && !impl->applying) impl->eapi->shutdown();
  });
}

void SwitchAgent::poll_now() {
  auto impl = impl_;
  asio::post(impl->strand, [impl] {
    impl->poll_requested = true;
    impl->wake.cancel();
  });
}

void SwitchAgent::poll_now(std::function<void(bool)> done) {
  auto impl = impl_;
  asio::post(impl->strand, [impl, done = std::move(done)]() mutable {
    if (impl->stopping) {
      done(false);
      return;
    }
    impl->poll_waiters.push_back(std::move(done));
    impl->poll_requested = true;
    impl->wake.cancel();
  });
}

void SwitchAgent::apply(ChangeSet changes, std::string session_name,
                        std::function<void(ApplyResult)> done) {
  auto impl = impl_;
  asio::post(impl->strand, [impl, job = Impl::ApplyJob{std::move(changes), std::move(session_name),
                                                       std::move(done)}]() mutable {
    impl->applies.push_back(std::move(job));
    impl->wake.cancel();
  });
}

}  // namespace vmfabric::southbound

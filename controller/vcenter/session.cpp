#include "vcenter/session.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <tuple>

#include "config/tls.h"
#include "log/log.h"
#include "vcenter/inventory.h"
#include "vcenter/soap.h"

namespace vmfabric::vcenter {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

// Migration events' pages (Inventory::watch_events): a cut one is read again from a collector
// made for it with vCenter's largest page. 10 is vCenter's default.
constexpr int kEventBacklogPage = 1000;
constexpr std::size_t kDefaultEventPage = 10;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What in a Delta asks for cabling hints: the hosts whose pnics it upserts (to be read again),
// and whether it upserts any host (one may have connected or gained its network system).
struct HintTriggers {
  std::set<std::string> pnic_hosts;
  bool hosts = false;
};

HintTriggers hint_triggers(const Delta& delta) {
  HintTriggers triggers;
  for (const auto& op : delta.ops()) {
    if (const auto* e = std::get_if<Entity>(&op)) {
      if (const auto* pnic = std::get_if<Pnic>(e)) triggers.pnic_hosts.insert(pnic->id.host.moref);
      triggers.hosts |= std::holds_alternative<Host>(*e);
    }
  }
  return triggers;
}

}  // namespace

struct VCenterSession::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor executor, VCenterConfig cfg, Sink s, SessionOptions opts)
      : worker(executor),
        strand(asio::make_strand(executor)),
        config(std::move(cfg)),
        sink(std::move(s)),
        options(opts),
        inventory(VCenterId(config.name)),
        backoff_timer(strand),
        rng(static_cast<unsigned>(std::hash<std::string>{}(config.name))) {
    const net::HttpTarget target{"vcenter " + config.name, config.endpoint.host,
                                 config.endpoint.port, tls_policy(config.https, config.tls)};
    control = std::make_unique<net::HttpClient>(strand, target, options.limits);
    net::HttpLimits poll_limits = options.limits;
    poll_limits.request_timeout += options.max_wait;
    poll = std::make_unique<net::HttpClient>(strand, target, poll_limits);
    state.id = VCenterId(config.name);
    state.url = config.url;
  }

  // One SOAP call: the response body of a 200 (a result) or a 500 (a fault the parsers decode).
  asio::awaitable<std::string> call(net::HttpClient& client, std::string_view name,
                                    std::string body) {
    net::HttpRequest req;
    req.target = config.path;
    req.headers = {
        {"Content-Type", "text/xml; charset=utf-8"},
        {"SOAPAction",
         "\"urn:vim25/" + (api_version.empty() ? std::string("6.5") : api_version) + "\""}};
    if (!cookie.empty()) req.headers.emplace_back("Cookie", cookie);
    req.body = std::move(body);
    net::HttpResponse resp = co_await client.request(std::move(req));
    if (auto set_cookie = resp.header("Set-Cookie")) {
      const std::size_t start = set_cookie->find("vmware_soap_session=");
      if (start != std::string::npos) {
        cookie = set_cookie->substr(start, set_cookie->find(';', start) - start);
      }
    }
    if (resp.status != 200 && resp.status != 500) {
      throw VimError(std::string(name) + ": vCenter answered HTTP " + std::to_string(resp.status) +
                     (resp.status == 401   ? " (not authenticated)"
                      : resp.status == 503 ? " (service unavailable: vCenter may be restarting)"
                                           : ""));
    }
    co_return std::move(resp.body);
  }

  void publish_state() {
    Delta d;
    d.upsert(state);
    sink(std::move(d));
  }

  // Sends `delta` after the VCenter entity (which owns everything in it).
  void publish(Delta delta) {
    Delta d;
    d.upsert(state);
    d.append(std::move(delta));
    sink(std::move(d));
  }

  asio::awaitable<void> refresh_objects(Delta& delta) {
    const std::vector<ObjectRef> objects = inventory.take_refreshes();
    if (objects.empty()) co_return;
    const auto started = Clock::now();
    for (const ObjectRef& obj : objects) {
      const UpdateSet set = parse_refresh(
          obj, co_await call(*control, "RetrievePropertiesEx", build_refresh(collector, obj)));
      delta.append(inventory.apply(set));
    }
    log::debug(
        "vcenter.refreshed",
        {{"vcenter", config.name},
         {"objects", objects.size()},
         {"first", objects.front().type + ":" + objects.front().value},
         {"ms",
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count()}});
  }

  // Reads the cabling hints of the hosts that are new, due, or whose pnics changed.
  asio::awaitable<void> refresh_hints(Delta& delta, const HintTriggers& triggers) {
    const auto now = Clock::now();
    // Nothing asks and nothing is due: no walk over every host after each update.
    if (!triggers.hosts && triggers.pnic_hosts.empty() && now < next_hint_due) co_return;
    next_hint_due = Clock::time_point::max();
    for (const Inventory::NetworkSystem& ns : inventory.network_systems()) {
      const auto it = hinted.find(ns.host.value);
      if (it != hinted.end() && now - it->second < options.hint_interval &&
          triggers.pnic_hosts.count(ns.host.value) == 0) {
        next_hint_due = std::min(next_hint_due, it->second + options.hint_interval);
        continue;
      }
      hinted[ns.host.value] = now;
      next_hint_due = std::min(next_hint_due, now + options.hint_interval);
      std::string body =
          co_await call(*control, "QueryNetworkHint", build_query_network_hint(ns.network_system));
      try {
        delta.append(inventory.apply_network_hints(ns.host, parse_network_hint(std::move(body))));
      } catch (const SoapFault& f) {
        if (f.kind() == FaultKind::kNotAuthenticated) throw;
        // A disconnected host cannot answer; the next round asks again.
        log::warn("vcenter.hint_failed",
                  {{"vcenter", config.name}, {"host", ns.host.value}, {"error", f.what()}});
      }
    }
  }

  struct EventCollector {
    ObjectRef ref;
    std::size_t page_size = 0;
  };

  // An EventHistoryCollector of the migration events with a latestPage of `page_size`; nothing
  // when vCenter offers none (the session then goes without events).
  asio::awaitable<std::optional<EventCollector>> create_event_collector(int page_size) {
    std::string body = co_await call(*control, "CreateCollectorForEvents",
                                     build_create_collector_for_events(event_manager));
    EventCollector created;
    try {
      created.ref = parse_created("CreateCollectorForEvents", std::move(body));
    } catch (const SoapFault& f) {
      if (f.kind() == FaultKind::kNotAuthenticated) throw;
      log::warn("vcenter.events_unavailable", {{"vcenter", config.name}, {"error", f.what()}});
      co_return std::nullopt;
    }
    body = co_await call(*control, "SetCollectorPageSize",
                         build_set_collector_page_size(created.ref, page_size));
    try {
      parse_empty("SetCollectorPageSize", std::move(body));
      created.page_size = static_cast<std::size_t>(page_size);
    } catch (const SoapFault& f) {
      if (f.kind() == FaultKind::kNotAuthenticated) throw;
      created.page_size = kDefaultEventPage;
      log::warn("vcenter.event_page_small",
                {{"vcenter", config.name}, {"page_size", page_size}, {"error", f.what()}});
    }
    co_return created;
  }

  // After an update whose event page came cut: the newest kEventBacklogPage events instead,
  // from a collector made for it (so that no update carries that many; vCenter fills a new
  // collector's page from its event history).
  asio::awaitable<void> read_event_backlog(Delta& delta) {
    if (!inventory.events_held()) co_return;
    const auto started = Clock::now();
    const std::optional<EventCollector> backlog =
        co_await create_event_collector(kEventBacklogPage);
    if (!backlog) {
      throw VimError("the migration events could not be read again; the session resyncs");
    }
    const std::vector<MigrationEvent> page = parse_latest_page(
        backlog->ref,
        co_await call(*control, "RetrievePropertiesEx", build_refresh(collector, backlog->ref)));
    std::string destroyed =
        co_await call(*control, "DestroyCollector", build_destroy_collector(backlog->ref));
    try {
      parse_empty("DestroyCollector", std::move(destroyed));
    } catch (const SoapFault& f) {
      // It goes with the session anyway.
      if (f.kind() == FaultKind::kNotAuthenticated) throw;
      log::warn("vcenter.destroy_failed",
                {{"vcenter", config.name}, {"object", backlog->ref.value}, {"error", f.what()}});
    }
    delta.append(inventory.apply_events(page, backlog->page_size));
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
    if (inventory.events_lost()) {
      log::warn("vcenter.events_lost",
                {{"vcenter", config.name},
                 {"events", page.size()},
                 {"error",
                  "more migration events came between two updates than vCenter's "
                  "largest page holds: the moves whose start was missed get their VLANs "
                  "when they complete, not before"}});
    } else {
      log::debug("vcenter.events_read_again",
                 {{"vcenter", config.name}, {"events", page.size()}, {"ms", ms}});
    }
  }

  // Where a WaitForUpdatesEx result left the collector.
  struct UpdatePart {
    std::string version;
    bool truncated = false;
  };

  // Parses one WaitForUpdatesEx result into the inventory and `delta`; nothing when the wait
  // ended with nothing to report. Touches only the inventory and `delta`, so it may run off the
  // strand while the strand fetches the next part.
  std::optional<UpdatePart> take_part(std::string body, Delta& delta) {
    std::optional<UpdateSet> set = parse_wait_for_updates(std::move(body));
    if (!set) return std::nullopt;
    delta.append(inventory.apply(*set));
    return UpdatePart{std::move(set->version), set->truncated};
  }

  // WaitForUpdatesEx from `from_version`, waiting up to `max_wait_seconds` for a change.
  asio::awaitable<std::string> wait_call(const std::string& from_version, int max_wait_seconds) {
    return call(*poll, "WaitForUpdatesEx",
                build_wait_for_updates(collector, from_version,
                                       {max_wait_seconds, options.max_object_updates}));
  }

  // Fetches one complete UpdateSet (following truncation) into `delta`; false when the wait
  // ended with nothing to report.
  asio::awaitable<bool> wait_for_updates(Delta& delta, int max_wait_seconds) {
    using namespace asio::experimental::awaitable_operators;
    std::string body = co_await wait_call(version, max_wait_seconds);
    bool any = false;
    while (true) {
      // A truncated set's rest is there already: ask for the next part while this one is parsed
      // on another thread, so that vCenter builds and sends it meanwhile (a full sync of 40,000
      // VMs comes in 40 parts). Its version is read ahead from the raw body.
      const std::optional<std::string> ahead = truncated_update_version(body);
      std::optional<UpdatePart> part;
      std::string next;
      if (ahead) {
        // Named, not temporaries: g++ 12 mishandles temporaries with destructors (and co_await
        // inside std::tie or ?:) across a co_await.
        auto parse = [this, &delta,
                      b = std::move(body)]() mutable -> asio::awaitable<std::optional<UpdatePart>> {
          co_return take_part(std::move(b), delta);
        };
        auto results = co_await (wait_call(*ahead, 0) &&
                                 asio::co_spawn(worker, std::move(parse), asio::use_awaitable));
        next = std::move(std::get<0>(results));
        part = std::move(std::get<1>(results));
        if (!part || !part->truncated || part->version != *ahead) {
          throw VimError("WaitForUpdatesEx: the part read ahead as truncated at version \"" +
                         *ahead + "\" did not parse as one; the session resyncs");
        }
      } else {
        part = take_part(std::move(body), delta);
        if (!part) co_return any;
      }
      any = true;
      version = part->version;
      if (!part->truncated) co_return true;
      if (ahead) {
        body = std::move(next);
      } else {
        body = co_await wait_call(version, 0);
      }
    }
  }

  // One session: login, full sync, then streaming until something fails.
  asio::awaitable<void> session() {
    state.session = SessionState::kConnecting;
    publish_state();

    const ServiceContent sc = parse_service_content(
        co_await call(*control, "RetrieveServiceContent", build_retrieve_service_content()));
    if (!state.instance_uuid.empty() && state.instance_uuid != sc.instance_uuid) {
      log::warn("vcenter.replaced", {{"vcenter", config.name},
                                     {"old_instance_uuid", state.instance_uuid},
                                     {"new_instance_uuid", sc.instance_uuid}});
    }
    state.instance_uuid = sc.instance_uuid;
    api_version = sc.api_version;
    session_manager = sc.session_manager;
    const Secret password = config.credential.resolve("vcenter " + config.name);
    parse_login(co_await call(
        *control, "Login", build_login(sc.session_manager, config.credential.username, password)));
    logged_in = true;
    const ObjectRef view =
        parse_created("CreateContainerView",
                      co_await call(*control, "CreateContainerView",
                                    build_create_container_view(sc.view_manager, sc.root_folder)));
    collector =
        parse_created("CreatePropertyCollector",
                      co_await call(*control, "CreatePropertyCollector",
                                    build_create_property_collector(sc.property_collector)));
    // Migration events: every update carries the whole page, so it is small; one that comes cut
    // (a burst larger than it between two updates, or a stall) is read again larger.
    event_manager = sc.event_manager;
    std::optional<ObjectRef> events;
    const std::optional<EventCollector> watched =
        co_await create_event_collector(options.event_page);
    if (watched) {
      events = watched->ref;
      inventory.watch_events(watched->ref, watched->page_size);
    } else {
      inventory.watch_events({}, 0);
    }
    parse_created("CreateFilter", co_await call(*control, "CreateFilter",
                                                build_create_filter(collector, view, events)));

    // Full sync: everything the collector reports, then remove what it no longer has.
    const auto started = Clock::now();
    inventory.begin_resync();
    version.clear();
    hinted.clear();
    Delta delta;
    co_await wait_for_updates(delta, 0);
    co_await read_event_backlog(delta);
    co_await refresh_objects(delta);
    delta.append(inventory.finish_resync());
    co_await refresh_hints(delta, HintTriggers{{}, true});
    state.session = SessionState::kConnected;
    state.synced = true;
    state.last_error.clear();
    state.last_update_ms = now_ms();
    attempt = 0;
    log::info(
        "vcenter.synced",
        {{"vcenter", config.name},
         {"objects", inventory.object_count()},
         {"ms",
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count()}});
    publish(std::move(delta));

    auto last_call = Clock::now();
    while (!stopping) {
      if (Clock::now() - last_call >= options.keep_alive_interval) {
        if (!parse_keep_alive(
                co_await call(*control, "RetrievePropertiesEx",
                              build_keep_alive(sc.property_collector, sc.session_manager)))) {
          throw VimError("the vCenter session is no longer logged in");
        }
      }
      Delta d;
      const bool changed = co_await wait_for_updates(d, static_cast<int>(options.max_wait.count()));
      last_call = Clock::now();
      co_await read_event_backlog(d);
      co_await refresh_objects(d);
      co_await refresh_hints(d, hint_triggers(d));
      if (!changed && d.empty()) continue;
      state.last_update_ms = now_ms();
      // At debug level, when each update reached the graph writer (for latency measurements).
      log::debug("vcenter.update", {{"vcenter", config.name}, {"graph_ops", d.size()}});
      publish(std::move(d));
    }
  }

  asio::awaitable<void> run() {
    while (!stopping) {
      std::string error;
      const char* event = "vcenter.disconnected";
      try {
        co_await session();
      } catch (const SoapFault& f) {
        error = f.what();
        if (f.kind() == FaultKind::kInvalidLogin) event = "vcenter.login_failed";
      } catch (const ConfigError& e) {
        error = e.what();
        event = "vcenter.login_failed";
      } catch (const std::exception& e) {  // HttpError, VimError, ResponseError
        error = e.what();
      }
      if (stopping) break;
      logged_in = false;
      cookie.clear();
      control->close();
      poll->close();
      state.session = SessionState::kDisconnected;
      state.synced = false;
      state.last_error = error;
      publish_state();

      auto delay = options.backoff_initial * (1LL << std::min(attempt, 16));
      delay = std::min<std::chrono::milliseconds>(delay, options.backoff_max);
      // ±20% jitter so that many controllers do not retry in lockstep.
      delay += std::chrono::milliseconds(
          static_cast<long long>((std::uniform_real_distribution<double>(-0.2, 0.2)(rng)) *
                                 static_cast<double>(delay.count())));
      ++attempt;
      log::write(event == std::string_view("vcenter.login_failed") ? log::Level::kError
                                                                   : log::Level::kWarn,
                 event,
                 {{"vcenter", config.name}, {"error", error}, {"retry_in_ms", delay.count()}});
      backoff_timer.expires_after(delay);
      boost::system::error_code ec;
      co_await backoff_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }

    if (logged_in) {
      try {
        parse_empty("Logout", co_await call(*control, "Logout", build_logout(session_manager)));
      } catch (const std::exception& e) {
        log::warn("vcenter.logout_failed", {{"vcenter", config.name}, {"error", e.what()}});
      }
      logged_in = false;
    }
    control->close();
    state.session = SessionState::kDisconnected;
    state.synced = false;
    publish_state();
    log::info("vcenter.stopped", {{"vcenter", config.name}});
    if (on_stopped) on_stopped();
  }

  asio::any_io_executor worker;  // parses truncated parts while the strand fetches the next
  asio::strand<asio::any_io_executor> strand;
  VCenterConfig config;
  Sink sink;
  SessionOptions options;
  Inventory inventory;
  asio::steady_timer backoff_timer;
  std::minstd_rand rng;
  std::unique_ptr<net::HttpClient> control;  // every call but the long poll
  std::unique_ptr<net::HttpClient> poll;     // WaitForUpdatesEx only: it blocks its connection

  VCenter state;
  std::string cookie;  // "vmware_soap_session=..."
  std::string api_version;
  ObjectRef session_manager;
  ObjectRef event_manager;
  ObjectRef collector;
  std::string version;
  std::map<std::string, Clock::time_point> hinted;  // host moref -> last QueryNetworkHint
  Clock::time_point next_hint_due;                  // the first host due again
  bool logged_in = false;
  bool stopping = false;
  int attempt = 0;
  std::function<void()> on_stopped;
};

VCenterSession::VCenterSession(asio::any_io_executor executor, VCenterConfig config, Sink sink,
                               SessionOptions options)
    : impl_(std::make_shared<Impl>(executor, std::move(config), std::move(sink), options)) {}

VCenterSession::~VCenterSession() = default;

void VCenterSession::start() {
  auto impl = impl_;
  asio::co_spawn(
      impl->strand, [impl]() { return impl->run(); }, asio::detached);
}

void VCenterSession::stop(std::function<void()> done) {
  auto impl = impl_;
  asio::post(impl->strand, [impl, done = std::move(done)]() mutable {
    impl->stopping = true;
    impl->on_stopped = std::move(done);
    impl->backoff_timer.cancel();
    impl->poll->close();  // ends a pending long poll
  });
}

}  // namespace vmfabric::vcenter

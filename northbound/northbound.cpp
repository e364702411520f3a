#include "northbound/northbound.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "log/log.h"
#include "northbound/api/routes.h"
#include "northbound/auth/tokens.h"
#include "northbound/router/router.h"
#include "northbound/web/web_root.h"

namespace vmfabric::northbound {

struct ApiServer::Impl {
  Impl(const ApiConfig& cfg, const ApiSource& source, http::ServerOptions tuning)
      : config(cfg), endpoints(source), web(config.web_root), options(std::move(tuning)) {
    options.host = config.listen.host;
    options.port = config.listen.port;
    options.tls_cert_file = config.tls_cert_file;
    options.tls_key_file = config.tls_key_file;
    options.allow_insecure_http = config.allow_insecure_http;
  }

  http::Response handle(const http::Request& request) const {
    const auto start = std::chrono::steady_clock::now();
    std::string who;
    std::string route;
    http::Response response = router->handle(request, &who, &route);
    endpoints.count_request(route, response.status);
    // Most requests log nothing (api.request is a debug line): skip building the line.
    if (response.status != 401 && !log::enabled(log::Level::kDebug)) return response;
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    const std::string path = request.target.substr(0, request.target.find('?'));
    if (response.status == 401) {
      // Never the token itself.
      log::info("api.unauthorized", {{"method", request.method},
                                     {"path", path},
                                     {"remote", request.remote},
                                     {"token_given", request.header("authorization").has_value()}});
    } else {
      log::debug("api.request", {{"method", request.method},
                                 {"path", path},
                                 {"status", response.status},
                                 {"us", static_cast<long long>(us)},
                                 {"token", who},
                                 {"remote", request.remote}});
    }
    return response;
  }

  // Retries listening until it works or stop() is called.
  void retry_listen(std::chrono::milliseconds delay) {
    std::unique_lock lock(mutex);
    while (!stopping) {
      if (cv.wait_for(lock, delay, [&] { return stopping; })) return;
      try {
        server->start();
        log::info("api.listen_recovered", {{"port", static_cast<int>(server->port())}});
        return;
      } catch (const http::ServerError& e) {
        delay = std::min<std::chrono::milliseconds>(delay * 2, std::chrono::seconds(30));
        log::error("api.listen_failed",
                   {{"error", e.what()}, {"retry_in_s", static_cast<long>(delay.count() / 1000)}});
        if (e.kind() != http::ServerError::Kind::kListen) return;
      }
    }
  }

  ApiConfig config;
  api::Endpoints endpoints;
  web::WebRoot web;
  http::ServerOptions options;
  std::unique_ptr<auth::TokenRegistry> tokens;
  std::unique_ptr<router::Router> router;
  std::unique_ptr<http::Server> server;
  std::mutex mutex;
  std::condition_variable cv;
  bool stopping = false;  // guarded by mutex
  std::thread retry;
};

ApiServer::ApiServer(const ApiConfig& config, const ApiSource& source, http::ServerOptions tuning)
    : impl_(std::make_unique<Impl>(config, source, std::move(tuning))) {}

ApiServer::~ApiServer() { stop(); }

void ApiServer::start() {
  Impl& s = *impl_;
  if (s.server) return;
  try {
    s.tokens = std::make_unique<auth::TokenRegistry>(s.config.tokens_file);
  } catch (const auth::TokenError& e) {
    throw ApiError(std::string("api.tokens_file: ") + e.what());
  }
  if (s.tokens->size() == 0) {
    log::warn("api.no_tokens",
              {{"tokens_file", s.config.tokens_file},
               {"hint",
                "every request but /healthz is refused until a token exists: run "
                "vmfabricd token create --config FILE --name NAME --role viewer"}});
  } else {
    log::info("api.tokens_loaded",
              {{"tokens_file", s.config.tokens_file}, {"tokens", s.tokens->size()}});
  }
  s.router = std::make_unique<router::Router>(
      [tokens = s.tokens.get()](std::string_view token) { return tokens->verify(token); });
  s.endpoints.add_to(*s.router);
  s.web.add_to(*s.router);
  log::info("api.web_root", {{"dir", s.web.dir()}, {"installed", s.web.installed()}});
  auto server = std::make_unique<http::Server>(
      s.options, [&s](const http::Request& request) { return s.handle(request); });
  try {
    server->start();
    s.server = std::move(server);
  } catch (const http::ServerError& e) {
    if (e.kind() != http::ServerError::Kind::kListen) throw ApiError(e.what());
    s.server = std::move(server);
    const std::chrono::milliseconds first(1000);
    log::error("api.listen_failed", {{"error", e.what()}, {"retry_in_s", 1}});
    s.retry = std::thread([&s, first] { s.retry_listen(first); });
  }
}

std::uint16_t ApiServer::port() const { return impl_->server ? impl_->server->port() : 0; }

void ApiServer::stop() {
  Impl& s = *impl_;
  if (!s.server) return;
  {
    std::lock_guard lock(s.mutex);
    if (s.stopping) return;
    s.stopping = true;
  }
  s.cv.notify_all();
  if (s.retry.joinable()) s.retry.join();
  s.server->stop();
  log::info("api.stopped", {});
}

}  // namespace vmfabric::northbound

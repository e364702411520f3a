// The northbound API of vmfabricd: the REST server (HTTP/1.1 or HTTPS, bearer tokens) with the
// /api/v1 read endpoints, over an ApiSource the daemon implements. Runs on its own threads; the
// daemon starts it after the graph is loaded and stops it (gracefully) before the reconciler.
#pragma once

#include <cstdint>
#include <memory>

#include "config/config.h"
#include "model/error.h"
#include "northbound/api/view.h"
#include "northbound/http/server.h"

namespace vmfabric::northbound {

using api::ApiSource;

// The API cannot start: a bad tokens file, TLS files that do not load, an address in use or
// not allowed. The message says what to do.
class ApiError : public Error {
 public:
  using Error::Error;
};

class ApiServer {
 public:
  // `tuning` gives limits and timeouts; its address and TLS fields are taken from `config`.
  ApiServer(const ApiConfig& config, const ApiSource& source, http::ServerOptions tuning = {});
  // Stops if running.
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Loads the tokens, binds and serves. Throws ApiError for what will not fix itself (a bad
  // tokens file, TLS files that do not load, plain HTTP off loopback). An address it cannot
  // listen on now (in use) is logged (api.listen_failed) and retried in the background, with
  // backoff up to 30 s: the controller keeps working without its API meanwhile.
  void start();
  // The port it listens on; 0 while it does not.
  std::uint16_t port() const;
  // Graceful: stops accepting, finishes requests in flight, closes. Idempotent; blocks.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vmfabric::northbound

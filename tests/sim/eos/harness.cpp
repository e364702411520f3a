#include "tests/sim/eos/harness.h"

#include <signal.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <cstdio>
#include <stdexcept>

namespace vmfabric::testing {

using namespace std::chrono_literals;

// ---------------------------------------------------------------------------------------------
// EosEmulator

std::string eos_emulator_binary() { return EOS_EMULATOR_BINARY; }

struct EosEmulator::ControlClient {
  explicit ControlClient(std::uint16_t port) : client(io.get_executor(), control_target(port)) {}

  static net::HttpTarget control_target(std::uint16_t port) {
    net::HttpTarget t;
    t.peer = "vmfabric-eos control";
    t.host = "127.0.0.1";
    t.port = port;
    t.tls.enabled = false;
    return t;
  }

  net::HttpResponse call(net::HttpRequest request) {
    auto result =
        boost::asio::co_spawn(io, client.request(std::move(request)), boost::asio::use_future);
    io.restart();
    io.run();
    return result.get();
  }

  boost::asio::io_context io;
  net::HttpClient client;
};

EosEmulator::EosEmulator(Options options) : tls_(options.tls) {
  std::vector<std::string> argv = {EOS_EMULATOR_BINARY,
                                   "--topology",
                                   options.topology_file,
                                   "--listen",
                                   "127.0.0.1",
                                   "--latency-ms",
                                   std::to_string(options.latency_ms),
                                   "--threads",
                                   std::to_string(options.threads)};
  if (options.tls) {
    argv.insert(argv.end(), {"--tls-cert", options.cert_file, "--tls-key", options.key_file});
  }
  for (const std::string& user : options.users) argv.insert(argv.end(), {"--user", user});
  process_ = std::make_unique<ChildProcess>(argv);
  const std::optional<std::string> line = process_->read_line(30s);
  nlohmann::ordered_json ready;
  try {
    if (line) ready = nlohmann::ordered_json::parse(*line);
  } catch (const nlohmann::json::exception&) {
  }
  if (!ready.is_object() || !ready.contains("switches")) {
    process_->signal(SIGKILL);
    process_->wait(10s);
    process_->drain_stderr();
    std::string err;
    for (const auto& l : process_->stderr_lines()) err += l + "\n";
    stopped_ = true;
    throw std::runtime_error("vmfabric-eos did not start (ready line '" + line.value_or("") +
                             "'): " + err);
  }
  control_port_ = ready.at("control").get<std::uint16_t>();
  for (const auto& [name, port] : ready.at("switches").items()) {
    switch_names_.push_back(name);
    ports_[name] = port.get<std::uint16_t>();
  }
  control_client_ = std::make_unique<ControlClient>(control_port_);
}

EosEmulator::~EosEmulator() {
  control_client_.reset();
  if (!stopped_) stop();
}

std::optional<int> EosEmulator::stop(std::chrono::milliseconds timeout) {
  stopped_ = true;
  process_->signal(SIGTERM);
  std::optional<int> code = process_->wait(timeout);
  if (!code) {
    process_->signal(SIGKILL);
    process_->wait(10s);
  }
  return code;
}

std::uint16_t EosEmulator::port(const std::string& switch_name) const {
  const auto it = ports_.find(switch_name);
  if (it == ports_.end()) throw std::out_of_range("vmfabric-eos: no switch " + switch_name);
  return it->second;
}

net::HttpTarget EosEmulator::target(const std::string& switch_name) const {
  net::HttpTarget t;
  t.peer = "switch " + switch_name;
  t.host = "127.0.0.1";
  t.port = port(switch_name);
  t.tls.enabled = tls_;
  return t;
}

net::HttpResponse EosEmulator::control(const std::string& method, const std::string& target,
                                       const std::string& body) {
  net::HttpRequest request;
  request.method = method;
  request.target = target;
  request.body = body;
  if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  return control_client_->call(std::move(request));
}

nlohmann::json EosEmulator::control_json(const std::string& method, const std::string& target,
                                         const nlohmann::json& body) {
  const net::HttpResponse response = control(method, target, body.is_null() ? "" : body.dump());
  if (response.status / 100 != 2) {
    throw std::runtime_error("vmfabric-eos control " + method + " " + target + ": HTTP " +
                             std::to_string(response.status) + " " + response.body);
  }
  return nlohmann::json::parse(response.body);
}

nlohmann::json EosEmulator::state(const std::string& switch_name) {
  return control_json("GET", "/switches/" + switch_name);
}

nlohmann::json EosEmulator::journal(const std::string& switch_name, std::uint64_t since) {
  return control_json("GET", "/journal?switch=" + switch_name + "&since=" + std::to_string(since));
}

void EosEmulator::inject(const nlohmann::json& fault) { control_json("POST", "/faults", fault); }

void EosEmulator::clear_faults() { control_json("DELETE", "/faults"); }

void EosEmulator::console(const std::string& switch_name, const std::vector<std::string>& lines,
                          const std::string& user) {
  control_json("POST", "/switches/" + switch_name + "/console", {{"lines", lines}, {"user", user}});
}

void EosEmulator::set_link(const std::string& switch_name, const std::string& interface, bool up) {
  control_json("POST", "/switches/" + switch_name + "/link",
               {{"interface", interface}, {"up", up}});
}

nlohmann::json EosEmulator::stats() { return control_json("GET", "/stats"); }

}  // namespace vmfabric::testing

// vmfabric: the command-line client of vmfabricd's REST API (see cli.h and README.md, "CLI").
//
// Exit codes: 0 ok; 1 the API failed, refused or could not be reached (the message says what to
// do); 2 a bad command line.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <thread>

#include "log/log.h"
#include "net/http_client.h"
#include "northbound/cli/cli.h"

namespace {

using namespace vmfabric;

// What went wrong on the wire, for a person: "connection refused", lower case, without the
// client's "peer (host:port): " prefix.
std::string reason(const net::HttpError& e) {
  std::string msg = e.what();
  for (const char* marker : {"cannot connect: ", "): "}) {
    if (const auto pos = msg.find(marker); pos != std::string::npos) {
      msg = msg.substr(pos + std::string(marker).size());
      break;
    }
  }
  // Lower-case the first letter of a sentence ("Connection refused"), not of a name ("TLS").
  if (msg.size() > 1 && !std::isupper(static_cast<unsigned char>(msg[1]))) {
    msg[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(msg[0])));
  }
  return msg;
}

std::string http_error_message(const cli::Options& o, const net::HttpError& e) {
  using Kind = net::HttpError::Kind;
  const std::string at = "vmfabricd at " + o.api;
  switch (e.kind()) {
    case Kind::kResolve:
    case Kind::kConnect:
    case Kind::kTimeout:
      return "cannot reach " + at + ": " + reason(e) +
             "; is it running? check --api / VMFABRIC_API";
    case Kind::kTls: {
      // The client's hints name the config file's keys; the CLI's is --ca-file.
      std::string why = reason(e);
      why = why.substr(0, why.find("; "));
      if (const auto key = why.find("tls.ca_file"); key != std::string::npos) {
        why.replace(key, 11, "--ca-file");
      }
      return "TLS with " + at + " failed: " + why +
             "; give --ca-file FILE with the CA that signed the API's certificate";
    }
    case Kind::kClosed:
    case Kind::kProtocol:
      return at + " did not answer over HTTP: " + reason(e) +
             "; check --api / VMFABRIC_API (http or https, host and port)";
    case Kind::kTooLarge:
      return at + ": " + reason(e);
  }
  return at + ": " + e.what();
}

int run(const cli::Invocation& inv) {
  const cli::ApiUrl url = cli::parse_api_url(inv.options.api);
  boost::asio::io_context io;
  net::HttpTarget target;
  target.peer = "vmfabricd";
  target.host = url.host;
  target.port = url.port;
  target.tls.enabled = url.tls;
  target.tls.ca_file = inv.options.ca_file;
  net::HttpLimits limits;
  limits.connect_timeout = std::chrono::seconds(10);
  limits.request_timeout = std::chrono::seconds(60);
  net::HttpClient client(io.get_executor(), target, limits);
  auto request = [&](const char* method, const std::string& path, const std::string& body) {
    net::HttpRequest req;
    req.method = method;
    req.target = url.prefix + path;
    req.headers.emplace_back("Accept", "application/json");
    if (!body.empty()) {
      req.headers.emplace_back("Content-Type", "application/json");
      req.body = body;
    }
    if (!inv.options.token.empty()) {
      req.headers.emplace_back("Authorization", "Bearer " + inv.options.token);
    }
    auto result =
        boost::asio::co_spawn(io, client.request(std::move(req)), boost::asio::use_future);
    io.restart();
    io.run();
    const net::HttpResponse r = result.get();
    return cli::ApiResponse{r.status, r.body};
  };
  const cli::Fetch fetch = [&](const std::string& path) { return request("GET", path, ""); };
  try {
    std::ostringstream out;
    int code = 0;
    if (inv.what == "audit-run") {
      const cli::Post post = [&](const std::string& path, const std::string& body) {
        return request("POST", path, body);
      };
      cli::Follow follow;
      follow.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
      code = cli::run_audit(inv, fetch, post, follow, out);
    } else {
      cli::run(inv, fetch, out);
    }
    std::cout << out.str() << std::flush;
    return code;
  } catch (const net::HttpError& e) {
    std::fprintf(stderr, "vmfabric: %s\n", http_error_message(inv.options, e).c_str());
  } catch (const cli::ApiError& e) {
    std::fprintf(stderr, "vmfabric: %s\n", e.what());
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "vmfabric: %s\n", e.what());
  }
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  log::set_level(log::Level::kWarn);  // the HTTP client's debug lines are not for the CLI
  std::vector<std::string> args(argv + 1, argv + argc);
  cli::Invocation inv;
  try {
    inv = cli::parse_args(
        args,
        [](const char* name) -> std::optional<std::string> {
          const char* v = std::getenv(name);
          if (v == nullptr) return std::nullopt;
          return std::string(v);
        },
        std::chrono::system_clock::now());
  } catch (const cli::UsageError& e) {
    std::fprintf(stderr, "vmfabric: %s\n", e.what());
    return 2;
  }
  if (inv.help) {
    std::cout << inv.help_text;
    return 0;
  }
  try {
    return run(inv);
  } catch (const cli::UsageError& e) {
    std::fprintf(stderr, "vmfabric: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vmfabric: %s\n", e.what());
    return 1;
  }
}

#include "tests/sim/eos/harness.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <signal.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <cstdio>
#include <stdexcept>

namespace vmfabric::testing {

using namespace std::chrono_literals;

// ---------------------------------------------------------------------------------------------
// Test PKI

namespace {

struct KeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertDeleter {
  void operator()(X509* c) const { X509_free(c); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using Cert = std::unique_ptr<X509, CertDeleter>;

Key make_key() {
  Key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) throw std::runtime_error("test PKI: EC key generation failed");
  return key;
}

void add_extension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
  if (ext == nullptr) throw std::runtime_error("test PKI: bad X509 extension " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A CA certificate (self-signed, when `issuer` is null) or a server certificate for `san`.
Cert make_cert(EVP_PKEY* key, const std::string& cn, const std::string& san, X509* issuer,
               EVP_PKEY* issuer_key) {
  static long serial = 1;
  const bool ca = issuer == nullptr;
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), ca ? name : X509_get_subject_name(issuer));
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca ? cert.get() : issuer, cert.get(), nullptr, nullptr, 0);
  add_extension(cert.get(), &ctx, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
  add_extension(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  if (ca) {
    add_extension(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(cert.get(), &ctx, NID_key_usage, "critical,digitalSignature");
    add_extension(cert.get(), &ctx, NID_ext_key_usage, "serverAuth");
    add_extension(cert.get(), &ctx, NID_subject_alt_name, san);
  }
  if (X509_sign(cert.get(), ca ? key : issuer_key, EVP_sha256()) == 0) {
    throw std::runtime_error("test PKI: X509_sign failed for " + cn);
  }
  return cert;
}

template <class Write>
std::string to_pem(Write write) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (write(bio.get()) != 1) throw std::runtime_error("test PKI: PEM write failed");
  char* data = nullptr;
  const long len = BIO_ctrl(bio.get(), BIO_CTRL_INFO, 0, &data);  // BIO_get_mem_data
  return std::string(data, static_cast<std::size_t>(len));
}

std::string cert_pem(X509* cert) {
  return to_pem([&](BIO* b) { return PEM_write_bio_X509(b, cert); });
}

std::string key_pem(EVP_PKEY* key) {
  return to_pem([&](BIO* b) {
    return PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
  });
}

std::string fingerprint_sha256(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  X509_digest(cert, EVP_sha256(), md, &len);
  std::string out;
  char hex[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(hex, sizeof hex, "%02x", md[i]);
    out += hex;
  }
  return out;
}

}  // namespace

TestPki make_test_pki(const TempDir& dir) {
  const Key ca_key = make_key();
  const Cert ca = make_cert(ca_key.get(), "vmfabric-eos test CA", "", nullptr, nullptr);
  const Key other_key = make_key();
  const Cert other = make_cert(other_key.get(), "unrelated CA", "", nullptr, nullptr);
  const Key server_key = make_key();
  const Cert server = make_cert(server_key.get(), "127.0.0.1", "IP:127.0.0.1,DNS:localhost",
                                ca.get(), ca_key.get());
  TestPki pki;
  pki.ca_file = dir.write("ca.pem", cert_pem(ca.get()));
  pki.other_ca_file = dir.write("other-ca.pem", cert_pem(other.get()));
  pki.cert_file = dir.write("server.pem", cert_pem(server.get()));
  pki.key_file = dir.write("server-key.pem", key_pem(server_key.get()));
  pki.fingerprint_sha256 = fingerprint_sha256(server.get());
  return pki;
}

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

#include "northbound/auth/tokens.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "log/log.h"
#include "northbound/http/time.h"

namespace vmfabric::northbound::auth {
namespace {

using nlohmann::json;

constexpr std::string_view kPrefix = "vmf_";
constexpr std::size_t kIdHex = 16;
constexpr std::size_t kSecretHex = 64;
constexpr std::size_t kSaltHex = 32;

std::string hex(const unsigned char* data, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(digits[data[i] >> 4]);
    out.push_back(digits[data[i] & 0xf]);
  }
  return out;
}

bool is_hex(std::string_view s, std::size_t n) {
  return s.size() == n && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string unhex(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2) {
    auto v = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    out.push_back(static_cast<char>(v(s[i]) << 4 | v(s[i + 1])));
  }
  return out;
}

std::string random_hex(std::size_t bytes) {
  std::string buf(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(buf.data()), static_cast<int>(bytes)) != 1) {
    throw TokenError("cannot get random bytes from OpenSSL");
  }
  return hex(reinterpret_cast<const unsigned char*>(buf.data()), bytes);
}

// SHA-256(salt || secret), 32 bytes.
std::string digest(std::string_view salt, std::string_view secret) {
  // Fetched once: EVP_sha256() makes OpenSSL 3 look the algorithm up in its provider tables (under
  // locks) on every EVP_DigestInit_ex, a cost the API paid on each request.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = ctx != nullptr && sha256 != nullptr &&
                  EVP_DigestInit_ex(ctx, sha256, nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, salt.data(), salt.size()) == 1 &&
                  EVP_DigestUpdate(ctx, secret.data(), secret.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx, md, &len) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) throw TokenError("SHA-256 failed in OpenSSL");
  return std::string(reinterpret_cast<const char*>(md), len);
}

bool valid_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
           c == '@';
  });
}

json to_json(const TokenEntry& e) {
  return {{"id", e.id},           {"name", e.name}, {"role", to_string(e.role)},
          {"created", e.created}, {"salt", e.salt}, {"sha256", e.sha256}};
}

std::string errno_text() { return std::strerror(errno); }

// Writes `content` to `path` atomically: a temporary file beside it (mode 0600), fsync, rename,
// fsync of the directory.
void write_atomically(const std::string& path, const std::string& content) {
  const std::filesystem::path target(path);
  const std::filesystem::path dir =
      target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  std::string tmp = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) {
    throw TokenError("cannot create a temporary file in " + dir.string() + ": " + errno_text() +
                     " (is the directory writable by this user?)");
  }
  bool ok = ::fchmod(fd, 0600) == 0;
  std::size_t written = 0;
  while (ok && written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const std::string err = ok ? "" : errno_text();
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = ok ? errno_text() : err;
    ::unlink(tmp.c_str());
    throw TokenError("cannot write " + path + ": " + why);
  }
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace

const char* to_string(Role role) {
  switch (role) {
    case Role::kViewer:
      return "viewer";
    case Role::kOperator:
      return "operator";
    case Role::kAdmin:
      return "admin";
  }
  return "viewer";
}

std::optional<Role> parse_role(std::string_view text) {
  for (Role r : {Role::kViewer, Role::kOperator, Role::kAdmin}) {
    if (text == to_string(r)) return r;
  }
  return std::nullopt;
}

std::optional<std::vector<TokenEntry>> read_tokens(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  std::ifstream in(path);
  if (!in) throw TokenError(path + ": cannot read the tokens file: " + errno_text());
  std::stringstream text;
  text << in.rdbuf();
  json doc;
  try {
    doc = json::parse(text.str());
  } catch (const json::exception& e) {
    throw TokenError(path + ": not valid JSON (" + e.what() +
                     "); fix it, or move it away and create tokens again");
  }
  if (!doc.is_object() || !doc.contains("tokens") || !doc["tokens"].is_array()) {
    throw TokenError(path + ": expected an object with a \"tokens\" array");
  }
  std::vector<TokenEntry> out;
  const json& tokens = doc["tokens"];
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const std::string where = path + ": tokens[" + std::to_string(i) + "]";
    const json& t = tokens[i];
    auto field = [&](const char* key) {
      if (!t.is_object() || !t.contains(key) || !t[key].is_string()) {
        throw TokenError(where + "." + key + ": expected a string");
      }
      return t[key].get<std::string>();
    };
    TokenEntry e;
    e.id = field("id");
    e.name = field("name");
    const std::string role = field("role");
    e.created = field("created");
    e.salt = field("salt");
    e.sha256 = field("sha256");
    const auto r = parse_role(role);
    if (!r)
      throw TokenError(where + ".role: expected viewer, operator or admin, got \"" + role + "\"");
    e.role = *r;
    if (!is_hex(e.id, kIdHex)) throw TokenError(where + ".id: expected 16 hex digits");
    if (!is_hex(e.salt, kSaltHex)) throw TokenError(where + ".salt: expected 32 hex digits");
    if (!is_hex(e.sha256, 64)) throw TokenError(where + ".sha256: expected 64 hex digits");
    out.push_back(std::move(e));
  }
  return out;
}

std::string create_token(const std::string& path, const std::string& name, Role role,
                         std::int64_t now_ms) {
  if (!valid_name(name)) {
    throw TokenError("token name \"" + name +
                     "\": expected 1-64 letters, digits, '.', '-', '_' or '@'");
  }
  std::vector<TokenEntry> entries = read_tokens(path).value_or(std::vector<TokenEntry>{});
  for (const TokenEntry& e : entries) {
    if (e.name == name) {
      throw TokenError(path + ": a token named \"" + name +
                       "\" exists already; choose another name (or delete its entry first)");
    }
  }
  TokenEntry e;
  do {
    e.id = random_hex(kIdHex / 2);
  } while (std::any_of(entries.begin(), entries.end(),
                       [&](const TokenEntry& x) { return x.id == e.id; }));
  const std::string secret = random_hex(kSecretHex / 2);
  e.name = name;
  e.role = role;
  e.created = http::format_time(now_ms);
  e.salt = random_hex(kSaltHex / 2);
  const std::string d = digest(unhex(e.salt), secret);
  e.sha256 = hex(reinterpret_cast<const unsigned char*>(d.data()), d.size());
  entries.push_back(e);

  json doc = {{"version", 1}, {"tokens", json::array()}};
  for (const TokenEntry& x : entries) doc["tokens"].push_back(to_json(x));
  write_atomically(path, doc.dump(2) + "\n");
  return std::string(kPrefix) + e.id + "_" + secret;
}

TokenSet::TokenSet(const std::vector<TokenEntry>& entries) {
  for (const TokenEntry& e : entries) {
    entries_[e.id] = Entry{e.name, e.role, unhex(e.salt), unhex(e.sha256)};
  }
}

std::optional<Principal> TokenSet::verify(std::string_view token) const {
  if (token.size() != kPrefix.size() + kIdHex + 1 + kSecretHex || !token.starts_with(kPrefix) ||
      token[kPrefix.size() + kIdHex] != '_') {
    return std::nullopt;
  }
  const std::string id(token.substr(kPrefix.size(), kIdHex));
  const std::string_view secret = token.substr(kPrefix.size() + kIdHex + 1);
  const auto it = entries_.find(id);
  // The same work for an unknown id as for a known one.
  static const std::string kNoSalt(kSaltHex / 2, '\0');
  static const std::string kNoDigest(32, '\0');
  const bool known = it != entries_.end();
  const std::string d = digest(known ? it->second.salt : kNoSalt, secret);
  const std::string& want = known ? it->second.digest : kNoDigest;
  if (d.size() != want.size() || CRYPTO_memcmp(d.data(), want.data(), d.size()) != 0 || !known) {
    return std::nullopt;
  }
  return Principal{it->second.name, it->second.role};
}

TokenRegistry::TokenRegistry(std::string path, std::chrono::milliseconds recheck)
    : path_(std::move(path)), recheck_(recheck) {
  stamp_ = stamp();
  const auto entries = read_tokens(path_);
  tokens_.store(std::make_shared<const TokenSet>(entries.value_or(std::vector<TokenEntry>{})));
}

TokenRegistry::Stamp TokenRegistry::stamp() const {
  Stamp s;
  std::error_code ec;
  s.mtime = std::filesystem::last_write_time(path_, ec);
  if (ec) return s;
  s.size = std::filesystem::file_size(path_, ec);
  s.exists = !ec;
  return s;
}

void TokenRegistry::maybe_reload() {
  const std::int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
  std::int64_t next = next_check_ns_.load(std::memory_order_relaxed);
  if (now < next) return;
  const std::int64_t then = now + recheck_.count();
  if (!next_check_ns_.compare_exchange_strong(next, then)) return;  // another thread checks
  std::lock_guard lock(mutex_);
  const Stamp now_stamp = stamp();
  if (now_stamp == stamp_) return;
  stamp_ = now_stamp;
  try {
    const auto entries = read_tokens(path_);
    auto set = std::make_shared<const TokenSet>(entries.value_or(std::vector<TokenEntry>{}));
    log::info("api.tokens_loaded", {{"tokens_file", path_}, {"tokens", set->size()}});
    tokens_.store(std::move(set));
  } catch (const TokenError& e) {
    log::error("api.tokens_reload_failed", {{"error", e.what()}, {"kept", size()}});
  }
}

std::optional<Principal> TokenRegistry::verify(std::string_view token) {
  maybe_reload();
  return tokens_.load()->verify(token);
}

std::size_t TokenRegistry::size() const { return tokens_.load()->size(); }

}  // namespace vmfabric::northbound::auth

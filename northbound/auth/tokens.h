// API bearer tokens: roles, the tokens file and verification. A token is
// "vmf_<id>_<secret>": the id (16 hex digits) finds its entry, the secret (64 hex digits, 256
// random bits) is checked against the entry's salted SHA-256 in constant time. The file keeps
// only the id, the salt and the hash, never a token:
//
//   {"version": 1, "tokens": [{"id": "3f9c0a1b2c3d4e5f", "name": "ci", "role": "viewer",
//     "created": "2026-11-25T13:51:24.881Z", "salt": "<32 hex>", "sha256": "<64 hex>"}]}
//
// (A fast hash is enough: the secret is random, not a password.) The file is written whole,
// atomically, mode 0600.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"

namespace vmfabric::northbound::auth {

// What a token may do: a viewer reads; an operator also runs audits and approves plans; an
// admin also changes the inventory and the policy. Ordered: a higher role may do all a lower one
// may.
enum class Role { kViewer, kOperator, kAdmin };

const char* to_string(Role role);
std::optional<Role> parse_role(std::string_view text);

// Who made a request.
struct Principal {
  std::string name;
  Role role = Role::kViewer;
};

// A tokens file that cannot be read, parsed or written; a bad name or a duplicate.
class TokenError : public Error {
 public:
  using Error::Error;
};

struct TokenEntry {
  std::string id;  // 16 hex digits
  std::string name;
  Role role = Role::kViewer;
  std::string created;  // RFC 3339
  std::string salt;     // 32 hex digits
  std::string sha256;   // SHA-256(salt bytes || secret text), 64 hex digits
};

// Reads the file. Nothing when it does not exist; throws TokenError naming the file and the
// problem when it cannot be read or is not a valid tokens file.
std::optional<std::vector<TokenEntry>> read_tokens(const std::string& path);

// Adds a token named `name` with `role` to the file (created when absent), written atomically
// with mode 0600, and returns the token: the only time it exists in clear. Throws TokenError for
// a bad or duplicate name or a file it cannot read or write.
std::string create_token(const std::string& path, const std::string& name, Role role,
                         std::int64_t now_ms);

// Checks tokens against a set of entries. Immutable; thread-safe.
class TokenSet {
 public:
  TokenSet() = default;
  explicit TokenSet(const std::vector<TokenEntry>& entries);
  // The token's owner, or nothing for a malformed, unknown or wrong token.
  std::optional<Principal> verify(std::string_view token) const;
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string name;
    Role role;
    std::string salt;    // bytes
    std::string digest;  // 32 bytes
  };
  std::map<std::string, Entry> entries_;  // by id
};

// The tokens of a file, reloaded when the file changes (checked at most once a second), so that
// `vmfabricd token create` takes effect without a restart. A file that turns bad keeps the last
// good tokens (logged). Thread-safe.
class TokenRegistry {
 public:
  // Loads the file now. No file: no tokens (every request is refused until one is created).
  // Throws TokenError when the file is unreadable or malformed.
  // `recheck`: how often the file's time and size are looked at.
  explicit TokenRegistry(std::string path,
                         std::chrono::milliseconds recheck = std::chrono::seconds(1));
  std::optional<Principal> verify(std::string_view token);
  std::size_t size() const;
  const std::string& path() const { return path_; }

 private:
  struct Stamp {
    std::filesystem::file_time_type mtime{};
    std::uintmax_t size = 0;
    bool exists = false;
    bool operator==(const Stamp&) const = default;
  };
  Stamp stamp() const;
  void maybe_reload();

  std::string path_;
  std::chrono::nanoseconds recheck_;
  std::mutex mutex_;  // serializes reloads
  Stamp stamp_;       // guarded by mutex_
  std::atomic<std::int64_t> next_check_ns_{0};
  std::atomic<std::shared_ptr<const TokenSet>> tokens_;
};

}  // namespace vmfabric::northbound::auth

// API tokens: creation writes only a salted hash (mode 0600, atomically), verification accepts
// exactly the token made, names and files are checked, and a running registry picks up new
// tokens.
#include "northbound/auth/tokens.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "support/temp_dir.h"

using namespace vmfabric::northbound::auth;
using vmfabric::testing::TempDir;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

constexpr std::int64_t kNow = 1795625392884;  // 2026-11-25T16:49:52.884Z

}  // namespace

TEST_CASE("a created token verifies, and the file holds no secret", "[auth]") {
  TempDir dir;
  const std::string file = dir.file("tokens.json");
  const std::string token = create_token(file, "ci", Role::kOperator, kNow);
  CHECK(token.size() == 4 + 16 + 1 + 64);
  CHECK(token.rfind("vmf_", 0) == 0);

  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const std::string text = slurp(file);
  CHECK(text.find(token) == std::string::npos);
  CHECK(text.find(token.substr(21)) == std::string::npos);  // the secret part
  CHECK(text.find("\"role\": \"operator\"") != std::string::npos);
  CHECK(text.find("\"created\": \"2026-11-25T16:49:52.884Z\"") != std::string::npos);

  const auto entries = read_tokens(file);
  REQUIRE(entries);
  REQUIRE(entries->size() == 1);
  CHECK(entries->front().name == "ci");
  TokenSet set(*entries);
  const auto who = set.verify(token);
  REQUIRE(who);
  CHECK(who->name == "ci");
  CHECK(who->role == Role::kOperator);

  // One character off anywhere, truncated, or another prefix: refused.
  std::string wrong = token;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  CHECK_FALSE(set.verify(wrong));
  std::string other_id = token;
  other_id[5] = other_id[5] == '0' ? '1' : '0';
  CHECK_FALSE(set.verify(other_id));
  CHECK_FALSE(set.verify(token.substr(0, token.size() - 1)));
  CHECK_FALSE(set.verify(""));
  CHECK_FALSE(set.verify("xmf_" + token.substr(4)));
}

TEST_CASE("tokens accumulate, each with its own role", "[auth]") {
  TempDir dir;
  const std::string file = dir.file("tokens.json");
  const auto a = create_token(file, "alice", Role::kViewer, kNow);
  const auto b = create_token(file, "bob", Role::kAdmin, kNow);
  TokenSet set(*read_tokens(file));
  CHECK(set.size() == 2);
  CHECK(set.verify(a)->role == Role::kViewer);
  CHECK(set.verify(b)->role == Role::kAdmin);
  CHECK_THROWS_WITH(create_token(file, "alice", Role::kAdmin, kNow),
                    file +
                        ": a token named \"alice\" exists already; choose another name (or "
                        "delete its entry first)");
  CHECK_THROWS_WITH(create_token(file, "has space", Role::kAdmin, kNow),
                    "token name \"has space\": expected 1-64 letters, digits, '.', '-', '_' or "
                    "'@'");
}

TEST_CASE("a bad tokens file is refused with its place", "[auth]") {
  TempDir dir;
  CHECK_FALSE(read_tokens(dir.file("absent.json")));
  const auto bad = dir.write("bad.json", "{not json");
  CHECK_THROWS_WITH(read_tokens(bad), Catch::StartsWith(bad + ": not valid JSON"));
  const auto role =
      dir.write("role.json",
                R"({"tokens":[{"id":"0123456789abcdef","name":"x","role":"root","created":"",
          "salt":"00000000000000000000000000000000","sha256":"00"}]})");
  CHECK_THROWS_WITH(read_tokens(role), role +
                                           ": tokens[0].role: expected viewer, operator or "
                                           "admin, got \"root\"");
  CHECK_THROWS_AS(create_token(bad, "x", Role::kViewer, kNow), TokenError);
}

TEST_CASE("roles are ordered and named", "[auth]") {
  CHECK(Role::kViewer < Role::kOperator);
  CHECK(Role::kOperator < Role::kAdmin);
  for (Role r : {Role::kViewer, Role::kOperator, Role::kAdmin}) {
    CHECK(parse_role(to_string(r)) == r);
  }
  CHECK_FALSE(parse_role("Admin"));
}

TEST_CASE("a registry picks up a token created while it runs", "[auth]") {
  TempDir dir;
  const std::string file = dir.file("tokens.json");
  TokenRegistry registry(file, std::chrono::milliseconds(0));  // look at every request
  CHECK(registry.size() == 0);
  CHECK_FALSE(registry.verify("vmf_0123456789abcdef_" + std::string(64, '0')));
  const auto token = create_token(file, "late", Role::kViewer, kNow);
  CHECK(registry.verify(token));
  const auto second = create_token(file, "later", Role::kAdmin, kNow);
  CHECK(registry.verify(second)->role == Role::kAdmin);
  CHECK(registry.size() == 2);
  // A file that turns bad keeps the tokens known.
  std::ofstream(file) << "{broken";
  CHECK(registry.verify(token));
}

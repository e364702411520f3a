// The web viewer's file serving without sockets: index and assets with their types and
// headers, revalidation by ETag, and every name that must not reach outside the web root.
#include "northbound/web/web_root.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "northbound/auth/tokens.h"
#include "support/temp_dir.h"

using namespace vmfabric::northbound;
using vmfabric::testing::TempDir;

namespace {

http::Response get(const router::Router& r, const std::string& target, http::Headers headers = {}) {
  http::Request request;
  request.method = "GET";
  request.target = target;
  request.headers = std::move(headers);
  return r.handle(request);
}

}  // namespace

TEST_CASE("the web root serves the viewer's files with their types and security headers") {
  TempDir dir;
  dir.write("index.html", "<!doctype html><title>v</title>");
  dir.write("app.js", "console.log(1)");
  dir.write("app.css", "body{}");
  dir.write("favicon.svg", "<svg/>");
  dir.write(".secret", "hidden");
  std::filesystem::create_directory(dir.path() / "sub");
  dir.write("sub/inner.js", "nested");
  TempDir outside;
  outside.write("passwd", "root:x:0:0");

  const web::WebRoot root(dir.path().string());
  REQUIRE(root.installed());
  // No authenticator accepts anything: the viewer's files are public, the API is not.
  router::Router r([](std::string_view) { return std::optional<auth::Principal>(); });
  root.add_to(r);

  const http::Response index = get(r, "/");
  CHECK(index.status == 200);
  CHECK(index.body == "<!doctype html><title>v</title>");
  CHECK(index.header("Content-Type") == "text/html; charset=utf-8");
  CHECK(index.header("Content-Security-Policy").value_or("").starts_with("default-src 'self';"));
  CHECK(index.header("X-Content-Type-Options") == "nosniff");
  CHECK(index.header("Cache-Control") == "no-cache");
  CHECK(get(r, "/app.js").header("Content-Type") == "text/javascript; charset=utf-8");
  CHECK(get(r, "/app.css").header("Content-Type") == "text/css; charset=utf-8");
  CHECK(get(r, "/favicon.svg").header("Content-Type") == "image/svg+xml");
  CHECK(get(r, "/app.js?v=2").body == "console.log(1)");

  SECTION("a matching If-None-Match is a 304 without a body") {
    const std::string etag = get(r, "/app.js").header("ETag").value();
    const http::Response again = get(r, "/app.js", {{"if-none-match", etag}});
    CHECK(again.status == 304);
    CHECK(again.body.empty());
    CHECK(get(r, "/app.js", {{"if-none-match", "\"other\""}}).status == 200);
  }
  SECTION("unknown files, hidden files, directories and traversal are 404") {
    const std::string up = "/..%2F" + outside.path().filename().string() + "%2Fpasswd";
    const std::vector<std::string> targets = {
        "/nope.js",        "/.secret",         "/sub",           up, "/%2E%2E", "/..",
        "/app.js%00.html", "/%2Fetc%2Fpasswd", "/sub%2Finner.js"};
    for (const std::string& target : targets) {
      INFO(target);
      const http::Response res = get(r, target);
      CHECK(res.status == 404);
      CHECK(res.header("Content-Type") == "application/problem+json");
      CHECK(res.body.find("root:x") == std::string::npos);
    }
    // Only one segment is a file name: deeper paths are the API's (and need a token).
    CHECK(get(r, "/sub/inner.js").status == 401);
  }
  SECTION("other methods are refused") {
    http::Request post;
    post.method = "POST";
    post.target = "/app.js";
    const http::Response res = r.handle(post);
    CHECK(res.status == 405);
    CHECK(res.header("Allow") == "GET");
  }
}

TEST_CASE("a web root without the viewer says how to get it") {
  TempDir dir;
  const web::WebRoot root(dir.path().string());
  CHECK_FALSE(root.installed());
  const http::Response res = root.serve("", "");
  CHECK(res.status == 404);
  CHECK(res.body.find("the web viewer is not installed: no index.html in " + dir.path().string()) !=
        std::string::npos);
}

TEST_CASE("the default web root is the build tree's when vmfabric is not installed") {
  CHECK(web::WebRoot("").dir() == std::string(VMFABRIC_BINARY_DIR) + "/web");
  CHECK(web::default_web_root() == std::string(VMFABRIC_BINARY_DIR) + "/web");
}

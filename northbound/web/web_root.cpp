#include "northbound/web/web_root.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace vmfabric::northbound::web {
namespace {

namespace fs = std::filesystem;

// One path segment of letters, digits, '.', '_' and '-', not starting with '.': nothing
// outside the web root ("..", "%2e%2e%2fetc") and no hidden file can be named.
bool plain_file_name(std::string_view name) {
  if (name.empty() || name.front() == '.') return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

const char* content_type(std::string_view name) {
  struct Type {
    std::string_view extension;
    const char* type;
  };
  static constexpr Type kTypes[] = {{".html", "text/html; charset=utf-8"},
                                    {".js", "text/javascript; charset=utf-8"},
                                    {".css", "text/css; charset=utf-8"},
                                    {".svg", "image/svg+xml"},
                                    {".png", "image/png"},
                                    {".json", "application/json"},
                                    {".txt", "text/plain; charset=utf-8"}};
  for (const Type& t : kTypes) {
    if (name.ends_with(t.extension)) return t.type;
  }
  return "application/octet-stream";
}

// Set on every answer of the web root, files and errors alike.
void security_headers(http::Response& r) {
  r.set("Content-Security-Policy",
        "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
        "form-action 'self'");
  r.set("X-Content-Type-Options", "nosniff");
  r.set("X-Frame-Options", "DENY");
  r.set("Referrer-Policy", "no-referrer");
}

http::Response not_found(std::string_view detail, std::string_view instance) {
  http::Response r = http::problem(404, "not-found", detail, instance);
  security_headers(r);
  return r;
}

}  // namespace

std::string default_web_root() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path() / ".." / "share" / "vmfabric" / "web";
    if (fs::is_directory(installed, ec)) return fs::weakly_canonical(installed, ec).string();
  }
  return VMFABRIC_WEB_BUILD_DIR;
}

WebRoot::WebRoot(std::string dir) : dir_(dir.empty() ? default_web_root() : std::move(dir)) {}

bool WebRoot::installed() const {
  std::error_code ec;
  return fs::is_regular_file(fs::path(dir_) / "index.html", ec);
}

http::Response WebRoot::serve(std::string_view file, std::string_view if_none_match) const {
  const std::string name = file.empty() ? "index.html" : std::string(file);
  const std::string instance = "/" + std::string(file);
  if (!plain_file_name(name)) return not_found("no such file in the web viewer", instance);
  const fs::path path = fs::path(dir_) / name;
  std::error_code ec;
  const bool found = fs::is_regular_file(path, ec);
  const auto size = found ? fs::file_size(path, ec) : 0;
  const auto mtime = found ? fs::last_write_time(path, ec) : fs::file_time_type();
  if (!found || ec) {
    if (file.empty()) {
      return not_found("the web viewer is not installed: no index.html in " + dir_ +
                           "; build it (cmake --build BUILD_DIR) or set api.web_root",
                       instance);
    }
    return not_found("no file \"" + name + "\" in the web viewer", instance);
  }
  // The names are fixed (app.js, not app.3f2a.js): browsers revalidate every time (no-cache),
  // and a matching ETag makes that a 304 without a body.
  const auto modified = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::file_clock::to_sys(mtime).time_since_epoch());
  const std::string etag =
      "\"" + std::to_string(size) + "-" + std::to_string(modified.count()) + "\"";
  http::Response r;
  security_headers(r);
  r.set("Cache-Control", "no-cache");
  r.set("ETag", etag);
  if (if_none_match == etag) {
    r.status = 304;
    return r;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("the web viewer's file \"" + name + "\" cannot be read", instance);
  std::ostringstream body;
  body << in.rdbuf();
  r.status = 200;
  r.set("Content-Type", content_type(name));
  r.body = std::move(body).str();
  return r;
}

void WebRoot::add_to(router::Router& router) const {
  auto handler = [this](const router::Call& c) {
    const auto file = c.params.find("file");
    return serve(file == c.params.end() ? std::string_view() : std::string_view(file->second),
                 c.request.header("if-none-match").value_or(""));
  };
  router.add_public("GET", "/", handler);
  router.add_public("GET", "/{file}", handler);
}

}  // namespace vmfabric::northbound::web

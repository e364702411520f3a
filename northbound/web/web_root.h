// The web viewer's files, served by vmfabricd: GET / (index.html) and GET /{file} from one
// directory, public (the page asks for a token itself), with the security headers the viewer
// is built for (Content-Security-Policy: default-src 'self': no inline script, no third party).
#pragma once

#include <string>
#include <string_view>

#include "northbound/http/message.h"
#include "northbound/router/router.h"

namespace vmfabric::northbound::web {

// Where the viewer is when api.web_root is not set: <directory of the vmfabricd executable>/
// ../share/vmfabric/web when that exists (an installed vmfabricd), else the build tree's web
// directory.
std::string default_web_root();

class WebRoot {
 public:
  // `dir` empty: default_web_root().
  explicit WebRoot(std::string dir);
  const std::string& dir() const { return dir_; }
  // Whether the viewer is there (dir/index.html exists).
  bool installed() const;

  // The response to GET /`file` ("" for /): the file with its Content-Type, or a 404 problem for
  // a name that is not a plain file name of this directory. `if_none_match` is the request's
  // If-None-Match header: 304 when it names the file's current ETag.
  http::Response serve(std::string_view file, std::string_view if_none_match) const;

  // Adds GET / and GET /{file} (public) to `router`. `this` must outlive it.
  void add_to(router::Router& router) const;

 private:
  std::string dir_;
};

}  // namespace vmfabric::northbound::web

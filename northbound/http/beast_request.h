// The one conversion of a request Beast parsed into the server's Request: the server and the HTTP
// fuzzer (tests/fuzz) share it. Beast's headers stay out of message.h, which the core includes.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cctype>
#include <string>
#include <utility>

#include "northbound/http/message.h"

namespace vmfabric::northbound::http {

inline Request from_beast(boost::beast::http::request<boost::beast::http::string_body>&& req,
                          std::string remote) {
  Request request;
  request.method = std::string(req.method_string());
  request.target = std::string(req.target());
  for (const auto& field : req) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    request.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  request.body = std::move(req.body());
  request.remote = std::move(remote);
  return request;
}

}  // namespace vmfabric::northbound::http

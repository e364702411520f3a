// HTTP types shared by the eAPI front ends and the control endpoint of the emulator.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <nlohmann/json.hpp>
#include <string>

namespace vmfabric::eos_sim {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// A handler's answer: a response, or (drop) closing the connection without one.
struct Reply {
  HttpResponse response;
  bool drop = false;
};

Reply text_reply(boost::beast::http::status status, std::string body,
                 const char* content_type = "text/plain");
Reply json_reply(boost::beast::http::status status, const nlohmann::json& body);
// {"error": message}
Reply error_reply(boost::beast::http::status status, const std::string& message);

}  // namespace vmfabric::eos_sim

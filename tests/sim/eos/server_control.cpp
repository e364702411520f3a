#include "tests/sim/eos/server_control.h"

#include <charconv>
#include <climits>
#include <map>

#include "log/log.h"

namespace vmfabric::eos_sim {

namespace http = boost::beast::http;

Reply text_reply(http::status status, std::string body, const char* content_type) {
  Reply reply;
  reply.response.result(status);
  reply.response.set(http::field::content_type, content_type);
  reply.response.body() = std::move(body);
  return reply;
}

Reply json_reply(http::status status, const nlohmann::json& body) {
  return text_reply(status, body.dump(), "application/json");
}

Reply error_reply(http::status status, const std::string& message) {
  return json_reply(status, {{"error", message}});
}

namespace {

// A request the control endpoint refuses: answered `status` with {"error": message}.
struct ControlError {
  http::status status;
  std::string message;
};

struct Target {
  std::vector<std::string> segments;  // "/switches/leaf1/link" → switches, leaf1, link
  std::map<std::string, std::string> query;
};

std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned value = 0;
    if (text[i] == '%' && i + 2 < text.size() &&
        std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16).ptr ==
            text.data() + i + 3) {
      out += static_cast<char>(value);
      i += 2;
    } else {
      out += text[i] == '+' ? ' ' : text[i];
    }
  }
  return out;
}

Target parse_target(std::string_view target) {
  Target out;
  const auto question = target.find('?');
  std::string_view path = target.substr(0, question);
  while (!path.empty()) {
    const auto slash = path.find('/');
    if (slash != 0) out.segments.push_back(percent_decode(path.substr(0, slash)));
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  }
  std::string_view query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    out.query[percent_decode(pair.substr(0, eq))] =
        eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
  }
  return out;
}

nlohmann::json parse_body(const HttpRequest& request) {
  try {
    nlohmann::json body = nlohmann::json::parse(request.body());
    if (!body.is_object()) throw ControlError{http::status::bad_request, "body: not an object"};
    return body;
  } catch (const nlohmann::json::parse_error& e) {
    throw ControlError{http::status::bad_request, std::string("body: not JSON: ") + e.what()};
  }
}

// body[key] as T; `required` absent → 400 naming the key.
template <class T>
std::optional<T> field(const nlohmann::json& body, const char* key, bool required) {
  const auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    if (required) throw ControlError{http::status::bad_request, std::string(key) + ": required"};
    return std::nullopt;
  }
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    throw ControlError{http::status::bad_request, std::string(key) + ": wrong type"};
  }
}

std::uint64_t parse_seq(const std::string& text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw ControlError{http::status::bad_request, "since: not a sequence number: " + text};
  }
  return value;
}

}  // namespace

Reply ControlApi::handle(const HttpRequest& request) {
  const Target target = parse_target(request.target());
  const auto& seg = target.segments;
  const http::verb method = request.method();
  const auto slot = [&](const std::string& name) -> SwitchSlot& {
    SwitchSlot* s = switches_.find(name);
    if (s == nullptr) throw ControlError{http::status::not_found, "unknown switch '" + name + "'"};
    return *s;
  };
  // The switches a fault request names: one, or all for "*".
  const auto selected = [&](const std::string& name) {
    std::vector<SwitchSlot*> out;
    if (name == "*") {
      for (const auto& s : switches_.all()) out.push_back(s.get());
    } else {
      out.push_back(&slot(name));
    }
    return out;
  };
  const auto wrong_method = [&] {
    return error_reply(http::status::method_not_allowed, std::string(request.method_string()) +
                                                             " " + std::string(request.target()) +
                                                             ": method not allowed");
  };
  try {
    if (seg.size() == 1 && seg[0] == "switches") {
      if (method != http::verb::get) return wrong_method();
      nlohmann::ordered_json out = nlohmann::ordered_json::object();
      for (const auto& s : switches_.all()) out[s->name] = {{"port", s->port}};
      return text_reply(http::status::ok, out.dump(), "application/json");
    }
    if (seg.size() == 2 && seg[0] == "switches") {
      if (method != http::verb::get) return wrong_method();
      return json_reply(http::status::ok, fabric_.state(slot(seg[1]).name));
    }
    if (seg.size() == 3 && seg[0] == "switches" && seg[2] == "console") {
      if (method != http::verb::post) return wrong_method();
      const SwitchSlot& s = slot(seg[1]);
      const nlohmann::json body = parse_body(request);
      const auto lines = *field<std::vector<std::string>>(body, "lines", true);
      const auto user = field<std::string>(body, "user", false).value_or("console");
      try {
        fabric_.console_config(s.name, lines, user);
      } catch (const std::invalid_argument& e) {
        throw ControlError{http::status::bad_request, e.what()};
      }
      log::info("control.console", {{"switch", s.name}, {"lines", lines.size()}, {"user", user}});
      return json_reply(http::status::ok, nlohmann::json::object());
    }
    if (seg.size() == 3 && seg[0] == "switches" && seg[2] == "link") {
      if (method != http::verb::post) return wrong_method();
      const SwitchSlot& s = slot(seg[1]);
      const nlohmann::json body = parse_body(request);
      const auto interface = *field<std::string>(body, "interface", true);
      const bool up = *field<bool>(body, "up", true);
      try {
        fabric_.set_link(s.name, interface, up);
      } catch (const std::logic_error& e) {  // invalid_argument, out_of_range: no such port
        throw ControlError{http::status::bad_request, e.what()};
      }
      log::info("control.link", {{"switch", s.name}, {"interface", interface}, {"up", up}});
      return json_reply(http::status::ok, nlohmann::json::object());
    }
    if (seg.size() == 1 && seg[0] == "journal") {
      if (method != http::verb::get) return wrong_method();
      const auto sw = target.query.find("switch");
      const std::string name = sw == target.query.end() ? "" : slot(sw->second).name;
      const auto since = target.query.find("since");
      return json_reply(
          http::status::ok,
          fabric_.journal(name, since == target.query.end() ? 0 : parse_seq(since->second)));
    }
    if (seg.size() == 1 && seg[0] == "faults") {
      if (method == http::verb::get) {
        nlohmann::ordered_json out = nlohmann::ordered_json::object();
        for (const auto& s : switches_.all()) out[s->name] = s->faults.active();
        return text_reply(http::status::ok, out.dump(), "application/json");
      }
      if (method == http::verb::delete_) {
        const auto sw = target.query.find("switch");
        for (SwitchSlot* s : selected(sw == target.query.end() ? "*" : sw->second)) {
          s->faults.clear();
          fabric_.fail_commits(s->name, 0);
        }
        log::info("control.faults_cleared",
                  {{"switch", sw == target.query.end() ? "*" : sw->second}});
        return json_reply(http::status::ok, nlohmann::json::object());
      }
      if (method != http::verb::post) return wrong_method();
      const nlohmann::json body = parse_body(request);
      const auto name = *field<std::string>(body, "switch", true);
      const auto kind_name = *field<std::string>(body, "kind", true);
      const auto kind = parse_fault_kind(kind_name);
      if (!kind) throw ControlError{http::status::bad_request, "kind: unknown '" + kind_name + "'"};
      const auto count = field<int>(body, "count", false);
      if (count && *count < 1) throw ControlError{http::status::bad_request, "count: must be >= 1"};
      const auto latency_ms = field<double>(body, "latency_ms", *kind == FaultKind::kLatency);
      if (latency_ms && *latency_ms < 0) {
        throw ControlError{http::status::bad_request, "latency_ms: must be >= 0"};
      }
      for (SwitchSlot* s : selected(name)) {
        if (*kind == FaultKind::kFailCommit) {
          fabric_.fail_commits(s->name, count.value_or(INT_MAX));
        } else {
          s->faults.set(
              *kind,
              std::chrono::microseconds(static_cast<std::int64_t>(latency_ms.value_or(0) * 1000)),
              count);
        }
      }
      log::info("control.fault_set", {{"switch", name},
                                      {"kind", kind_name},
                                      {"latency_ms", latency_ms.value_or(0)},
                                      {"count", count.value_or(-1)}});
      return json_reply(http::status::ok, nlohmann::json::object());
    }
    if (seg.size() == 1 && seg[0] == "stats") {
      if (method != http::verb::get) return wrong_method();
      nlohmann::ordered_json out = nlohmann::ordered_json::object();
      for (const auto& s : switches_.all()) out[s->name] = s->faults.stats();
      return text_reply(http::status::ok, out.dump(), "application/json");
    }
    return error_reply(http::status::not_found,
                       "no route " + std::string(request.target()) + " on the control endpoint");
  } catch (const ControlError& e) {
    return error_reply(e.status, e.message);
  }
}

}  // namespace vmfabric::eos_sim

#include "southbound/eapi.h"

#include <charconv>

namespace vmfabric::southbound {
namespace {

using nlohmann::json;

[[noreturn]] void malformed(const std::string& why) {
  throw EapiResponseError("eAPI response: " + why);
}

// Where EOS says the failure was: "CLI command 2 of 3 'bad command' failed: invalid command".
struct FailedCommand {
  std::size_t index = 0;  // 0-based
  std::string command;
};

std::optional<std::size_t> leading_number(std::string_view& s) {
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || n == 0) return std::nullopt;
  s.remove_prefix(static_cast<std::size_t>(end - s.data()));
  return n;
}

std::optional<FailedCommand> parse_failed_command(std::string_view message) {
  constexpr std::string_view kPrefix = "CLI command ";
  constexpr std::string_view kOf = " of ";
  constexpr std::string_view kFailed = "' failed: ";
  if (!message.starts_with(kPrefix)) return std::nullopt;
  message.remove_prefix(kPrefix.size());
  const auto index = leading_number(message);
  if (!index || !message.starts_with(kOf)) return std::nullopt;
  message.remove_prefix(kOf.size());
  if (!leading_number(message) || !message.starts_with(" '")) return std::nullopt;
  message.remove_prefix(2);
  const std::size_t end = message.rfind(kFailed);  // the command itself may hold quotes
  if (end == std::string_view::npos) return std::nullopt;
  return FailedCommand{*index - 1, std::string(message.substr(0, end))};
}

std::vector<std::string> errors_of(const json& entry) {
  std::vector<std::string> out;
  if (!entry.is_object()) return out;
  const auto it = entry.find("errors");
  if (it == entry.end()) return out;
  if (!it->is_array()) malformed("error.data: \"errors\" is not an array");
  for (const json& e : *it) {
    if (!e.is_string()) malformed("error.data: an entry of \"errors\" is not a string");
    out.push_back(e.get<std::string>());
  }
  return out;
}

[[noreturn]] void throw_eapi_error(const json& error) {
  if (!error.is_object()) malformed("\"error\" is not an object");
  const auto code = error.find("code");
  const auto message = error.find("message");
  if (code == error.end() || !code->is_number_integer()) malformed("error.code is not an integer");
  if (message == error.end() || !message->is_string()) malformed("error.message is not a string");
  const std::string text = message->get<std::string>();

  std::vector<std::string> errors;
  std::optional<std::size_t> index;
  if (const auto data = error.find("data"); data != error.end()) {
    if (!data->is_array()) malformed("error.data is not an array");
    if (!data->empty()) {
      errors = errors_of(data->back());  // the failed command's result is the last entry
      index = data->size() - 1;
    }
  }
  std::string command;
  if (auto failed = parse_failed_command(text)) {
    index = failed->index;
    command = std::move(failed->command);
  }
  throw EapiError(code->get<int>(), text, index, std::move(command), std::move(errors));
}

std::string describe(int code, const std::string& message, const std::vector<std::string>& errors) {
  std::string out = "eAPI error " + std::to_string(code) + ": " + message;
  if (!errors.empty()) {
    out += " [";
    for (std::size_t i = 0; i < errors.size(); ++i) out += (i ? "; " : "") + errors[i];
    out += "]";
  }
  return out;
}

bool same_id(const json& got, std::string_view id) {
  if (got.is_string()) return got.get<std::string>() == id;
  return got.is_number_integer() && got.dump() == id;
}

}  // namespace

EapiError::EapiError(int code, std::string message, std::optional<std::size_t> command_index,
                     std::string command, std::vector<std::string> errors)
    : Error(describe(code, message, errors)),
      code_(code),
      message_(std::move(message)),
      command_index_(command_index),
      command_(std::move(command)),
      errors_(std::move(errors)) {}

std::string build_request(const std::vector<std::string>& cmds, Format format,
                          std::string_view id) {
  const json body = {
      {"jsonrpc", "2.0"},
      {"method", "runCmds"},
      {"params",
       {{"version", 1}, {"cmds", cmds}, {"format", format == Format::kJson ? "json" : "text"}}},
      {"id", std::string(id)},
  };
  return body.dump();
}

std::vector<json> parse_response(std::string_view body, std::string_view id,
                                 std::size_t command_count) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) malformed("not valid JSON");
  if (!doc.is_object()) malformed("not a JSON object");
  const auto got_id = doc.find("id");
  if (got_id == doc.end()) malformed("no \"id\"");
  if (!same_id(*got_id, id)) {
    malformed("id " + got_id->dump() + " does not match the request id \"" + std::string(id) +
              "\"");
  }
  if (const auto error = doc.find("error"); error != doc.end()) throw_eapi_error(*error);

  const auto result = doc.find("result");
  if (result == doc.end()) malformed("neither \"result\" nor \"error\"");
  if (!result->is_array()) malformed("\"result\" is not an array");
  if (result->size() != command_count) {
    malformed(std::to_string(result->size()) + " results for " + std::to_string(command_count) +
              " commands");
  }
  std::vector<json> out;
  out.reserve(command_count);
  for (std::size_t i = 0; i < result->size(); ++i) {
    json& r = (*result)[i];
    if (r.is_string()) {  // some EOS models arrive JSON-encoded
      r = json::parse(r.get<std::string>(), nullptr, /*allow_exceptions=*/false);
      if (r.is_discarded()) malformed("result " + std::to_string(i) + " is a string but not JSON");
    }
    if (!r.is_object()) malformed("result " + std::to_string(i) + " is not an object");
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace vmfabric::southbound

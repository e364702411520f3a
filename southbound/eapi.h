// The eAPI JSON-RPC codec: builds `runCmds` request bodies and turns response bodies into one
// parsed result per command, or a typed EapiError. Pure; the client session moves the bytes.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"

namespace vmfabric::southbound {

enum class Format { kJson, kText };

// A response that is not a usable eAPI answer: not JSON, not a JSON-RPC envelope, the wrong id,
// or a result whose shape is not the one the command documents. The message says what is wrong.
class EapiResponseError : public Error {
 public:
  using Error::Error;
};

// The error codes EOS puts in a JSON-RPC error object.
inline constexpr int kCouldNotRun = 1000;     // the command parsed but was rejected at run time
inline constexpr int kInvalidCommand = 1002;  // the CLI did not accept the command
inline constexpr int kNoJsonModel = 1003;     // "unconverted command": ask again as text
inline constexpr int kNotPermitted = 1004;    // not allowed over the API ("incompatible command")
inline constexpr int kUnauthorized = 1005;    // AAA authorization refused the command

// The switch refused a request: its JSON-RPC error object, with the failed command located.
class EapiError : public Error {
 public:
  EapiError(int code, std::string message, std::optional<std::size_t> command_index,
            std::string command, std::vector<std::string> errors);

  int code() const { return code_; }
  // The `message` of the error object as EOS wrote it.
  const std::string& message() const { return message_; }
  // 0-based position of the failed command in the request's `cmds` (EOS counts from 1), when
  // the message or the `data` array tells it.
  std::optional<std::size_t> command_index() const { return command_index_; }
  // The failed command as EOS echoed it ("" when the message does not name it).
  const std::string& command() const { return command_; }
  // The `errors` of the failed command's `data` entry ("Invalid input (at token 1: 'bad')").
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  int code_;
  std::string message_;
  std::optional<std::size_t> command_index_;
  std::string command_;
  std::vector<std::string> errors_;
};

// The body of a `runCmds` request (version 1) running `cmds` in order with `format`.
std::string build_request(const std::vector<std::string>& cmds, Format format, std::string_view id);

// The results of a `runCmds` response, one per command sent, in order. `id` is the id of the
// request and `command_count` the number of commands it held. A JSON result that EOS sent as a
// JSON-encoded string is decoded. Throws EapiError for a JSON-RPC error object and
// EapiResponseError for anything malformed.
std::vector<nlohmann::json> parse_response(std::string_view body, std::string_view id,
                                           std::size_t command_count);

}  // namespace vmfabric::southbound

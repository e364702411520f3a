#include "southbound/eapi.h"

#include <catch2/catch.hpp>

#include "eos_fixture.h"

namespace vmfabric::southbound {
namespace {

using nlohmann::json;
using testing::eos_fixture_text;

// A JSON-RPC error envelope with id "7" around `error`.
std::string error_body(const json& error) {
  return json{{"jsonrpc", "2.0"}, {"id", "7"}, {"error", error}}.dump();
}

EapiError eapi_error_of(const std::string& body, std::size_t command_count) {
  try {
    parse_response(body, "7", command_count);
  } catch (const EapiError& e) {
    return e;
  }
  FAIL("no EapiError for " << body);
  throw std::logic_error("unreachable");
}

TEST_CASE("build_request gives a version 1 runCmds body with the format and id") {
  const json body = json::parse(build_request({"enable", "show version"}, Format::kJson, "req-1"));
  CHECK(body == json::parse(R"({"jsonrpc": "2.0", "method": "runCmds", "id": "req-1",
      "params": {"version": 1, "cmds": ["enable", "show version"], "format": "json"}})"));
  CHECK(json::parse(build_request({"show mlag"}, Format::kText, "2"))["params"]["format"] ==
        "text");
}

TEST_CASE("A success response gives one parsed result per command (anta capture)") {
  const auto results = parse_response(
      eos_fixture_text("eapi_success_show_version_show_clock.rpc.json"), "EapiExplorer-1", 2);
  REQUIRE(results.size() == 2);
  CHECK(results[0]["modelName"] == "cEOSLab");
  CHECK(results[1]["timezone"] == "EST");
}

TEST_CASE("A 1002 error names the failed command, its position and its errors (anta capture)") {
  try {
    parse_response(eos_fixture_text("eapi_error_1002_invalid_command.rpc.json"), "EapiExplorer-1",
                   3);
    FAIL("no error");
  } catch (const EapiError& e) {
    CHECK(e.code() == kInvalidCommand);
    CHECK(e.message() == "CLI command 2 of 3 'bad command' failed: invalid command");
    CHECK(e.command_index() == 1u);
    CHECK(e.command() == "bad command");
    CHECK(e.errors() == std::vector<std::string>{"Invalid input (at token 1: 'bad')"});
    CHECK(std::string(e.what()) ==
          "eAPI error 1002: CLI command 2 of 3 'bad command' failed: invalid command "
          "[Invalid input (at token 1: 'bad')]");
  }
}

TEST_CASE("Each EOS error code is typed with its command and errors") {
  struct Case {
    int code;
    const char* message;
    json data;
    std::optional<std::size_t> index;
    std::string command;
    std::vector<std::string> errors;
  };
  const std::vector<Case> cases = {
      {1000,
       "CLI command 3 of 3 'hostname bad_name' failed: could not run command",
       json::parse(R"([{}, {}, {"errors": ["Host name is invalid."]}])"),
       2,
       "hostname bad_name",
       {"Host name is invalid."}},
      {1003,
       "CLI command 2 of 2 'show ntp associations' failed: unconverted command",
       json::parse(R"([{}, {"errors": ["unconverted"]}])"),
       1,
       "show ntp associations",
       {"unconverted"}},
      {1004,
       "CLI command 2 of 2 'reload' failed: incompatible command",
       json::parse(R"([{}, {"errors": ["Command not permitted via API access"]}])"),
       1,
       "reload",
       {"Command not permitted via API access"}},
      // Authorization failures may come before any command ran: no data, no position.
      {1005,
       "Command unauthorized: user has insufficient permissions to run the command",
       json::array(),
       std::nullopt,
       "",
       {}},
      // A command holding quotes and " failed: " still splits at the last one.
      {1002,
       "CLI command 1 of 1 'vlan 10 ' failed: x' failed: invalid command",
       json::parse(R"([{"errors": ["Invalid input"]}])"),
       0,
       "vlan 10 ' failed: x",
       {"Invalid input"}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.code, c.message);
    const EapiError e =
        eapi_error_of(error_body({{"code", c.code}, {"message", c.message}, {"data", c.data}}), 3);
    CHECK(e.code() == c.code);
    CHECK(e.message() == c.message);
    CHECK(e.command_index() == c.index);
    CHECK(e.command() == c.command);
    CHECK(e.errors() == c.errors);
  }
}

TEST_CASE("Without a parsable message the failed command is the last data entry") {
  const EapiError e =
      eapi_error_of(error_body({{"code", 1000},
                                {"message", "could not run command"},
                                {"data", json::parse(R"([{}, {"errors": ["no"]}])")}}),
                    2);
  CHECK(e.command_index() == 1u);
  CHECK(e.command().empty());
  CHECK(e.errors() == std::vector<std::string>{"no"});
}

TEST_CASE("A result EOS sent as a JSON-encoded string is decoded") {
  const auto results = parse_response(
      R"({"jsonrpc": "2.0", "id": "7", "result": [{}, "{\"state\": \"disabled\"}"]})", "7", 2);
  CHECK(results[1] == json{{"state", "disabled"}});
}

TEST_CASE("Numeric ids are matched too") {
  CHECK(parse_response(R"({"jsonrpc": "2.0", "id": 7, "result": [{}]})", "7", 1).size() == 1);
}

TEST_CASE("Malformed responses are refused with what is wrong") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"<html>502 Bad Gateway</html>", "eAPI response: not valid JSON"},
      {"", "eAPI response: not valid JSON"},
      {"[1, 2]", "eAPI response: not a JSON object"},
      {R"({"jsonrpc": "2.0", "result": []})", "eAPI response: no \"id\""},
      {R"({"id": "8", "result": [{}]})",
       "eAPI response: id \"8\" does not match the request id \"7\""},
      {R"({"id": "7"})", "eAPI response: neither \"result\" nor \"error\""},
      {R"({"id": "7", "result": {}})", "eAPI response: \"result\" is not an array"},
      {R"({"id": "7", "result": [{}, {}]})", "eAPI response: 2 results for 1 commands"},
      {R"({"id": "7", "result": [42]})", "eAPI response: result 0 is not an object"},
      {R"({"id": "7", "result": ["{oops"]})", "eAPI response: result 0 is a string but not JSON"},
      {R"({"id": "7", "error": "boom"})", "eAPI response: \"error\" is not an object"},
      {R"({"id": "7", "error": {"message": "x"}})", "eAPI response: error.code is not an integer"},
      {R"({"id": "7", "error": {"code": 1002}})", "eAPI response: error.message is not a string"},
      {R"({"id": "7", "error": {"code": 1002, "message": "m", "data": {}}})",
       "eAPI response: error.data is not an array"},
      {R"({"id": "7", "error": {"code": 1002, "message": "m", "data": [{"errors": [1]}]}})",
       "eAPI response: error.data: an entry of \"errors\" is not a string"},
  };
  for (const auto& [body, message] : cases) {
    CAPTURE(body);
    CHECK_THROWS_MATCHES(parse_response(body, "7", 1), EapiResponseError,
                         Catch::Matchers::Message(message));
  }
}

}  // namespace
}  // namespace vmfabric::southbound

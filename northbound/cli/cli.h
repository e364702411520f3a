// The `vmfabric` command-line client of the REST API, as pure functions: the command line into
// an Invocation (global options, what to show, the API filters), the API's JSON into aligned
// tables in the spirit of EOS `show vmtracer`, and the answers of the API into clear errors.
// `run` drives one invocation over any `Fetch` (the HTTP client in production, a fake in tests),
// following `next_cursor` until the list is whole or `--limit` is reached.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vmfabric::cli {

using nlohmann::json;

inline constexpr const char* kDefaultApi = "http://127.0.0.1:8080";

// A bad command line (exit code 2). The message says what is wrong; `help` what to type.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An answer of the API that is not a success, or a bad answer (exit code 1). The message is
// complete: what failed and what to do.
class ApiError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `--api URL`: http[s]://host[:port][/prefix]; no scheme means http.
struct ApiUrl {
  bool tls = false;
  std::string host;  // IPv6 without brackets
  std::uint16_t port = 80;
  std::string prefix;  // "" or "/path" without a trailing slash
};
ApiUrl parse_api_url(std::string_view url);  // throws UsageError

struct Options {
  std::string api = kDefaultApi;
  std::string token;
  std::string ca_file;
  bool json = false;
  std::optional<std::size_t> limit;  // at most this many items (lists)
};

using Query = std::vector<std::pair<std::string, std::string>>;

struct Invocation {
  Options options;
  bool help = false;  // print help_text on stdout and exit 0
  std::string help_text;
  // vms, vm, hosts, host, switches, switch, interfaces, vlans, vlan, sessions, plan, changes,
  // audits, audit (the singular one when a NAME was given); "audit-run" for `audit run`.
  std::string what;
  std::string name;         // vm, host, switch: the name; vlan, audit: the id
  Query query;              // API filters, in the order given
  std::string switch_name;  // interfaces: --switch (empty: every switch)
  bool wait = false;        // audit run: --wait
};

using Env = std::function<std::optional<std::string>(const char* name)>;

// argv without the program name. `env` gives VMFABRIC_API and VMFABRIC_TOKEN; `now` turns
// relative times (`--since 2h`) into RFC 3339. Throws UsageError.
Invocation parse_args(const std::vector<std::string>& args, const Env& env,
                      std::chrono::system_clock::time_point now);

// The general help (`vmfabric --help`).
std::string general_help();

// ---- talking to the API ---------------------------------------------------------------------

struct ApiResponse {
  int status = 0;
  std::string body;
};
// GETs a target ("/api/v1/vms?host=x", with the URL's prefix already added by the fetcher).
// Throws what it likes (the caller reports HttpError as "cannot reach ...").
using Fetch = std::function<ApiResponse(const std::string& target)>;

std::string percent_encode(std::string_view s);
// The first target of an invocation ("/api/v1/vms?host=esx-a1"), without paging parameters.
std::string api_target(const Invocation& inv);

// The message for an API answer that is not 200: 401 says how to get a token, 403 which role,
// 404 the API's `detail` ("no VM named ..."), others the status and the problem's `detail`.
std::string api_error_message(const Options& options, int status, const std::string& body);

// POSTs a JSON `body` to a target, as Fetch GETs.
using Post = std::function<ApiResponse(const std::string& target, const std::string& body)>;

// How `audit run --wait` follows the audit: GET it every `poll` until it ended, giving up after
// `timeout` (counted in polls).
struct Follow {
  std::chrono::milliseconds poll{200};
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};
  std::function<void(std::chrono::milliseconds)> sleep;
};

// `vmfabric audit run [--wait]`: starts a drift audit and prints its id; with --wait follows it
// until it ends and prints it as `show audits ID` does. Returns the exit code: 1 when the audit
// failed, else 0. Throws ApiError (refused, or still running after the timeout).
int run_audit(const Invocation& inv, const Fetch& fetch, const Post& post, const Follow& follow,
              std::ostream& out);

// Fetches what `inv` asks for (every page of a list, up to --limit) and writes it to `out`:
// the API's JSON with --json, else tables. Throws ApiError.
void run(const Invocation& inv, const Fetch& fetch, std::ostream& out);

// ---- tables ---------------------------------------------------------------------------------

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};
// Columns padded to their widest cell, two spaces apart, a dashed line under the header, no
// trailing spaces.
std::string format_table(const Table& table);

// A JSON value as a cell: null and "" are "-", booleans yes/no, times "2026-11-25 13:51:24".
std::string cell(const json& value);

// The rendering of each `what` from the (merged) JSON that `run` fetched: for lists
// {"items": [...], "total": N, "next_cursor": ...}; for interfaces of every switch the items
// carry "switch"; for sessions {"vcenters": list, "switches": list}; for audit one audit with
// its findings.
std::string render(const std::string& what, const json& data);

}  // namespace vmfabric::cli

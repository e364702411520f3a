// Log: the exact logfmt of format_line (quoting and escaping of every special character, typed
// fields, the timestamp), level parsing, and write() through a captured sink with level filtering.
#include "log/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "support/temp_dir.h"

namespace vmfabric::log {
namespace {

// Captures every line written while alive; restores the stderr sink and the info level after.
class Capture {
 public:
  Capture() {
    set_sink([this](std::string_view line) { lines.emplace_back(line); });
  }
  ~Capture() {
    reset_sink();
    set_level(Level::kInfo);
  }
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;

  std::vector<std::string> lines;
};

// "ts=YYYY-MM-DDTHH:MM:SS.mmmZ " : the shape of a real-clock timestamp prefix.
bool has_timestamp_prefix(const std::string& line) {
  const std::string shape = "ts=dddd-dd-ddTdd:dd:dd.dddZ ";
  if (line.size() < shape.size()) return false;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 'd') {
      if (line[i] < '0' || line[i] > '9') return false;
    } else if (line[i] != shape[i]) {
      return false;
    }
  }
  return true;
}

// The line without its timestamp prefix.
std::string untimed(const std::string& line) {
  REQUIRE(has_timestamp_prefix(line));
  return line.substr(std::string("ts=2023-11-14T22:13:20.123Z ").size());
}

}  // namespace

TEST_CASE("format_line without a timestamp", "[log]") {
  REQUIRE(format_line(-1, Level::kInfo, "store.migrated", {}) == "level=info event=store.migrated");
  REQUIRE(format_line(-1, Level::kInfo, "store.migrated", {{"from", 0}, {"to", 2}}) ==
          "level=info event=store.migrated from=0 to=2");
  REQUIRE(format_line(-1, Level::kDebug, "a", {}) == "level=debug event=a");
  REQUIRE(format_line(-1, Level::kWarn, "a", {}) == "level=warn event=a");
  REQUIRE(format_line(-1, Level::kError, "a", {}) == "level=error event=a");
  REQUIRE(format_line(-1, Level::kInfo, "switch.polled",
                      {{"switch", "leaf1"},
                       {"address", std::string("10.0.0.11")},
                       {"path", std::string_view("/a/b:c,d")}}) ==
          "level=info event=switch.polled switch=leaf1 address=10.0.0.11 path=/a/b:c,d");
}

TEST_CASE("format_line quotes and escapes values that need it", "[log]") {
  const auto line = [](std::string_view value) {
    return format_line(-1, Level::kInfo, "e", {{"k", value}});
  };
  REQUIRE(line("plain") == "level=info event=e k=plain");
  REQUIRE(line("") == "level=info event=e k=\"\"");
  REQUIRE(line("two words") == "level=info event=e k=\"two words\"");
  REQUIRE(line(" lead") == "level=info event=e k=\" lead\"");
  REQUIRE(line("say \"hi\"") == "level=info event=e k=\"say \\\"hi\\\"\"");
  REQUIRE(line("\"") == "level=info event=e k=\"\\\"\"");
  REQUIRE(line("a=b") == "level=info event=e k=\"a=b\"");
  REQUIRE(line("C:\\dir") == "level=info event=e k=\"C:\\\\dir\"");
  REQUIRE(line("line1\nline2") == "level=info event=e k=\"line1\\nline2\"");
  REQUIRE(line("cr\r") == "level=info event=e k=\"cr\\r\"");
  REQUIRE(line("tab\there") == "level=info event=e k=\"tab\\there\"");
  REQUIRE(line(std::string_view("nul\0x", 5)) == "level=info event=e k=\"nul\\x00x\"");
  REQUIRE(line("\x01") == "level=info event=e k=\"\\x01\"");
  REQUIRE(line("bell\x07") == "level=info event=e k=\"bell\\x07\"");
  REQUIRE(line("esc\x1b[0m") == "level=info event=e k=\"esc\\x1b[0m\"");
  REQUIRE(line("\x1f") == "level=info event=e k=\"\\x1f\"");
  // Printable punctuation, non-ASCII bytes and DEL need no quotes.
  REQUIRE(line("a,b;c:d/e[f]{g}'h'") == "level=info event=e k=a,b;c:d/e[f]{g}'h'");
  REQUIRE(line("caf\xc3\xa9") == "level=info event=e k=caf\xc3\xa9");
  REQUIRE(line("x\x7f") == "level=info event=e k=x\x7f");
  // Everything at once, in order.
  REQUIRE(line("a b=\"c\"\\\n") == "level=info event=e k=\"a b=\\\"c\\\"\\\\\\n\"");
}

TEST_CASE("format_line quotes the event like a value", "[log]") {
  REQUIRE(format_line(-1, Level::kWarn, "bad event", {}) == "level=warn event=\"bad event\"");
  REQUIRE(format_line(-1, Level::kWarn, "", {}) == "level=warn event=\"\"");
}

TEST_CASE("format_line renders integer, bool and double fields", "[log]") {
  REQUIRE(format_line(-1, Level::kInfo, "e",
                      {{"i", 42},
                       {"neg", -7},
                       {"zero", 0},
                       {"i64", std::int64_t{-9223372036854775807LL - 1}},
                       {"u64", std::uint64_t{18446744073709551615ULL}},
                       {"u16", std::uint16_t{65535}},
                       {"size", std::size_t{3}}}) ==
          "level=info event=e i=42 neg=-7 zero=0 i64=-9223372036854775808 "
          "u64=18446744073709551615 u16=65535 size=3");
  REQUIRE(format_line(-1, Level::kInfo, "e", {{"yes", true}, {"no", false}}) ==
          "level=info event=e yes=true no=false");
  REQUIRE(format_line(-1, Level::kInfo, "e",
                      {{"half", 0.5},
                       {"pi", 3.14159265358979},
                       {"neg", -2.25},
                       {"whole", 3.0},
                       {"big", 1e10},
                       {"small", 0.000012345}}) ==
          "level=info event=e half=0.5 pi=3.14159 neg=-2.25 whole=3 big=1e+10 small=1.2345e-05");
}

TEST_CASE("format_line with a timestamp", "[log]") {
  REQUIRE(format_line(1700000000123, Level::kInfo, "store.migrated", {{"from", 0}, {"to", 2}}) ==
          "ts=2023-11-14T22:13:20.123Z level=info event=store.migrated from=0 to=2");
  REQUIRE(format_line(0, Level::kError, "e", {}) ==
          "ts=1970-01-01T00:00:00.000Z level=error event=e");
  REQUIRE(format_line(1, Level::kInfo, "e", {}) ==
          "ts=1970-01-01T00:00:00.001Z level=info event=e");
  REQUIRE(format_line(999, Level::kInfo, "e", {}) ==
          "ts=1970-01-01T00:00:00.999Z level=info event=e");
  REQUIRE(format_line(1000, Level::kInfo, "e", {}) ==
          "ts=1970-01-01T00:00:01.000Z level=info event=e");
  // Leap day, end of a year.
  REQUIRE(format_line(951782400050, Level::kInfo, "e", {}) ==
          "ts=2000-02-29T00:00:00.050Z level=info event=e");
  REQUIRE(format_line(1704067199999, Level::kInfo, "e", {}) ==
          "ts=2023-12-31T23:59:59.999Z level=info event=e");
}

TEST_CASE("parse_level accepts exactly the four level names", "[log]") {
  Level l = Level::kError;
  REQUIRE(parse_level("debug", l));
  REQUIRE(l == Level::kDebug);
  REQUIRE(parse_level("info", l));
  REQUIRE(l == Level::kInfo);
  REQUIRE(parse_level("warn", l));
  REQUIRE(l == Level::kWarn);
  REQUIRE(parse_level("error", l));
  REQUIRE(l == Level::kError);
  l = Level::kWarn;
  REQUIRE_FALSE(parse_level("", l));
  REQUIRE_FALSE(parse_level("INFO", l));
  REQUIRE_FALSE(parse_level("warning", l));
  REQUIRE_FALSE(parse_level("info ", l));
  REQUIRE(l == Level::kWarn);  // untouched on failure
}

TEST_CASE("write sends lines at or above the level to the sink", "[log]") {
  Capture capture;
  set_level(Level::kInfo);
  debug("dropped.debug", {{"k", 1}});
  info("kept.info", {{"k", "v w"}});
  warn("kept.warn");
  error("kept.error", {{"ok", false}});
  REQUIRE(capture.lines.size() == 3);
  REQUIRE(untimed(capture.lines[0]) == "level=info event=kept.info k=\"v w\"");
  REQUIRE(untimed(capture.lines[1]) == "level=warn event=kept.warn");
  REQUIRE(untimed(capture.lines[2]) == "level=error event=kept.error ok=false");

  capture.lines.clear();
  set_level(Level::kDebug);
  debug("now.kept", {{"n", 7}});
  write(Level::kInfo, "via.write", {{"x", 1.5}});
  REQUIRE(capture.lines.size() == 2);
  REQUIRE(untimed(capture.lines[0]) == "level=debug event=now.kept n=7");
  REQUIRE(untimed(capture.lines[1]) == "level=info event=via.write x=1.5");

  capture.lines.clear();
  set_level(Level::kError);
  debug("d");
  info("i");
  warn("w");
  error("e");
  REQUIRE(capture.lines.size() == 1);
  REQUIRE(untimed(capture.lines[0]) == "level=error event=e");

  capture.lines.clear();
  set_level(Level::kWarn);
  info("i");
  warn("w");
  REQUIRE(capture.lines.size() == 1);
  REQUIRE(untimed(capture.lines[0]) == "level=warn event=w");
}

TEST_CASE("The timestamp of a written line is the current time", "[log]") {
  Capture capture;
  info("clock");
  REQUIRE(capture.lines.size() == 1);
  const std::string& line = capture.lines[0];
  REQUIRE(has_timestamp_prefix(line));
  // Years 2020-2099: a real clock, not zero or a raw second count.
  REQUIRE(line.substr(0, 5) == "ts=20");
  REQUIRE(line.substr(5, 2) >= "20");
  REQUIRE(line.substr(line.find(' ')) == " level=info event=clock");
}

TEST_CASE("reset_sink stops delivering to the captured sink and restores stderr", "[log]") {
  std::vector<std::string> lines;
  set_sink([&lines](std::string_view l) { lines.emplace_back(l); });
  set_level(Level::kInfo);
  info("before");
  reset_sink();

  // After reset_sink the line goes to stderr, with a newline: capture fd 2 in a file.
  testing::TempDir dir;
  const std::string path = dir.file("stderr.txt");
  std::fflush(stderr);
  const int saved = ::dup(2);
  REQUIRE(saved >= 0);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(::dup2(fd, 2) == 2);
  ::close(fd);
  info("after.reset", {{"k", "v"}});
  std::fflush(stderr);
  REQUIRE(::dup2(saved, 2) == 2);
  ::close(saved);

  std::ifstream in(path);
  const std::string written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(lines.size() == 1);
  REQUIRE(untimed(lines[0]) == "level=info event=before");
  REQUIRE(written.size() > 1);
  REQUIRE(written.back() == '\n');
  REQUIRE(written.find('\n') == written.size() - 1);  // exactly one line
  REQUIRE(untimed(written.substr(0, written.size() - 1)) == "level=info event=after.reset k=v");

  // A replaced sink gets the lines from then on; the old one no more.
  std::vector<std::string> first, second;
  set_sink([&first](std::string_view l) { first.emplace_back(l); });
  info("one");
  set_sink([&second](std::string_view l) { second.emplace_back(l); });
  info("two");
  reset_sink();
  REQUIRE(first.size() == 1);
  REQUIRE(second.size() == 1);
  REQUIRE(untimed(first[0]) == "level=info event=one");
  REQUIRE(untimed(second[0]) == "level=info event=two");
}

}  // namespace vmfabric::log

// Structured logging: one line per event, logfmt (`ts=… level=info event=store.migrated from=0
// to=2`), to stderr by default. Events are dotted names; fields are key=value pairs, quoted when
// needed. Secrets never reach a log: credentials are not printable types (see config/secret.h).
// Thread-safe: lines from different threads never interleave.
#pragma once

#include <concepts>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

namespace vmfabric::log {

enum class Level { kDebug, kInfo, kWarn, kError };

struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false") {}
  template <std::integral I>
  Field(std::string_view k, I v) : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, double v);

  std::string_view key;
  std::string value;
};

using Fields = std::initializer_list<Field>;

// Lines below `level` are dropped. Default: kInfo.
void set_level(Level level);
bool parse_level(std::string_view text, Level& out);
// Where lines go (each without its trailing newline). Default: stderr. Tests capture with this.
void set_sink(std::function<void(std::string_view line)> sink);
void reset_sink();

void write(Level level, std::string_view event, Fields fields);
// Whether lines at `level` are written: lets a hot path skip building the fields of a dropped
// line.
bool enabled(Level level);
inline void debug(std::string_view event, Fields fields = {}) {
  write(Level::kDebug, event, fields);
}
inline void info(std::string_view event, Fields fields = {}) { write(Level::kInfo, event, fields); }
inline void warn(std::string_view event, Fields fields = {}) { write(Level::kWarn, event, fields); }
inline void error(std::string_view event, Fields fields = {}) {
  write(Level::kError, event, fields);
}

// Formats one line (without the timestamp when `unix_ms` < 0); exposed for tests.
std::string format_line(long long unix_ms, Level level, std::string_view event, Fields fields);

}  // namespace vmfabric::log

// Times on the wire: RFC 3339 in UTC with milliseconds ("2026-11-25T13:51:24.881Z"), as the
// logs print them; the core keeps Unix milliseconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vmfabric::northbound::http {

std::string format_time(std::int64_t unix_ms);
// Parses RFC 3339 ("2026-11-25T13:51:24Z", "2026-11-25T13:51:24.881+01:00"; "t" and "z" in any
// case) into Unix milliseconds; nothing when it is not one.
std::optional<std::int64_t> parse_time(std::string_view text);

}  // namespace vmfabric::northbound::http

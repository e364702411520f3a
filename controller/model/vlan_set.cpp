#include "model/vlan_set.h"

#include <algorithm>
#include <cctype>
#include <iterator>

namespace vmfabric {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

[[noreturn]] void fail(std::string_view text, std::string_view token, std::string_view why) {
  throw VlanSetError("VLAN list \"" + std::string(text) + "\": bad token \"" + std::string(token) +
                     "\": " + std::string(why));
}

// Parses one VLAN number of `token` (already trimmed); `text` is the whole list for messages.
VlanId parse_id(std::string_view text, std::string_view token, std::string_view number) {
  number = trim(number);
  if (number.empty()) fail(text, token, "expected a VLAN id 1-4094 or a range like 10-20");
  long v = 0;
  for (char c : number) {
    if (c < '0' || c > '9') fail(text, token, "expected a VLAN id 1-4094 or a range like 10-20");
    if (v <= VlanId::kMax) v = v * 10 + (c - '0');  // stop growing once out of range
  }
  if (v < VlanId::kMin || v > VlanId::kMax) {
    fail(text, token, "VLAN " + std::string(number) + " is outside 1-4094");
  }
  return VlanId{static_cast<std::uint16_t>(v)};
}

void append_run(std::string& out, int first, int last) {
  if (!out.empty()) out += ',';
  out += std::to_string(first);
  if (last != first) {
    out += '-';
    out += std::to_string(last);
  }
}

// The first run starting after `v` (so the one before it, if any, is the last starting at or
// before `v`).
template <class Runs>
auto first_run_after(Runs& runs, std::uint16_t v) {
  return std::upper_bound(runs.begin(), runs.end(), v,
                          [](std::uint16_t x, const auto& r) { return x < r.first; });
}

}  // namespace

VlanId VlanId::checked(long v) {
  if (v < kMin || v > kMax) {
    throw VlanSetError("VLAN " + std::to_string(v) + " is outside 1-4094");
  }
  return VlanId{static_cast<std::uint16_t>(v)};
}

VlanSet VlanSet::parse(std::string_view text) {
  const std::string_view whole = trim(text);
  if (whole.empty()) {
    throw VlanSetError("VLAN list \"" + std::string(text) + "\": empty (write NONE for no VLANs)");
  }
  if (iequals(whole, "ALL")) return all();
  if (iequals(whole, "NONE")) return {};

  VlanSet out;
  std::size_t entry = 0;
  std::string_view rest = whole;
  while (true) {
    ++entry;
    const std::size_t comma = rest.find(',');
    const std::string_view token = trim(rest.substr(0, comma));
    if (token.empty()) {
      throw VlanSetError("VLAN list \"" + std::string(text) + "\": entry " + std::to_string(entry) +
                         " is empty");
    }
    if (iequals(token, "ALL") || iequals(token, "NONE")) {
      fail(text, token, "ALL and NONE must stand alone");
    }
    const std::size_t dash = token.find('-');
    if (dash == std::string_view::npos) {
      out.insert(parse_id(text, token, token));
    } else {
      const VlanId first = parse_id(text, token, token.substr(0, dash));
      const VlanId last = parse_id(text, token, token.substr(dash + 1));
      if (first > last) {
        fail(text, token,
             "range start " + std::to_string(first.value) + " is above its end " +
                 std::to_string(last.value));
      }
      out.insert_range(first, last);
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

VlanSet VlanSet::all() { return range(VlanId{VlanId::kMin}, VlanId{VlanId::kMax}); }

VlanSet VlanSet::range(VlanId first, VlanId last) {
  VlanSet s;
  s.insert_range(first, last);
  return s;
}

VlanSet VlanSet::of(std::initializer_list<int> ids) {
  VlanSet s;
  for (int id : ids) s.insert(VlanId::checked(id));
  return s;
}

bool VlanSet::contains(VlanId v) const {
  const auto after = first_run_after(runs_, v.value);
  return after != runs_.begin() && std::prev(after)->last >= v.value;
}

// In place, O(log n + merged runs): sets built one id at a time (parsers, tests) must not rebuild
// every run per id.
void VlanSet::insert_range(VlanId first, VlanId last) {
  int lo = first.value;
  int hi = last.value;
  // The first run that overlaps or touches [lo, hi] or lies after it.
  auto begin = std::lower_bound(runs_.begin(), runs_.end(), lo,
                                [](const Run& r, int x) { return r.last + 1 < x; });
  auto end = begin;
  for (; end != runs_.end() && end->first <= hi + 1; ++end) {
    lo = std::min<int>(lo, end->first);
    hi = std::max<int>(hi, end->last);
  }
  const Run merged{static_cast<std::uint16_t>(lo), static_cast<std::uint16_t>(hi)};
  if (begin == end) {
    runs_.insert(begin, merged);
  } else {
    *begin = merged;
    runs_.erase(std::next(begin), end);
  }
}

void VlanSet::erase(VlanId v) {
  const auto after = first_run_after(runs_, v.value);
  if (after == runs_.begin() || std::prev(after)->last < v.value) return;
  const auto run = std::prev(after);
  if (run->first == run->last) {
    runs_.erase(run);
  } else if (run->first == v.value) {
    ++run->first;
  } else if (run->last == v.value) {
    --run->last;
  } else {  // split
    const Run tail{static_cast<std::uint16_t>(v.value + 1), run->last};
    run->last = static_cast<std::uint16_t>(v.value - 1);
    runs_.insert(after, tail);
  }
}

std::size_t VlanSet::size() const {
  std::size_t n = 0;
  for (const Run& r : runs_) n += static_cast<std::size_t>(r.last - r.first) + 1;
  return n;
}

VlanSet& VlanSet::operator|=(const VlanSet& o) {
  if (o.runs_.empty()) return *this;
  if (runs_.empty()) {
    runs_ = o.runs_;
    return *this;
  }
  Runs out;
  out.reserve(runs_.size() + o.runs_.size());
  auto a = runs_.begin();
  auto b = o.runs_.begin();
  while (a != runs_.end() || b != o.runs_.end()) {
    const Run next = b == o.runs_.end() || (a != runs_.end() && a->first <= b->first) ? *a++ : *b++;
    // Overlapping or adjacent runs join.
    if (!out.empty() && next.first <= out.back().last + 1) {
      out.back().last = std::max(out.back().last, next.last);
    } else {
      out.push_back(next);
    }
  }
  runs_ = std::move(out);
  return *this;
}

bool VlanSet::is_subset_of(const VlanSet& other) const {
  // Each run must lie within one run of `other` (runs are disjoint and never adjacent).
  auto b = other.runs_.begin();
  for (const Run& a : runs_) {
    while (b != other.runs_.end() && b->last < a.first) ++b;
    if (b == other.runs_.end() || b->first > a.first || b->last < a.last) return false;
  }
  return true;
}

VlanSet& VlanSet::operator&=(const VlanSet& o) {
  Runs out;
  auto a = runs_.begin();
  auto b = o.runs_.begin();
  while (a != runs_.end() && b != o.runs_.end()) {
    const std::uint16_t lo = std::max(a->first, b->first);
    const std::uint16_t hi = std::min(a->last, b->last);
    if (lo <= hi) out.push_back({lo, hi});
    if (a->last < b->last) {
      ++a;
    } else {
      ++b;
    }
  }
  runs_ = std::move(out);
  return *this;
}

VlanSet& VlanSet::operator-=(const VlanSet& o) {
  if (runs_.empty() || o.runs_.empty()) return *this;
  Runs out;
  out.reserve(runs_.size() + o.runs_.size());
  auto b = o.runs_.begin();
  for (Run rest : runs_) {
    // Runs of `o` wholly before this one cannot touch it or any later one.
    while (b != o.runs_.end() && b->last < rest.first) ++b;
    bool gone = false;
    for (auto cut = b; cut != o.runs_.end() && cut->first <= rest.last; ++cut) {
      if (cut->first > rest.first)
        out.push_back({rest.first, static_cast<std::uint16_t>(cut->first - 1)});
      if (cut->last >= rest.last) {
        gone = true;
        break;
      }
      rest.first = static_cast<std::uint16_t>(cut->last + 1);
    }
    if (!gone) out.push_back(rest);
  }
  runs_ = std::move(out);
  return *this;
}

std::vector<std::pair<VlanId, VlanId>> VlanSet::ranges() const {
  std::vector<std::pair<VlanId, VlanId>> out;
  out.reserve(runs_.size());
  for (const Run& r : runs_) out.emplace_back(VlanId{r.first}, VlanId{r.last});
  return out;
}

std::vector<VlanId> VlanSet::ids() const {
  std::vector<VlanId> out;
  out.reserve(size());
  for (const Run& r : runs_) {
    for (int v = r.first; v <= r.last; ++v) out.push_back(VlanId{static_cast<std::uint16_t>(v)});
  }
  return out;
}

std::string VlanSet::to_range_list() const {
  std::string out;
  for (const auto& [first, last] : ranges()) append_run(out, first.value, last.value);
  return out;
}

std::string VlanSet::to_string() const {
  if (empty()) return "NONE";
  if (is_all()) return "ALL";
  return to_range_list();
}

}  // namespace vmfabric

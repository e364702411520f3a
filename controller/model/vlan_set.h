// VlanSet: a set of 802.1Q VLAN ids (1-4094) with cheap set algebra and the EOS range syntax
// ("1-5,10", "ALL", "NONE") used by `switchport trunk allowed vlan` and `show` outputs.
#pragma once

// GCC 12 sees a false -Wstringop-overread in small_vector's inlined copy (clang has no such
// warning and would reject the unknown name).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-overread"
#endif
#include <boost/container/small_vector.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/error.h"

namespace vmfabric {

// A VLAN id, always within 1-4094 once constructed through `VlanId::checked`.
struct VlanId {
  static constexpr int kMin = 1;
  static constexpr int kMax = 4094;

  std::uint16_t value = 0;

  // Throws VlanSetError when `v` is outside 1-4094.
  static VlanId checked(long v);
  auto operator<=>(const VlanId&) const = default;
};

class VlanSetError : public Error {
 public:
  using Error::Error;
};

class VlanSet {
 public:
  VlanSet() = default;

  // Parses EOS syntax: comma-separated ids and ranges ("1-5, 10"), or "ALL" / "NONE" (any case).
  // Whitespace around tokens is ignored. Throws VlanSetError naming the offending token.
  static VlanSet parse(std::string_view text);
  static VlanSet all();
  static VlanSet range(VlanId first, VlanId last);
  static VlanSet of(std::initializer_list<int> ids);

  bool contains(VlanId v) const;
  void insert(VlanId v) { insert_range(v, v); }
  void erase(VlanId v);
  void insert_range(VlanId first, VlanId last);

  bool empty() const { return runs_.empty(); }
  std::size_t size() const;
  bool is_all() const {
    return runs_.size() == 1 && runs_[0].first == VlanId::kMin && runs_[0].last == VlanId::kMax;
  }
  bool is_subset_of(const VlanSet& other) const;  // without allocating: the diff asks often

  VlanSet& operator|=(const VlanSet& o);
  VlanSet& operator&=(const VlanSet& o);
  VlanSet& operator-=(const VlanSet& o);
  friend VlanSet operator|(VlanSet a, const VlanSet& b) { return a |= b; }
  friend VlanSet operator&(VlanSet a, const VlanSet& b) { return a &= b; }
  friend VlanSet operator-(VlanSet a, const VlanSet& b) { return a -= b; }
  bool operator==(const VlanSet&) const = default;

  // Maximal runs of consecutive ids, ascending.
  std::vector<std::pair<VlanId, VlanId>> ranges() const;
  std::vector<VlanId> ids() const;

  // Compressed range list ("1-5,10"); "NONE" when empty and "ALL" when it holds 1-4094, as EOS
  // prints `trunkAllowedVlans`.
  std::string to_string() const;
  // Compressed range list without the ALL/NONE keywords ("" when empty), for commands such as
  // `switchport trunk allowed vlan add 100-120,130`.
  std::string to_range_list() const;

 private:
  // Maximal runs of consecutive ids, ascending, disjoint and never adjacent (so equal sets have
  // equal runs). A trunk's "1-4094" is one run: sets cost a few bytes, not a 4094-bit map, which
  // matters with one per switch port and per planned interface.
  struct Run {
    std::uint16_t first = 0;
    std::uint16_t last = 0;
    bool operator==(const Run&) const = default;
  };
  // Up to two runs in place: most sets (a portgroup's VLAN, a trunk's range) never allocate.
  using Runs = boost::container::small_vector<Run, 2>;
  Runs runs_;
};

}  // namespace vmfabric

// VlanSet: a set of 802.1Q VLAN ids (1-4094) with cheap set algebra and the EOS range syntax
// ("1-5,10", "ALL", "NONE") used by `switchport trunk allowed vlan` and `show` outputs.
#pragma once

#include <bitset>
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

  bool contains(VlanId v) const { return bits_.test(v.value); }
  void insert(VlanId v) { bits_.set(v.value); }
  void erase(VlanId v) { bits_.reset(v.value); }
  void insert_range(VlanId first, VlanId last);

  bool empty() const { return bits_.none(); }
  std::size_t size() const { return bits_.count(); }
  bool is_all() const { return size() == VlanId::kMax; }
  bool is_subset_of(const VlanSet& other) const { return (bits_ & ~other.bits_).none(); }

  VlanSet& operator|=(const VlanSet& o) {
    bits_ |= o.bits_;
    return *this;
  }
  VlanSet& operator&=(const VlanSet& o) {
    bits_ &= o.bits_;
    return *this;
  }
  VlanSet& operator-=(const VlanSet& o) {
    bits_ &= ~o.bits_;
    return *this;
  }
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
  std::bitset<4096> bits_;  // bit i = VLAN i; bits 0 and 4095 are never set
};

}  // namespace vmfabric

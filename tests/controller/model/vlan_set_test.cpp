// VlanSet: the EOS range syntax both ways (canonical output, tolerant input, every malformed form
// with its exact message), checked against a plain std::set reference on thousands of random
// sets, plus set algebra and the 1/4094 edges.
#include "model/vlan_set.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace vmfabric {
namespace {

using Ranges = std::vector<std::pair<int, int>>;

VlanId vid(int v) { return VlanId::checked(v); }

Ranges ranges_of(const VlanSet& s) {
  Ranges out;
  for (const auto& [first, last] : s.ranges()) out.emplace_back(first.value, last.value);
  return out;
}

std::vector<int> ids_of(const VlanSet& s) {
  std::vector<int> out;
  for (VlanId v : s.ids()) out.push_back(v.value);
  return out;
}

VlanSet from(const std::set<int>& ids) {
  VlanSet s;
  for (int v : ids) s.insert(vid(v));
  return s;
}

// The reference rendering, written independently of VlanSet: maximal runs of the sorted ids.
Ranges reference_runs(const std::set<int>& ids) {
  Ranges out;
  for (int v : ids) {
    if (!out.empty() && out.back().second + 1 == v) {
      out.back().second = v;
    } else {
      out.emplace_back(v, v);
    }
  }
  return out;
}

std::string reference_list(const std::set<int>& ids) {
  std::string out;
  for (const auto& [first, last] : reference_runs(ids)) {
    if (!out.empty()) out += ",";
    out += std::to_string(first);
    if (last != first) out += "-" + std::to_string(last);
  }
  return out;
}

// A random set: a few random runs and single ids, with a density that varies between sets.
std::set<int> random_ids(std::mt19937& rng) {
  std::uniform_int_distribution<int> shape(0, 5);
  std::uniform_int_distribution<int> id(VlanId::kMin, VlanId::kMax);
  std::set<int> out;
  switch (shape(rng)) {
    case 0:  // empty or nearly
      if (rng() % 2 == 0) out.insert(id(rng));
      break;
    case 1: {  // sparse singles
      const int n = std::uniform_int_distribution<int>(1, 20)(rng);
      for (int i = 0; i < n; ++i) out.insert(id(rng));
      break;
    }
    case 2: {  // a few runs
      const int n = std::uniform_int_distribution<int>(1, 8)(rng);
      for (int i = 0; i < n; ++i) {
        const int first = id(rng);
        const int len = std::uniform_int_distribution<int>(1, 300)(rng);
        for (int v = first; v <= VlanId::kMax && v < first + len; ++v) out.insert(v);
      }
      break;
    }
    case 3: {  // dense: every id with probability p
      const double p = std::uniform_real_distribution<double>(0.05, 0.95)(rng);
      std::bernoulli_distribution keep(p);
      for (int v = VlanId::kMin; v <= VlanId::kMax; ++v) {
        if (keep(rng)) out.insert(v);
      }
      break;
    }
    case 4: {  // everything but a few holes (close to ALL)
      for (int v = VlanId::kMin; v <= VlanId::kMax; ++v) out.insert(v);
      const int holes = std::uniform_int_distribution<int>(1, 5)(rng);
      for (int i = 0; i < holes; ++i) out.erase(id(rng));
      break;
    }
    default: {  // runs touching the edges 1 and 4094
      const int lo = std::uniform_int_distribution<int>(1, 50)(rng);
      const int hi = std::uniform_int_distribution<int>(4040, 4094)(rng);
      for (int v = 1; v <= lo; ++v) out.insert(v);
      for (int v = hi; v <= 4094; ++v) out.insert(v);
      break;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("VlanId::checked accepts exactly 1-4094", "[vlan_set]") {
  REQUIRE(VlanId::checked(1).value == 1);
  REQUIRE(VlanId::checked(2).value == 2);
  REQUIRE(VlanId::checked(100).value == 100);
  REQUIRE(VlanId::checked(4093).value == 4093);
  REQUIRE(VlanId::checked(4094).value == 4094);
  REQUIRE_THROWS_AS(VlanId::checked(0), VlanSetError);
  REQUIRE_THROWS_WITH(VlanId::checked(0), "VLAN 0 is outside 1-4094");
  REQUIRE_THROWS_WITH(VlanId::checked(-1), "VLAN -1 is outside 1-4094");
  REQUIRE_THROWS_WITH(VlanId::checked(4095), "VLAN 4095 is outside 1-4094");
  REQUIRE_THROWS_WITH(VlanId::checked(65536 + 100), "VLAN 65636 is outside 1-4094");
  REQUIRE_THROWS_WITH(VlanId::checked(99999999L), "VLAN 99999999 is outside 1-4094");
  REQUIRE(VlanId::checked(5) < VlanId::checked(6));
  REQUIRE(VlanId::checked(7) == VlanId::checked(7));
}

TEST_CASE("VlanSet canonical rendering", "[vlan_set]") {
  REQUIRE(VlanSet().to_string() == "NONE");
  REQUIRE(VlanSet().to_range_list() == "");
  REQUIRE(VlanSet::all().to_string() == "ALL");
  REQUIRE(VlanSet::all().to_range_list() == "1-4094");
  REQUIRE(VlanSet::of({1}).to_string() == "1");
  REQUIRE(VlanSet::of({4094}).to_string() == "4094");
  REQUIRE(VlanSet::of({1, 4094}).to_string() == "1,4094");
  REQUIRE(VlanSet::of({10, 1, 2, 3, 4, 5}).to_string() == "1-5,10");
  REQUIRE(VlanSet::of({10, 1, 2, 3, 4, 5}).to_range_list() == "1-5,10");
  REQUIRE(VlanSet::of({7, 8}).to_string() == "7-8");
  REQUIRE(VlanSet::of({5, 7, 9}).to_string() == "5,7,9");
  REQUIRE(VlanSet::range(vid(100), vid(3999)).to_string() == "100-3999");
  REQUIRE(VlanSet::range(vid(1), vid(4093)).to_string() == "1-4093");
  REQUIRE(VlanSet::range(vid(2), vid(4094)).to_string() == "2-4094");
  REQUIRE(VlanSet::range(vid(2), vid(4094)).to_range_list() == "2-4094");

  // ALL is exactly 1-4094 however it was built.
  VlanSet built;
  built.insert_range(vid(1), vid(2000));
  built.insert_range(vid(2001), vid(4094));
  REQUIRE(built.is_all());
  REQUIRE(built == VlanSet::all());
  REQUIRE(built.to_string() == "ALL");
  built.erase(vid(4094));
  REQUIRE_FALSE(built.is_all());
  REQUIRE(built.to_string() == "1-4093");
  built.erase(vid(1));
  REQUIRE(built.to_string() == "2-4093");
  built.erase(vid(2000));
  REQUIRE(built.to_string() == "2-1999,2001-4093");
  REQUIRE(built.to_range_list() == "2-1999,2001-4093");
}

TEST_CASE("VlanSet parses single ids, runs and keywords", "[vlan_set]") {
  REQUIRE(VlanSet::parse("1") == VlanSet::of({1}));
  REQUIRE(VlanSet::parse("4094") == VlanSet::of({4094}));
  REQUIRE(VlanSet::parse("1-5,10") == VlanSet::of({1, 2, 3, 4, 5, 10}));
  REQUIRE(VlanSet::parse("10,1-5") == VlanSet::of({1, 2, 3, 4, 5, 10}));
  REQUIRE(VlanSet::parse("5-5") == VlanSet::of({5}));
  REQUIRE(VlanSet::parse("1-4094") == VlanSet::all());
  REQUIRE(VlanSet::parse("1-4094").to_string() == "ALL");
  REQUIRE(VlanSet::parse("1-3,2-6") == VlanSet::range(vid(1), vid(6)));  // overlaps merge
  REQUIRE(VlanSet::parse("3,3,3") == VlanSet::of({3}));
  REQUIRE(VlanSet::parse("007") == VlanSet::of({7}));
  REQUIRE(VlanSet::parse("100-3999") == VlanSet::range(vid(100), vid(3999)));
  REQUIRE(VlanSet::parse("100-3999").size() == 3900);

  REQUIRE(VlanSet::parse("ALL") == VlanSet::all());
  REQUIRE(VlanSet::parse("all") == VlanSet::all());
  REQUIRE(VlanSet::parse("All") == VlanSet::all());
  REQUIRE(VlanSet::parse("aLl") == VlanSet::all());
  REQUIRE(VlanSet::parse("NONE") == VlanSet());
  REQUIRE(VlanSet::parse("none") == VlanSet());
  REQUIRE(VlanSet::parse("None") == VlanSet());
  REQUIRE(VlanSet::parse("nOnE").empty());
  REQUIRE(VlanSet::parse("  all  ").is_all());
  REQUIRE(VlanSet::parse("\tNONE\n").empty());
}

TEST_CASE("VlanSet parse tolerates whitespace around tokens", "[vlan_set]") {
  const VlanSet want = VlanSet::of({1, 2, 3, 4, 5, 10});
  REQUIRE(VlanSet::parse(" 1 - 5 , 10 ") == want);
  REQUIRE(VlanSet::parse("1-5, 10") == want);
  REQUIRE(VlanSet::parse("1 -5 ,10") == want);
  REQUIRE(VlanSet::parse("\t1-\t5,\n10\n") == want);
  REQUIRE(VlanSet::parse(" 1 - 5 , 10 ").to_string() == "1-5,10");
}

TEST_CASE("VlanSet round trips through its text form", "[vlan_set]") {
  SECTION("every single id") {
    for (int v = VlanId::kMin; v <= VlanId::kMax; ++v) {
      const VlanSet s = VlanSet::of({v});
      const std::string text = s.to_string();
      REQUIRE(text == std::to_string(v));
      REQUIRE(VlanSet::parse(text) == s);
      REQUIRE(s.size() == 1);
    }
  }
  SECTION("runs from every start, including those touching 1 and 4094") {
    for (int first = VlanId::kMin; first <= VlanId::kMax; first += 7) {
      for (int len : {2, 3, 50, 4094}) {
        const int last = std::min(first + len - 1, VlanId::kMax);
        const VlanSet s = VlanSet::range(vid(first), vid(last));
        const std::string text = s.to_string();
        if (first == 1 && last == 4094) {
          REQUIRE(text == "ALL");
        } else if (first == last) {
          REQUIRE(text == std::to_string(first));
        } else {
          REQUIRE(text == std::to_string(first) + "-" + std::to_string(last));
        }
        REQUIRE(VlanSet::parse(text) == s);
        REQUIRE(VlanSet::parse(s.to_range_list()) == s);
        REQUIRE(s.size() == static_cast<std::size_t>(last - first + 1));
      }
    }
  }
  SECTION("ALL and NONE") {
    REQUIRE(VlanSet::parse(VlanSet::all().to_string()) == VlanSet::all());
    REQUIRE(VlanSet::parse(VlanSet::all().to_range_list()) == VlanSet::all());
    REQUIRE(VlanSet::parse(VlanSet().to_string()) == VlanSet());
  }
  SECTION("random sets against a std::set reference") {
    std::mt19937 rng(20240611);
    int nonempty = 0;
    for (int i = 0; i < 800; ++i) {
      const std::set<int> ids = random_ids(rng);
      const VlanSet s = from(ids);
      INFO("set #" << i << " with " << ids.size() << " ids");
      REQUIRE(s.size() == ids.size());
      REQUIRE(s.empty() == ids.empty());
      REQUIRE(s.is_all() == (ids.size() == 4094));
      REQUIRE(ids_of(s) == std::vector<int>(ids.begin(), ids.end()));
      REQUIRE(ranges_of(s) == reference_runs(ids));
      const std::string list = reference_list(ids);
      REQUIRE(s.to_range_list() == list);
      REQUIRE(s.to_string() == (ids.empty()          ? std::string("NONE")
                                : ids.size() == 4094 ? std::string("ALL")
                                                     : list));
      REQUIRE(VlanSet::parse(s.to_string()) == s);
      if (!ids.empty()) {
        ++nonempty;
        REQUIRE(VlanSet::parse(s.to_range_list()) == s);
      }
    }
    REQUIRE(nonempty > 650);
  }
}

TEST_CASE("VlanSet ranges() and ids()", "[vlan_set]") {
  REQUIRE(VlanSet().ranges().empty());
  REQUIRE(VlanSet().ids().empty());
  REQUIRE(ranges_of(VlanSet::all()) == Ranges{{1, 4094}});
  REQUIRE(VlanSet::all().ids().size() == 4094);
  REQUIRE(VlanSet::all().ids().front() == vid(1));
  REQUIRE(VlanSet::all().ids().back() == vid(4094));
  REQUIRE(ranges_of(VlanSet::parse("1,3-4,4094")) == Ranges{{1, 1}, {3, 4}, {4094, 4094}});
  REQUIRE(ids_of(VlanSet::parse("1,3-4,4094")) == std::vector<int>{1, 3, 4, 4094});
  REQUIRE(ranges_of(VlanSet::parse("4093-4094")) == Ranges{{4093, 4094}});
  REQUIRE(ranges_of(VlanSet::parse("1-2")) == Ranges{{1, 2}});
  REQUIRE(ranges_of(VlanSet::parse("10-20,21-30")) == Ranges{{10, 30}});
  REQUIRE(ranges_of(VlanSet::parse("30,10-20,22")) == Ranges{{10, 20}, {22, 22}, {30, 30}});
}

TEST_CASE("VlanSet contains, insert and erase at the edges", "[vlan_set]") {
  VlanSet s;
  REQUIRE_FALSE(s.contains(vid(1)));
  REQUIRE_FALSE(s.contains(vid(4094)));
  s.insert(vid(1));
  s.insert(vid(4094));
  REQUIRE(s.contains(vid(1)));
  REQUIRE(s.contains(vid(4094)));
  REQUIRE_FALSE(s.contains(vid(2)));
  REQUIRE_FALSE(s.contains(vid(4093)));
  REQUIRE(s.size() == 2);
  REQUIRE(s.to_string() == "1,4094");
  s.insert(vid(1));  // idempotent
  REQUIRE(s.size() == 2);
  s.erase(vid(1));
  REQUIRE_FALSE(s.contains(vid(1)));
  REQUIRE(s.contains(vid(4094)));
  REQUIRE(s.to_string() == "4094");
  s.erase(vid(1));  // erasing an absent id changes nothing
  REQUIRE(s.size() == 1);
  s.erase(vid(4094));
  REQUIRE(s.empty());
  REQUIRE(s == VlanSet());

  const VlanSet all = VlanSet::all();
  REQUIRE(all.contains(vid(1)));
  REQUIRE(all.contains(vid(4094)));
  REQUIRE(all.size() == 4094);

  VlanSet r = VlanSet::range(vid(4090), vid(4094));
  REQUIRE(r.size() == 5);
  REQUIRE(r.contains(vid(4090)));
  REQUIRE_FALSE(r.contains(vid(4089)));
  r.insert_range(vid(1), vid(3));
  REQUIRE(r.to_string() == "1-3,4090-4094");
  r.insert_range(vid(9), vid(8));  // reversed: nothing
  REQUIRE(r.size() == 8);

  REQUIRE(VlanSet::of({}).empty());
  REQUIRE_THROWS_WITH(VlanSet::of({1, 0}), "VLAN 0 is outside 1-4094");
  REQUIRE_THROWS_WITH(VlanSet::of({4095}), "VLAN 4095 is outside 1-4094");
}

TEST_CASE("VlanSet set algebra", "[vlan_set]") {
  const VlanSet a = VlanSet::parse("1-10,20,4094");
  const VlanSet b = VlanSet::parse("5-15,4094");
  REQUIRE((a | b).to_string() == "1-15,20,4094");
  REQUIRE((a & b).to_string() == "5-10,4094");
  REQUIRE((a - b).to_string() == "1-4,20");
  REQUIRE((b - a).to_string() == "11-15");
  REQUIRE((a | b).size() == 17);
  REQUIRE((a & b).size() == 7);
  REQUIRE((a - b).size() == 5);

  REQUIRE((a | VlanSet()) == a);
  REQUIRE((a & VlanSet()).empty());
  REQUIRE((a - VlanSet()) == a);
  REQUIRE((a - a).empty());
  REQUIRE((a | VlanSet::all()).is_all());
  REQUIRE((a & VlanSet::all()) == a);
  REQUIRE((VlanSet::all() - a).to_string() == "11-19,21-4093");
  REQUIRE((VlanSet::all() - a).size() == 4094 - 12);

  VlanSet c = a;
  c |= b;
  REQUIRE(c == (a | b));
  c &= VlanSet::parse("10-4094");
  REQUIRE(c.to_string() == "10-15,20,4094");
  c -= VlanSet::parse("4094");
  REQUIRE(c.to_string() == "10-15,20");
  // The operands are unchanged by the binary operators.
  REQUIRE(a.to_string() == "1-10,20,4094");
  REQUIRE(b.to_string() == "5-15,4094");

  REQUIRE(VlanSet().is_subset_of(VlanSet()));
  REQUIRE(VlanSet().is_subset_of(a));
  REQUIRE(a.is_subset_of(a));
  REQUIRE(a.is_subset_of(VlanSet::all()));
  REQUIRE((a & b).is_subset_of(a));
  REQUIRE((a & b).is_subset_of(b));
  REQUIRE_FALSE(a.is_subset_of(b));
  REQUIRE_FALSE(b.is_subset_of(a));
  REQUIRE_FALSE(VlanSet::all().is_subset_of(a));
  REQUIRE_FALSE(VlanSet::of({4094}).is_subset_of(VlanSet::range(vid(1), vid(4093))));
  REQUIRE_FALSE(VlanSet::of({1}).is_subset_of(VlanSet::range(vid(2), vid(4094))));
  REQUIRE(VlanSet::of({1, 4094}).is_subset_of(VlanSet::parse("1,4094")));
}

TEST_CASE("VlanSet set algebra agrees with std::set on random sets", "[vlan_set]") {
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {
    const std::set<int> x = random_ids(rng);
    const std::set<int> y = random_ids(rng);
    std::set<int> uni = x, inter, diff;
    uni.insert(y.begin(), y.end());
    for (int v : x) {
      if (y.count(v) != 0) {
        inter.insert(v);
      } else {
        diff.insert(v);
      }
    }
    const VlanSet a = from(x);
    const VlanSet b = from(y);
    INFO("pair #" << i);
    REQUIRE((a | b) == from(uni));
    REQUIRE((a & b) == from(inter));
    REQUIRE((a - b) == from(diff));
    REQUIRE((a | b).size() == uni.size());
    REQUIRE((a & b).size() == inter.size());
    REQUIRE((a - b).size() == diff.size());
    REQUIRE(a.is_subset_of(b) == diff.empty());
    REQUIRE((a & b).is_subset_of(a));
    REQUIRE(b.is_subset_of(a | b));
    if (!x.empty()) {  // one id short of a subset, at either end or in the middle
      for (const int missing : {*x.begin(), *x.rbegin(), *std::next(x.begin(), x.size() / 2)}) {
        std::set<int> less = uni;
        less.erase(missing);
        REQUIRE_FALSE(a.is_subset_of(from(less)));
      }
    }
    REQUIRE(VlanSet::parse((a | b).to_string()) == (a | b));
  }
}

TEST_CASE("VlanSet parse rejects empty lists and empty entries", "[vlan_set]") {
  REQUIRE_THROWS_AS(VlanSet::parse(""), VlanSetError);
  REQUIRE_THROWS_WITH(VlanSet::parse(""), "VLAN list \"\": empty (write NONE for no VLANs)");
  REQUIRE_THROWS_WITH(VlanSet::parse("   "), "VLAN list \"   \": empty (write NONE for no VLANs)");
  REQUIRE_THROWS_WITH(VlanSet::parse("\t\n"),
                      "VLAN list \"\t\n\": empty (write NONE for no VLANs)");
  REQUIRE_THROWS_AS(VlanSet::parse("1,,2"), VlanSetError);
  REQUIRE_THROWS_WITH(VlanSet::parse("1,,2"), "VLAN list \"1,,2\": entry 2 is empty");
  REQUIRE_THROWS_WITH(VlanSet::parse("1,"), "VLAN list \"1,\": entry 2 is empty");
  REQUIRE_THROWS_WITH(VlanSet::parse(",1"), "VLAN list \",1\": entry 1 is empty");
  REQUIRE_THROWS_WITH(VlanSet::parse(","), "VLAN list \",\": entry 1 is empty");
  REQUIRE_THROWS_WITH(VlanSet::parse("1,2,3, ,5"), "VLAN list \"1,2,3, ,5\": entry 4 is empty");
}

TEST_CASE("VlanSet parse rejects non-numeric tokens", "[vlan_set]") {
  const auto bad = [](const std::string& list, const std::string& token) {
    return "VLAN list \"" + list + "\": bad token \"" + token +
           "\": expected a VLAN id 1-4094 or a range like 10-20";
  };
  REQUIRE_THROWS_AS(VlanSet::parse("abc"), VlanSetError);
  REQUIRE_THROWS_WITH(VlanSet::parse("abc"), bad("abc", "abc"));
  REQUIRE_THROWS_WITH(VlanSet::parse("1-5,abc"), bad("1-5,abc", "abc"));
  REQUIRE_THROWS_WITH(VlanSet::parse("1a"), bad("1a", "1a"));
  REQUIRE_THROWS_WITH(VlanSet::parse("-5"), bad("-5", "-5"));
  REQUIRE_THROWS_WITH(VlanSet::parse("5-"), bad("5-", "5-"));
  REQUIRE_THROWS_WITH(VlanSet::parse("1--5"), bad("1--5", "1--5"));
  REQUIRE_THROWS_WITH(VlanSet::parse("+5"), bad("+5", "+5"));
  REQUIRE_THROWS_WITH(VlanSet::parse("1.5"), bad("1.5", "1.5"));
  REQUIRE_THROWS_WITH(VlanSet::parse("-"), bad("-", "-"));
  REQUIRE_THROWS_WITH(VlanSet::parse("1-2-3"), bad("1-2-3", "1-2-3"));
  REQUIRE_THROWS_WITH(VlanSet::parse("1 2"), bad("1 2", "1 2"));
  REQUIRE_THROWS_WITH(VlanSet::parse("0x10"), bad("0x10", "0x10"));
  // The token is named trimmed, the list as written.
  REQUIRE_THROWS_WITH(VlanSet::parse(" 10 , x1 "), bad(" 10 , x1 ", "x1"));
  REQUIRE_THROWS_WITH(VlanSet::parse("vlan10"), bad("vlan10", "vlan10"));
}

TEST_CASE("VlanSet parse rejects ids outside 1-4094", "[vlan_set]") {
  REQUIRE_THROWS_AS(VlanSet::parse("0"), VlanSetError);
  REQUIRE_THROWS_WITH(VlanSet::parse("0"),
                      "VLAN list \"0\": bad token \"0\": VLAN 0 is outside 1-4094");
  REQUIRE_THROWS_WITH(VlanSet::parse("4095"),
                      "VLAN list \"4095\": bad token \"4095\": VLAN 4095 is outside 1-4094");
  REQUIRE_THROWS_WITH(VlanSet::parse("10,4095"),
                      "VLAN list \"10,4095\": bad token \"4095\": VLAN 4095 is outside 1-4094");
  REQUIRE_THROWS_WITH(
      VlanSet::parse("4000-4095"),
      "VLAN list \"4000-4095\": bad token \"4000-4095\": VLAN 4095 is outside 1-4094");
  REQUIRE_THROWS_WITH(VlanSet::parse("0-10"),
                      "VLAN list \"0-10\": bad token \"0-10\": VLAN 0 is outside 1-4094");
  REQUIRE_THROWS_WITH(VlanSet::parse("999999"),
                      "VLAN list \"999999\": bad token \"999999\": VLAN 999999 is outside 1-4094");
  // Too long to be any VLAN id: rejected whatever the message.
  REQUIRE_THROWS_AS(VlanSet::parse("99999999"), VlanSetError);
  REQUIRE_THROWS_AS(VlanSet::parse("99999999999999999999999"), VlanSetError);
  REQUIRE_THROWS_AS(VlanSet::parse("1-99999999"), VlanSetError);
}

// Regression: parse_id rejected any number longer than 6 digits with the
// syntax message ("expected a VLAN id 1-4094 or a range like 10-20") instead of the range message
// every shorter number gets ("VLAN 999999 is outside 1-4094").
TEST_CASE("VlanSet parse reports a long number as out of range", "[vlan_set]") {
  REQUIRE_THROWS_WITH(
      VlanSet::parse("99999999"),
      "VLAN list \"99999999\": bad token \"99999999\": VLAN 99999999 is outside 1-4094");
  REQUIRE_THROWS_WITH(
      VlanSet::parse("1-1000000"),
      "VLAN list \"1-1000000\": bad token \"1-1000000\": VLAN 1000000 is outside 1-4094");
}

TEST_CASE("VlanSet parse rejects reversed ranges", "[vlan_set]") {
  REQUIRE_THROWS_AS(VlanSet::parse("20-10"), VlanSetError);
  REQUIRE_THROWS_WITH(
      VlanSet::parse("20-10"),
      "VLAN list \"20-10\": bad token \"20-10\": range start 20 is above its end 10");
  REQUIRE_THROWS_WITH(
      VlanSet::parse("1, 4094 - 1"),
      "VLAN list \"1, 4094 - 1\": bad token \"4094 - 1\": range start 4094 is above its end 1");
}

TEST_CASE("VlanSet parse rejects ALL and NONE mixed with ids", "[vlan_set]") {
  REQUIRE_THROWS_AS(VlanSet::parse("ALL,5"), VlanSetError);
  REQUIRE_THROWS_WITH(VlanSet::parse("ALL,5"),
                      "VLAN list \"ALL,5\": bad token \"ALL\": ALL and NONE must stand alone");
  REQUIRE_THROWS_WITH(VlanSet::parse("5, all"),
                      "VLAN list \"5, all\": bad token \"all\": ALL and NONE must stand alone");
  REQUIRE_THROWS_WITH(VlanSet::parse("NONE,1-3"),
                      "VLAN list \"NONE,1-3\": bad token \"NONE\": ALL and NONE must stand alone");
  REQUIRE_THROWS_WITH(VlanSet::parse("all,none"),
                      "VLAN list \"all,none\": bad token \"all\": ALL and NONE must stand alone");
  // Keywords are whole tokens, not prefixes.
  REQUIRE_THROWS_WITH(VlanSet::parse("ALLX"),
                      "VLAN list \"ALLX\": bad token \"ALLX\": expected a VLAN id 1-4094 or a "
                      "range like 10-20");
}

TEST_CASE("VlanSetError is a vmfabric Error", "[vlan_set]") {
  try {
    VlanSet::parse("x");
    FAIL("parse accepted \"x\"");
  } catch (const Error& e) {
    REQUIRE(std::string(e.what()) ==
            "VLAN list \"x\": bad token \"x\": expected a VLAN id 1-4094 or a range like 10-20");
  }
}

}  // namespace vmfabric

// PersistentMap: checked against std::map with random operations, plus the properties the graph
// relies on: copies never see each other's updates, set/erase report what they did, in-order
// iteration stays sorted and balanced for sorted input, and shared() values outlive the map.
#include "graph/persistent_map.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace vmfabric {
namespace {

using IntMap = PersistentMap<int, int>;

static_assert(std::forward_iterator<IntMap::Iterator>);

std::vector<std::pair<int, int>> contents(const IntMap& m) {
  std::vector<std::pair<int, int>> out;
  for (auto it = m.begin(); it != m.end(); ++it) out.emplace_back(it.key(), *it);
  return out;
}

std::vector<std::pair<int, int>> contents(const std::map<int, int>& m) {
  return {m.begin(), m.end()};
}

// Compares everything observable: size, emptiness, the full in-order walk, and lower_bound for
// `probes` random keys drawn from [lo, hi] (which should reach a little past both ends).
void require_same(const IntMap& actual, const std::map<int, int>& expected, std::mt19937& rng,
                  int lo, int hi, int probes) {
  REQUIRE(actual.size() == expected.size());
  REQUIRE(actual.empty() == expected.empty());
  REQUIRE(contents(actual) == contents(expected));
  std::uniform_int_distribution<int> key(lo, hi);
  for (int i = 0; i < probes; ++i) {
    const int k = key(rng);
    const auto want = expected.lower_bound(k);
    const auto got = actual.lower_bound(k);
    INFO("lower_bound(" << k << ")");
    if (want == expected.end()) {
      REQUIRE(got == actual.end());
    } else {
      REQUIRE(got != actual.end());
      REQUIRE(got.key() == want->first);
      REQUIRE(*got == want->second);
      // The iterator continues in order from there.
      auto next_want = std::next(want);
      auto next_got = std::next(got);
      if (next_want == expected.end()) {
        REQUIRE(next_got == actual.end());
      } else {
        REQUIRE(next_got != actual.end());
        REQUIRE(next_got.key() == next_want->first);
      }
    }
  }
}

// Runs `batches` x `ops_per_batch` random set/erase/find operations over keys [0, key_space) on
// both maps, checking every return value and, after each batch, the whole contents. Also keeps a
// copy of both maps after every batch and checks at the end that none of them changed.
void differential(std::uint32_t seed, int key_space, int batches, int ops_per_batch) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> key(0, key_space - 1);
  std::uniform_int_distribution<int> value(-1'000'000, 1'000'000);
  std::uniform_int_distribution<int> op(0, 9);

  IntMap actual;
  std::map<int, int> expected;
  std::vector<std::pair<IntMap, std::map<int, int>>> history;

  for (int b = 0; b < batches; ++b) {
    INFO("seed " << seed << ", key space " << key_space << ", batch " << b);
    for (int i = 0; i < ops_per_batch; ++i) {
      const int k = key(rng);
      const int o = op(rng);
      if (o < 5) {  // set: half the time, so the map fills up and then churns
        const int v = value(rng);
        const bool is_new = expected.find(k) == expected.end();
        expected[k] = v;
        REQUIRE(actual.set(k, v) == is_new);
      } else if (o < 8) {  // erase
        const bool present = expected.erase(k) == 1;
        REQUIRE(actual.erase(k) == present);
      } else {  // find / contains
        const auto want = expected.find(k);
        const int* got = actual.find(k);
        if (want == expected.end()) {
          REQUIRE(got == nullptr);
          REQUIRE_FALSE(actual.contains(k));
        } else {
          REQUIRE(got != nullptr);
          REQUIRE(*got == want->second);
          REQUIRE(actual.contains(k));
        }
      }
    }
    require_same(actual, expected, rng, -2, key_space + 1, 64);
    history.emplace_back(actual, expected);
  }

  for (std::size_t b = 0; b < history.size(); ++b) {
    INFO("copy taken after batch " << b);
    require_same(history[b].first, history[b].second, rng, -2, key_space + 1, 16);
  }
}

}  // namespace

TEST_CASE("PersistentMap matches std::map under random operations on a small key space",
          "[persistent_map]") {
  // 64 keys: the map is mostly full, so most sets replace and most erases hit.
  differential(1, 64, 40, 1000);
  differential(2, 64, 40, 1000);
}

TEST_CASE("PersistentMap matches std::map under random operations on a large key space",
          "[persistent_map]") {
  // A million keys: almost every set inserts and most erases miss, and the tree grows large.
  differential(3, 1'000'000, 40, 1000);
  differential(4, 1'000'000, 20, 5000);
}

TEST_CASE("PersistentMap copies are unaffected by updates to each other", "[persistent_map]") {
  IntMap original;
  for (int k = 0; k < 1000; ++k) original.set(k, k * 10);
  std::map<int, int> original_contents;
  for (int k = 0; k < 1000; ++k) original_contents[k] = k * 10;
  std::mt19937 rng(7);

  SECTION("updates to the original leave an earlier copy unchanged") {
    const IntMap copy = original;
    const int* value_before = copy.find(500);
    REQUIRE(value_before != nullptr);
    for (int round = 0; round < 5; ++round) {
      for (int k = 0; k < 1000; k += 2) original.set(k, -k - round);       // replace
      for (int k = 1; k < 1000; k += 4) original.erase(k);                 // remove
      for (int k = 1000; k < 1100; ++k) original.set(k + round * 100, k);  // add
      require_same(copy, original_contents, rng, -5, 1600, 32);
    }
    REQUIRE(copy.find(500) == value_before);  // the very same value object
    REQUIRE(*copy.find(500) == 5000);
    REQUIRE(*original.find(500) == -504);
    REQUIRE_FALSE(original.contains(501));
    REQUIRE(copy.contains(501));
    REQUIRE(original.size() != copy.size());
  }

  SECTION("updates to a copy leave the original unchanged") {
    IntMap copy = original;
    for (int k = 0; k < 1000; ++k) {
      if (k % 3 == 0) {
        copy.erase(k);
      } else {
        copy.set(k, -1);
      }
    }
    copy.set(5000, 1);
    REQUIRE(copy.size() == 1000 - 334 + 1);
    require_same(original, original_contents, rng, -5, 5005, 32);
  }

  SECTION("a chain of copies each keeps its own version") {
    std::vector<IntMap> versions{original};
    std::vector<std::map<int, int>> expected{original_contents};
    std::uniform_int_distribution<int> key(0, 1500);
    for (int v = 0; v < 50; ++v) {
      IntMap next = versions.back();
      std::map<int, int> next_expected = expected.back();
      for (int i = 0; i < 40; ++i) {
        const int k = key(rng);
        if (i % 3 == 0) {
          REQUIRE(next.erase(k) == (next_expected.erase(k) == 1));
        } else {
          const bool is_new = next_expected.find(k) == next_expected.end();
          next_expected[k] = v * 1000 + i;
          REQUIRE(next.set(k, v * 1000 + i) == is_new);
        }
      }
      versions.push_back(std::move(next));
      expected.push_back(std::move(next_expected));
    }
    for (std::size_t v = 0; v < versions.size(); ++v) {
      INFO("version " << v);
      require_same(versions[v], expected[v], rng, -1, 1501, 16);
    }
  }

  SECTION("an empty copy stays empty") {
    IntMap empty;
    const IntMap copy = empty;
    empty.set(1, 1);
    REQUIRE(copy.empty());
    REQUIRE(copy.size() == 0);
    REQUIRE(copy.begin() == copy.end());
    REQUIRE(copy.find(1) == nullptr);
  }
}

TEST_CASE("PersistentMap set returns true only for new keys, erase only for present ones",
          "[persistent_map]") {
  PersistentMap<int, std::string> m;
  REQUIRE(m.empty());
  REQUIRE_FALSE(m.erase(1));  // erase on an empty map
  REQUIRE(m.empty());

  REQUIRE(m.set(1, std::string("one")));
  REQUIRE(m.size() == 1);
  REQUIRE_FALSE(m.set(1, std::string("uno")));  // replaces, not new
  REQUIRE(m.size() == 1);
  REQUIRE(*m.find(1) == "uno");

  REQUIRE(m.set(2, std::string("two")));
  REQUIRE(m.set(0, std::string("zero")));
  REQUIRE(m.size() == 3);

  REQUIRE_FALSE(m.erase(7));  // absent: no change
  REQUIRE(m.size() == 3);
  REQUIRE(m.erase(1));
  REQUIRE(m.size() == 2);
  REQUIRE_FALSE(m.erase(1));  // already gone
  REQUIRE(m.size() == 2);
  REQUIRE(m.find(1) == nullptr);

  REQUIRE(m.set(1, std::string("again")));  // new again after erase
  REQUIRE(m.size() == 3);

  REQUIRE_FALSE(m.set(2, std::string("deux")));
  REQUIRE(m.set(3, std::string("three")));
  REQUIRE(m.size() == 4);

  std::vector<std::string> values;
  for (const std::string& s : m) values.push_back(s);
  REQUIRE(values == std::vector<std::string>{"zero", "again", "deux", "three"});
}

TEST_CASE("PersistentMap iteration is sorted for 100,000 ascending and descending inserts",
          "[persistent_map]") {
  // An unbalanced tree would make these quadratic and recurse 100,000 deep; a treap stays
  // O(log n) deep whatever the insertion order.
  constexpr int kCount = 100'000;
  IntMap ascending;
  for (int k = 0; k < kCount; ++k) REQUIRE(ascending.set(k, -k));
  IntMap descending;
  for (int k = kCount - 1; k >= 0; --k) REQUIRE(descending.set(k, -k));

  for (const IntMap* m : {&ascending, &descending}) {
    REQUIRE(m->size() == static_cast<std::size_t>(kCount));
    int expected = 0;
    bool in_order = true;
    for (auto it = m->begin(); it != m->end(); ++it, ++expected) {
      if (it.key() != expected || *it != -expected) {
        in_order = false;
        break;
      }
    }
    REQUIRE(in_order);
    REQUIRE(expected == kCount);
    REQUIRE(m->lower_bound(kCount / 2).key() == kCount / 2);
    REQUIRE(m->lower_bound(kCount) == m->end());
  }

  // Erasing in order (and so repeatedly merging the root's subtrees) also stays fast.
  for (int k = 0; k < kCount; k += 2) REQUIRE(ascending.erase(k));
  for (int k = kCount - 1; k >= 0; k -= 2) REQUIRE(descending.erase(k));
  REQUIRE(ascending.size() == static_cast<std::size_t>(kCount / 2));
  REQUIRE(descending.size() == static_cast<std::size_t>(kCount / 2));
  REQUIRE(ascending.begin().key() == 1);
  REQUIRE(descending.begin().key() == 0);
  REQUIRE(std::is_sorted(ascending.begin(), ascending.end(),
                         [](int a, int b) { return a > b; }));  // values are -key
  REQUIRE(std::distance(descending.begin(), descending.end()) == kCount / 2);
}

TEST_CASE("PersistentMap shared() keeps a value alive after the map is gone", "[persistent_map]") {
  std::shared_ptr<const std::string> kept;
  std::shared_ptr<const std::string> again;
  {
    PersistentMap<int, std::string> m;
    m.set(1, std::string("kept"));
    m.set(2, std::string("dropped"));
    auto it = m.lower_bound(1);
    REQUIRE(it.key() == 1);
    kept = it.shared();
    REQUIRE(kept.get() == &*it);
    REQUIRE(kept.get() == m.find(1));
    again = m.begin().shared();
    REQUIRE(again.get() == kept.get());  // the value in the map, not a copy
  }
  REQUIRE(kept != nullptr);
  REQUIRE(*kept == "kept");
  REQUIRE(kept.use_count() == 1);
  again.reset();
  REQUIRE(*kept == "kept");

  SECTION("and after the value is replaced in the map") {
    PersistentMap<int, std::string> m;
    m.set(1, std::string("old"));
    auto old = m.begin().shared();
    m.set(1, std::string("new"));
    REQUIRE(*old == "old");
    REQUIRE(*m.find(1) == "new");
  }

  SECTION("and after its neighbours are updated in place") {
    PersistentMap<int, std::string> m;
    for (int k = 0; k < 100; ++k) m.set(k, std::to_string(k));
    auto fifty = m.lower_bound(50).shared();
    for (int k = 0; k < 100; ++k) m.set(k, "x" + std::to_string(k));
    for (int k = 0; k < 100; k += 2) m.erase(k);
    REQUIRE(*fifty == "50");
    REQUIRE(m.find(50) == nullptr);
    REQUIRE(*m.find(51) == "x51");
  }
}

TEST_CASE("PersistentMap iterators compare equal at the same element and at end()",
          "[persistent_map]") {
  struct Point {
    int x;
    int y;
  };
  PersistentMap<std::string, Point> m;

  REQUIRE(m.begin() == m.end());
  REQUIRE(m.lower_bound("a") == m.end());
  REQUIRE(PersistentMap<std::string, Point>::Iterator() == m.end());

  m.set("b", Point{2, 20});
  m.set("a", Point{1, 10});
  m.set("c", Point{3, 30});

  auto first = m.begin();
  REQUIRE(first != m.end());
  REQUIRE(first == m.begin());
  REQUIRE(first == m.lower_bound("a"));
  REQUIRE(first == m.lower_bound(""));
  REQUIRE(first.key() == "a");
  REQUIRE(first->x == 1);
  REQUIRE((*first).y == 10);

  auto second = m.lower_bound("aa");  // between keys: the next one
  REQUIRE(second.key() == "b");
  REQUIRE(second != first);
  REQUIRE(std::next(first) == second);
  REQUIRE(m.lower_bound("b") == second);

  auto it = first;
  auto old = it++;  // post-increment returns the old position
  REQUIRE(old == first);
  REQUIRE(it == second);
  ++it;
  REQUIRE(it.key() == "c");
  REQUIRE(it->y == 30);
  REQUIRE(it != m.end());
  REQUIRE(++it == m.end());
  REQUIRE(m.lower_bound("c\x01") == m.end());
  REQUIRE(m.lower_bound("d") == m.end());
  REQUIRE(std::distance(m.begin(), m.end()) == 3);
}

namespace {

// A value that carries its own key, like a graph entity and its id.
struct Item {
  std::string id;
  int value = 0;
  bool operator==(const Item&) const = default;
};
struct ItemId {
  const std::string& operator()(const Item& item) const { return item.id; }
};
using ItemMap = PersistentMap<std::string, Item, std::less<std::string>, ItemId>;

// Counts live values and copies made (moves are free), to see what the map allocates and frees.
struct Counted {
  static inline int live = 0;
  static inline int copies = 0;
  static inline int throw_after = -1;  // copies allowed before one throws; -1 = never
  int value = 0;
  explicit Counted(int v) : value(v) { ++live; }
  Counted(const Counted& o) : value(o.value) {
    if (throw_after == 0) throw std::runtime_error("copy failed");
    if (throw_after > 0) --throw_after;
    ++live;
    ++copies;
  }
  Counted(Counted&& o) noexcept : value(o.value) { ++live; }
  Counted& operator=(const Counted&) = default;
  Counted& operator=(Counted&&) noexcept = default;
  ~Counted() { --live; }
};
using CountedMap = PersistentMap<int, Counted>;

std::map<int, int> contents_of(const CountedMap& m) {
  std::map<int, int> out;
  for (auto it = m.begin(); it != m.end(); ++it) out[it.key()] = it->value;
  return out;
}

}  // namespace

TEST_CASE("PersistentMap keeps one allocation per entry with 24 bytes beside the value",
          "[persistent_map]") {
  // Reference count and priority (4 + 4 bytes), two child pointers; the key only once.
  REQUIRE(ItemMap::kNodeSize == 24 + sizeof(Item));
  REQUIRE(PersistentMap<int, std::uint64_t>::kNodeSize == 24 + 8 + 8);  // key beside the value
  REQUIRE(IntMap::kNodeSize == 24 + 4 + 4);
}

TEST_CASE("PersistentMap with a KeyOf reads keys from the values", "[persistent_map]") {
  ItemMap m;
  REQUIRE(m.set(Item{"b", 2}));
  REQUIRE(m.set("a", Item{"a", 1}));
  Item c{"c", 3};
  REQUIRE(m.set(c.id, std::move(c)));   // the key argument may alias the moved value
  REQUIRE_FALSE(m.set(Item{"b", 20}));  // replaces
  REQUIRE(m.size() == 3);
  REQUIRE(m.find("b")->value == 20);
  REQUIRE(m.find("c")->value == 3);
  REQUIRE(m.find("d") == nullptr);
  REQUIRE(m.lower_bound("aa").key() == "b");
  std::vector<std::string> keys;
  for (auto it = m.begin(); it != m.end(); ++it) {
    REQUIRE(&it.key() == &it->id);  // the key is the value's own
    keys.push_back(it.key());
  }
  REQUIRE(keys == std::vector<std::string>{"a", "b", "c"});
  REQUIRE(m.erase("a"));
  REQUIRE_FALSE(m.erase("a"));
  REQUIRE(m.begin()->id == "b");

  // Random operations against std::map, keeping a copy after every batch.
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> key(0, 499);
  std::uniform_int_distribution<int> op(0, 2);
  ItemMap actual;
  std::map<std::string, Item> expected;
  std::vector<std::pair<ItemMap, std::map<std::string, Item>>> history;
  for (int batch = 0; batch < 30; ++batch) {
    for (int i = 0; i < 200; ++i) {
      const std::string k = "item-" + std::to_string(key(rng));
      if (op(rng) < 2) {
        const Item item{k, batch * 1000 + i};
        REQUIRE(actual.set(item) == expected.insert_or_assign(k, item).second);
      } else {
        REQUIRE(actual.erase(k) == (expected.erase(k) == 1));
      }
    }
    history.emplace_back(actual, expected);
  }
  for (const auto& [map, want] : history) {
    REQUIRE(map.size() == want.size());
    auto it = map.begin();
    for (const auto& [k, item] : want) {
      REQUIRE(it != map.end());
      REQUIRE(it.key() == k);
      REQUIRE(*it == item);
      ++it;
    }
    REQUIRE(it == map.end());
  }
}

TEST_CASE("PersistentMap copies a node only while something else shares it", "[persistent_map]") {
  Counted::live = 0;
  Counted::copies = 0;
  Counted::throw_after = -1;
  {
    CountedMap m;
    for (int k = 0; k < 1000; ++k) m.set(k, Counted(k));
    for (int k = 0; k < 1000; k += 3) m.set(k, Counted(-k));  // replaced in place
    for (int k = 1; k < 1000; k += 3) m.erase(k);
    REQUIRE(Counted::copies == 0);  // nothing shared: every update in place
    REQUIRE(Counted::live == static_cast<int>(m.size()));

    {
      const CountedMap snapshot = m;
      m.set(2, Counted(2000));
      const int first = Counted::copies;
      REQUIRE(first > 0);  // the path to 2, copied once...
      REQUIRE(first < 64);
      m.set(2, Counted(3000));
      REQUIRE(Counted::copies == first);  // ...and then private to m
      m.erase(5);
      REQUIRE(snapshot.find(2)->value == 2);
      REQUIRE(snapshot.find(5)->value == 5);
      REQUIRE(m.find(2)->value == 3000);
    }
    // The snapshot is gone: nodes it shared are private to m again.
    const int before = Counted::copies;
    for (int k = 0; k < 1000; k += 2) m.set(k, Counted(k));
    REQUIRE(Counted::copies == before);
    REQUIRE(Counted::live == static_cast<int>(m.size()));

    std::shared_ptr<const Counted> kept = m.lower_bound(500).shared();
    m.set(500, Counted(-1));  // kept's node is shared: replaced, not overwritten
    REQUIRE(kept->value == 500);
    REQUIRE(m.find(500)->value == -1);
    REQUIRE(Counted::live == static_cast<int>(m.size()) + 1);
    kept.reset();
    REQUIRE(Counted::live == static_cast<int>(m.size()));

    while (!m.empty()) m.erase(m.begin().key());
    REQUIRE(Counted::live == 0);
  }
  REQUIRE(Counted::live == 0);
}

TEST_CASE("PersistentMap updates leave the map unchanged when copying a value throws",
          "[persistent_map]") {
  Counted::live = 0;
  Counted::throw_after = -1;
  {
    CountedMap m;
    for (int k = 0; k < 300; ++k) m.set(k, Counted(k * 10));
    const std::map<int, int> want = contents_of(m);
    std::mt19937 rng(5);
    std::uniform_int_distribution<int> key(0, 320);
    int threw = 0;
    for (int round = 0; round < 200; ++round) {
      const CountedMap shared = m;  // every node shared: any update must copy a path
      const int k = key(rng);
      Counted::throw_after = round % 12;
      bool done = false;
      try {
        if (round % 2 == 0) {
          m.set(k, Counted(-1));
        } else {
          m.erase(k);
        }
        done = true;
      } catch (const std::runtime_error&) {
        ++threw;
      }
      Counted::throw_after = -1;
      if (done) {
        m = shared;  // undo
      } else {
        REQUIRE(contents_of(m) == want);
        REQUIRE(m.size() == want.size());
      }
      REQUIRE(contents_of(shared) == want);
    }
    REQUIRE(threw > 50);
  }
  REQUIRE(Counted::live == 0);
}

TEST_CASE("PersistentMap copies are read on other threads while the writer updates",
          "[persistent_map]") {
  constexpr int kKeys = 500;
  IntMap m;
  for (int k = 0; k < kKeys; ++k) m.set(k, 0);
  std::shared_ptr<const IntMap> published = std::make_shared<const IntMap>(m);
  std::mutex mutex;
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::atomic<long> reads{0};
  const auto reader = [&] {
    while (!done.load()) {
      std::shared_ptr<const IntMap> snapshot;
      {
        std::lock_guard lock(mutex);
        snapshot = published;
      }
      // One version: every key present, in order, all values equal.
      int expected_key = 0;
      const int version = *snapshot->begin();
      for (auto it = snapshot->begin(); it != snapshot->end(); ++it, ++expected_key) {
        if (it.key() != expected_key || *it != version) bad.fetch_add(1);
      }
      if (expected_key != kKeys) bad.fetch_add(1);
      reads.fetch_add(1);
    }
  };
  std::thread a(reader);
  std::thread b(reader);
  for (int version = 1; version <= 200; ++version) {
    for (int k = 0; k < kKeys; ++k) m.set(k, version);
    auto next = std::make_shared<const IntMap>(m);
    std::lock_guard lock(mutex);
    published = std::move(next);
  }
  done.store(true);
  a.join();
  b.join();
  REQUIRE(bad.load() == 0);
  REQUIRE(reads.load() > 0);
}

}  // namespace vmfabric

// PersistentMap: an immutable ordered map with structural sharing (a treap with path copying).
// Copying a map is O(1) and shares every node; an update copies only the O(log n) nodes on one
// path. This is what lets the graph hand out snapshots that never change and never lock the
// writer: a snapshot is a copy of a few roots.
//
// Memory: one allocation per entry, from a pool of the node's size (block_pool.h). A node holds
// its value inline, two child pointers and an intrusive reference count (no shared_ptr control
// blocks). With a KeyOf (a function object reading the key out of a value: an entity's id) the
// key is stored once, inside the value; without one (KeyOf = void) the node stores the key next
// to the value.
//
// Updates copy a node only when something else shares it (another copy of the map, a snapshot,
// a shared() value); nodes this map alone owns are updated in place. So a batch of updates on
// a fresh copy copies each touched path once, and building a map from scratch copies nothing.
//
// Validity: pointers from find() and iterators are valid until this map is updated or destroyed;
// hold a copy of the map (a snapshot) to keep them longer, or take Iterator::shared().
//
// Thread-safety: a map value is not synchronized, but distinct copies sharing nodes may be used
// from different threads (shared nodes are never modified; reference counts are atomic).
#pragma once

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "graph/block_pool.h"

namespace vmfabric {

template <class K, class V, class Less = std::less<K>, class KeyOf = void>
class PersistentMap {
  struct Node;

  static void retain(const Node* n) noexcept {
    if (n != nullptr) n->refs.fetch_add(1, std::memory_order_relaxed);
  }
  static void release(Node* n) noexcept;
  // True when only one reference (the one being followed) leads to `n`.
  static bool unique(const Node* n) noexcept {
    return n->refs.load(std::memory_order_acquire) == 1;
  }

  // An owning reference to a node.
  class Ref {
   public:
    Ref() = default;
    static Ref adopt(Node* n) noexcept {
      Ref r;
      r.n_ = n;
      return r;
    }
    Ref(const Ref& o) noexcept : n_(o.n_) { retain(n_); }
    Ref(Ref&& o) noexcept : n_(std::exchange(o.n_, nullptr)) {}
    Ref& operator=(Ref o) noexcept {
      std::swap(n_, o.n_);
      return *this;
    }
    ~Ref() { release(n_); }
    Node* get() const noexcept { return n_; }
    Node* operator->() const noexcept { return n_; }
    explicit operator bool() const noexcept { return n_ != nullptr; }
    Node* detach() noexcept { return std::exchange(n_, nullptr); }

   private:
    Node* n_ = nullptr;
  };

  struct KeyAndValue {
    K key;
    V value;
    const K& get_key() const { return key; }
  };
  struct ValueOnly {
    V value;
    const K& get_key() const { return KeyOf{}(value); }
  };
  static constexpr bool kKeyInValue = !std::is_void_v<KeyOf>;
  using Payload = std::conditional_t<kKeyInValue, ValueOnly, KeyAndValue>;

  struct Node {
    template <class... A>
    Node(std::uint32_t p, Ref l, Ref r, A&&... payload)
        : priority(p), left(std::move(l)), right(std::move(r)), data{std::forward<A>(payload)...} {}
    // A private copy (count 1) sharing o's children.
    Node(const Node& o) : priority(o.priority), left(o.left), right(o.right), data(o.data) {}
    Node& operator=(const Node&) = delete;

    const K& key() const { return data.get_key(); }

    // Nodes are the graph's long-lived memory: they come from a pool of their size, apart from
    // the transient heap (block_pool.h).
    static void* operator new(std::size_t) { return pool().allocate(); }
    static void operator delete(void* node) noexcept { pool().deallocate(node); }
    static BlockPool& pool() {
      static_assert(alignof(Node) <= 16, "pool blocks are 16-byte aligned");
      return BlockPool::for_size<sizeof(Node)>();
    }

    // References: parent nodes in every version, map roots, shared() values. 32 bits each for
    // the count and the priority keep the node at 24 bytes beside its payload.
    mutable std::atomic<std::uint32_t> refs{1};
    std::uint32_t priority;
    Ref left;
    Ref right;
    Payload data;
  };

 public:
  // The bytes of one node, value included (what sizeof sees; the heap adds its own header and
  // rounding). For memory accounting and layout checks.
  static constexpr std::size_t kNodeSize = sizeof(Node);

  // In-order iteration. Holds raw pointers into the map: valid while the map it came from lives
  // and is not updated.
  class Iterator {
   public:
    using value_type = V;
    using reference = const V&;
    using pointer = const V*;
    using difference_type = std::ptrdiff_t;
    using iterator_category = std::forward_iterator_tag;

    Iterator() = default;
    const K& key() const { return stack_.back()->key(); }
    const V& operator*() const { return stack_.back()->data.value; }
    const V* operator->() const { return &stack_.back()->data.value; }
    // The value, kept alive (and unchanged) for as long as the caller holds it, beyond the map's
    // life or updates. Each call makes a small control block that holds a reference to the node.
    std::shared_ptr<const V> shared() const {
      Node* n = const_cast<Node*>(stack_.back());
      retain(n);
      return std::shared_ptr<const V>(&n->data.value, Releaser{n});
    }
    Iterator& operator++() {
      const Node* n = stack_.back();
      stack_.pop_back();
      push_left(n->right.get());
      return *this;
    }
    Iterator operator++(int) {
      Iterator old = *this;
      ++*this;
      return old;
    }
    bool operator==(const Iterator& o) const {
      return stack_.empty() ? o.stack_.empty()
                            : (!o.stack_.empty() && stack_.back() == o.stack_.back());
    }

   private:
    friend class PersistentMap;
    struct Releaser {
      Node* node;
      void operator()(const V*) const noexcept { release(node); }
    };
    void push_left(const Node* n) {
      for (; n != nullptr; n = n->left.get()) stack_.push_back(n);
    }
    std::vector<const Node*> stack_;  // the path to the current node, current at the back
  };

  PersistentMap() = default;
  PersistentMap(const PersistentMap&) = default;
  PersistentMap& operator=(const PersistentMap&) = default;
  PersistentMap(PersistentMap&& o) noexcept
      : root_(std::move(o.root_)),
        size_(std::exchange(o.size_, 0)),
        priority_seed_(o.priority_seed_),
        less_(o.less_) {}
  PersistentMap& operator=(PersistentMap&& o) noexcept {
    root_ = std::move(o.root_);
    size_ = std::exchange(o.size_, 0);
    priority_seed_ = o.priority_seed_;
    less_ = o.less_;
    return *this;
  }
  ~PersistentMap() = default;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Whether the two maps are the same nodes (one is an unchanged copy of the other): then every
  // value of one is, at the same address, a value of the other.
  bool same_nodes(const PersistentMap& other) const { return root_.get() == other.root_.get(); }

  const V* find(const K& key) const {
    const Node* n = root_.get();
    while (n != nullptr) {
      if (less_(key, n->key())) {
        n = n->left.get();
      } else if (less_(n->key(), key)) {
        n = n->right.get();
      } else {
        return &n->data.value;
      }
    }
    return nullptr;
  }
  bool contains(const K& key) const { return find(key) != nullptr; }

  // Inserts or replaces. Returns true when the key was new. With a KeyOf, `key` must be the
  // value's own key (which is what the map uses: `set(v.id, std::move(v))` is fine).
  bool set(const K& key, V value) {
    bool added = false;
    const std::uint32_t priority = next_priority();
    if constexpr (kKeyInValue) {
      static_cast<void>(key);
      insert(root_, KeyOf{}(value), value, priority, added);
    } else {
      insert(root_, key, value, priority, added);
    }
    if (added) ++size_;
    return added;
  }
  // Inserts or replaces `value` under its own key (maps with a KeyOf).
  bool set(V value) requires kKeyInValue {
    const K& key = KeyOf{}(value);
    return set(key, std::move(value));
  }

  // Removes `key`. Returns true when it was there.
  bool erase(const K& key) {
    if (!contains(key)) return false;
    erase_present(root_, key);
    --size_;
    return true;
  }

  Iterator begin() const {
    Iterator it;
    it.push_left(root_.get());
    return it;
  }
  Iterator end() const { return Iterator(); }

  // The first element whose key is not less than `key`.
  Iterator lower_bound(const K& key) const {
    Iterator it;
    for (const Node* n = root_.get(); n != nullptr;) {
      if (less_(n->key(), key)) {
        n = n->right.get();
      } else {
        it.stack_.push_back(n);
        n = n->left.get();
      }
    }
    return it;
  }

 private:
  // splitmix64 of a counter: priorities independent of the keys, so the expected depth stays
  // O(log n) even for keys inserted in order, and runs are reproducible.
  std::uint32_t next_priority() {
    std::uint64_t z = (priority_seed_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return static_cast<std::uint32_t>((z ^ (z >> 31)) >> 32);
  }

  static Ref make_leaf(std::uint32_t priority, const K& key, V& value) {
    if constexpr (kKeyInValue) {
      static_cast<void>(key);
      return Ref::adopt(new Node(priority, Ref(), Ref(), std::move(value)));
    } else {
      return Ref::adopt(new Node(priority, Ref(), Ref(), key, std::move(value)));
    }
  }

  // Makes the node in `slot` one that only `slot` leads to, copying it when shared, so it may be
  // updated in place. The copy has the same contents: the map stays valid if it throws.
  // `slot` itself must belong to this map alone (the root, or a child of such a node).
  static Node* own(Ref& slot) {
    if (!unique(slot.get())) slot = Ref::adopt(new Node(*slot.get()));
    return slot.get();
  }

  // Inserts or replaces under `slot` (which this map alone owns). Afterwards `slot` holds a node
  // only it leads to. Strongly exception-safe: until the new value is stored, the only changes
  // are private copies of shared nodes.
  void insert(Ref& slot, const K& key, V& value, std::uint32_t priority, bool& added) const {
    if (!slot) {
      slot = make_leaf(priority, key, value);
      added = true;
      return;
    }
    if (less_(key, slot->key())) {
      Node* n = own(slot);
      insert(n->left, key, value, priority, added);
      if (n->left->priority > n->priority) rotate_right(slot);  // the new node rose above n
      return;
    }
    if (less_(slot->key(), key)) {
      Node* n = own(slot);
      insert(n->right, key, value, priority, added);
      if (n->right->priority > n->priority) rotate_left(slot);
      return;
    }
    if (unique(slot.get())) {
      slot->data.value = std::move(value);
    } else {  // a new node in its place, sharing the children; the old value is not copied
      Node* n = slot.get();
      Ref replacement;
      if constexpr (kKeyInValue) {
        replacement = Ref::adopt(new Node(n->priority, n->left, n->right, std::move(value)));
      } else {
        replacement = Ref::adopt(new Node(n->priority, n->left, n->right, key, std::move(value)));
      }
      slot = std::move(replacement);
    }
  }

  // Rotations of nodes this map alone owns (never throw).
  static void rotate_right(Ref& slot) noexcept {
    Ref l = std::move(slot->left);
    assert(unique(l.get()));
    slot->left = std::move(l->right);
    l->right = std::move(slot);
    slot = std::move(l);
  }
  static void rotate_left(Ref& slot) noexcept {
    Ref r = std::move(slot->right);
    assert(unique(r.get()));
    slot->right = std::move(r->left);
    r->left = std::move(slot);
    slot = std::move(r);
  }

  // Removes `key`, which is under `slot`. Strongly exception-safe: first every node that changes
  // is made private (copies, contents unchanged), then the links are rewired without throwing.
  void erase_present(Ref& slot, const K& key) const {
    if (less_(key, slot->key())) {
      erase_present(own(slot)->left, key);
    } else if (less_(slot->key(), key)) {
      erase_present(own(slot)->right, key);
    } else if (unique(slot.get())) {
      Node* n = slot.get();
      own_merge_path(n->left, n->right);
      slot = merge(std::move(n->left), std::move(n->right));
    } else {  // the node stays in other maps: merge references to its children
      Ref l = slot->left;
      Ref r = slot->right;
      own_merge_path(l, r);
      slot = merge(std::move(l), std::move(r));
    }
  }

  // Makes private every node merge(a, b) will modify.
  static void own_merge_path(Ref& a, Ref& b) {
    Ref* x = &a;
    Ref* y = &b;
    while (*x && *y) {
      if ((*x)->priority > (*y)->priority) {
        x = &own(*x)->right;
      } else {
        y = &own(*y)->left;
      }
    }
  }

  // Joins two treaps whose keys are all of `a` below all of `b` (after own_merge_path).
  static Ref merge(Ref a, Ref b) noexcept {
    if (!a) return b;
    if (!b) return a;
    if (a->priority > b->priority) {
      assert(unique(a.get()));
      a->right = merge(std::move(a->right), std::move(b));
      return a;
    }
    assert(unique(b.get()));
    b->left = merge(std::move(a), std::move(b->left));
    return b;
  }

  Ref root_;
  std::size_t size_ = 0;
  std::uint64_t priority_seed_ = 0;
  [[no_unique_address]] Less less_;
};

// Drops one reference to `n`, freeing it (and, in turn, children only it held) at the last one.
// Loops down right children and recurses only into left ones, so the stack stays O(depth).
template <class K, class V, class Less, class KeyOf>
void PersistentMap<K, V, Less, KeyOf>::release(Node* n) noexcept {
  while (n != nullptr && n->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    Node* right = n->right.detach();
    delete n;
    n = right;
  }
}

}  // namespace vmfabric

// PersistentMap: an immutable ordered map with structural sharing (a treap with path copying).
// Copying a map is O(1) and shares every node; an update copies only the O(log n) nodes on one
// path. This is what lets the graph hand out snapshots that never change and never lock the
// writer: a snapshot is a copy of a few roots.
//
// Thread-safety: a map value is not synchronized, but distinct copies sharing nodes may be used
// from different threads (nodes are immutable; shared_ptr reference counts are atomic).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace vmfabric {

template <class K, class V, class Less = std::less<K>>
class PersistentMap {
  struct Node;
  using NodePtr = std::shared_ptr<const Node>;

  struct Node {
    K key;
    std::shared_ptr<const V> value;
    std::uint64_t priority;
    NodePtr left;
    NodePtr right;
  };

 public:
  // In-order iteration. Holds raw pointers into the map: valid while the map it came from lives.
  class Iterator {
   public:
    using value_type = V;
    using reference = const V&;
    using pointer = const V*;
    using difference_type = std::ptrdiff_t;
    using iterator_category = std::forward_iterator_tag;

    Iterator() = default;
    const K& key() const { return stack_.back()->key; }
    const V& operator*() const { return *stack_.back()->value; }
    const V* operator->() const { return stack_.back()->value.get(); }
    // The shared value, for callers that keep it beyond the map's life.
    const std::shared_ptr<const V>& shared() const { return stack_.back()->value; }
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
    void push_left(const Node* n) {
      for (; n != nullptr; n = n->left.get()) stack_.push_back(n);
    }
    std::vector<const Node*> stack_;  // the path to the current node, current at the back
  };

  PersistentMap() = default;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  const V* find(const K& key) const {
    const Node* n = root_.get();
    while (n != nullptr) {
      if (less_(key, n->key)) {
        n = n->left.get();
      } else if (less_(n->key, key)) {
        n = n->right.get();
      } else {
        return n->value.get();
      }
    }
    return nullptr;
  }
  bool contains(const K& key) const { return find(key) != nullptr; }

  // Inserts or replaces. Returns true when the key was new.
  bool set(const K& key, std::shared_ptr<const V> value) {
    bool added = false;
    root_ = insert(root_, key, std::move(value), next_priority(), added);
    if (added) ++size_;
    return added;
  }
  bool set(const K& key, V value) { return set(key, std::make_shared<const V>(std::move(value))); }

  // Removes `key`. Returns true when it was there.
  bool erase(const K& key) {
    bool removed = false;
    root_ = erase(root_, key, removed);
    if (removed) --size_;
    return removed;
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
      if (less_(n->key, key)) {
        n = n->right.get();
      } else {
        it.stack_.push_back(n);
        n = n->left.get();
      }
    }
    return it;
  }

 private:
  static NodePtr make(const K& key, std::shared_ptr<const V> value, std::uint64_t priority,
                      NodePtr left, NodePtr right) {
    return std::make_shared<const Node>(
        Node{key, std::move(value), priority, std::move(left), std::move(right)});
  }

  // splitmix64 of a counter: priorities independent of the keys, so the expected depth stays
  // O(log n) even for keys inserted in order, and runs are reproducible.
  std::uint64_t next_priority() {
    std::uint64_t z = (priority_seed_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  NodePtr insert(const NodePtr& n, const K& key, std::shared_ptr<const V> value,
                 std::uint64_t priority, bool& added) const {
    if (!n) {
      added = true;
      return make(key, std::move(value), priority, nullptr, nullptr);
    }
    if (less_(key, n->key)) {
      NodePtr l = insert(n->left, key, std::move(value), priority, added);
      if (l->priority > n->priority) {  // a new node rose above n: rotate right
        return make(l->key, l->value, l->priority, l->left,
                    make(n->key, n->value, n->priority, l->right, n->right));
      }
      return make(n->key, n->value, n->priority, std::move(l), n->right);
    }
    if (less_(n->key, key)) {
      NodePtr r = insert(n->right, key, std::move(value), priority, added);
      if (r->priority > n->priority) {  // rotate left
        return make(r->key, r->value, r->priority,
                    make(n->key, n->value, n->priority, n->left, r->left), r->right);
      }
      return make(n->key, n->value, n->priority, n->left, std::move(r));
    }
    return make(n->key, std::move(value), n->priority, n->left, n->right);
  }

  NodePtr erase(const NodePtr& n, const K& key, bool& removed) const {
    if (!n) return n;
    if (less_(key, n->key)) {
      NodePtr l = erase(n->left, key, removed);
      return removed ? make(n->key, n->value, n->priority, std::move(l), n->right) : n;
    }
    if (less_(n->key, key)) {
      NodePtr r = erase(n->right, key, removed);
      return removed ? make(n->key, n->value, n->priority, n->left, std::move(r)) : n;
    }
    removed = true;
    return merge(n->left, n->right);
  }

  static NodePtr merge(const NodePtr& a, const NodePtr& b) {
    if (!a) return b;
    if (!b) return a;
    if (a->priority > b->priority) {
      return make(a->key, a->value, a->priority, a->left, merge(a->right, b));
    }
    return make(b->key, b->value, b->priority, merge(a, b->left), b->right);
  }

  NodePtr root_;
  std::size_t size_ = 0;
  std::uint64_t priority_seed_ = 0;
  [[no_unique_address]] Less less_;
};

}  // namespace vmfabric

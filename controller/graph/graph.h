// The topology graph: every entity vmfabric knows, from vCenter and from the switches, with one
// writer and any number of readers. The writer applies a Delta (all or nothing) and learns what
// actually changed; readers take a Snapshot, an immutable view that costs O(1) to take and never
// blocks the writer.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <span>
#include <tuple>
#include <variant>
#include <vector>

#include "graph/persistent_map.h"
#include "model/error.h"
#include "model/model.h"

namespace vmfabric {

class GraphError : public Error {
 public:
  using Error::Error;
};

// One batch of observations from one edge. Operations apply in order; the batch is atomic.
class Delta {
 public:
  // Add the entity or replace the one with the same id.
  void upsert(Entity entity) { ops_.emplace_back(std::move(entity)); }
  // Remove the entity and everything it owns (a host's pnics, a switch's interfaces...).
  // Removing what is not there is not an error.
  void remove(EntityKey key) { ops_.emplace_back(std::move(key)); }

  // Appends `other`'s operations after this one's.
  void append(Delta&& other) {
    ops_.insert(ops_.end(), std::make_move_iterator(other.ops_.begin()),
                std::make_move_iterator(other.ops_.end()));
  }

  bool empty() const { return ops_.empty(); }
  std::size_t size() const { return ops_.size(); }
  const std::vector<std::variant<Entity, EntityKey>>& ops() const { return ops_; }

 private:
  std::vector<std::variant<Entity, EntityKey>> ops_;
};

enum class ChangeType { kAdded, kModified, kRemoved };

struct Change {
  ChangeType type;
  EntityKey key;
  bool operator==(const Change&) const = default;
};

// The net effect of one applied Delta, in dependency order (owners first), each key once.
// An upsert of an identical value or a remove of an absent key is not a change.
struct GraphChanges {
  std::uint64_t version = 0;  // the graph version after the batch
  std::vector<Change> changes;
  bool empty() const { return changes.empty(); }
};

// The VMs `changes` touch: the VM itself or one of its vNICs.
std::set<VmId> touched_vms(std::span<const GraphChanges> changes);

// Reads an entity's id out of the entity: the graph's tables store each id once, inside it.
struct EntityIdOf {
  template <class T>
  const typename T::Id& operator()(const T& entity) const {
    return entity.id;
  }
};

template <class T>
using EntityMap = PersistentMap<typename T::Id, T, std::less<typename T::Id>, EntityIdOf>;

template <class List>
struct EntityTables;
template <class... T>
struct EntityTables<TypeList<T...>> {
  using type = std::tuple<EntityMap<T>...>;
};

// An immutable view of the whole graph. Cheap to copy; safe to read from any thread.
class Snapshot {
 public:
  template <class T>
  const T* find(const typename T::Id& id) const {
    return table<T>().find(id);
  }
  template <class T>
  const EntityMap<T>& all() const {
    return table<T>();
  }
  template <class T>
  std::size_t count() const {
    return table<T>().size();
  }
  // Whether this snapshot's table of T is `other`'s, node for node (T unchanged between them).
  template <class T>
  bool same_table(const Snapshot& other) const {
    return table<T>().same_nodes(other.table<T>());
  }
  bool contains(const EntityKey& key) const;
  // The entity with `key`, copied out, when present.
  std::optional<Entity> get(const EntityKey& key) const;

  // Bumped by every batch that changed something. Starts at 0 (empty graph).
  std::uint64_t version() const { return version_; }

 private:
  friend class Graph;
  template <class T>
  const EntityMap<T>& table() const {
    return std::get<EntityMap<T>>(tables_);
  }
  template <class T>
  EntityMap<T>& table() {
    return std::get<EntityMap<T>>(tables_);
  }

  typename EntityTables<AllEntities>::type tables_;
  std::uint64_t version_ = 0;
};

// The single-writer graph. Not thread-safe: confine it to one strand; give readers snapshots.
class Graph {
 public:
  Graph() = default;
  // A graph whose state is `state` (to roll back to an earlier snapshot).
  explicit Graph(Snapshot state) : state_(std::move(state)) {}

  // Applies `delta` atomically. Throws GraphError, leaving the graph unchanged, when an upsert
  // names an owner that is not in the graph (a pnic of an unknown host, an interface of an
  // unknown switch).
  GraphChanges apply(const Delta& delta);

  const Snapshot& current() const { return state_; }
  Snapshot snapshot() const { return state_; }

 private:
  Snapshot state_;
};

// Hands the latest snapshot from the writer to readers on other threads without locks on either
// side's hot path.
class SnapshotPublisher {
 public:
  SnapshotPublisher() : latest_(std::make_shared<const Snapshot>()) {}
  void publish(Snapshot snapshot) {
    latest_.store(std::make_shared<const Snapshot>(std::move(snapshot)));
  }
  std::shared_ptr<const Snapshot> latest() const { return latest_.load(); }

 private:
  std::atomic<std::shared_ptr<const Snapshot>> latest_;
};

}  // namespace vmfabric

#include "graph/graph.h"

#include <algorithm>
#include <climits>
#include <set>
#include <type_traits>

namespace vmfabric {
namespace {

// For owned kinds whose ids begin with the owner's id, the smallest id the owner could own: its
// children are then one contiguous range of the ordered table. Other owned kinds are scanned.
template <class Tag>
MoRef<Tag> first_owned(const VCenterId& v, std::type_identity<MoRef<Tag>>) {
  return {v, ""};
}
template <class Tag>
OnHost<Tag> first_owned(const HostId& h, std::type_identity<OnHost<Tag>>) {
  return {h, ""};
}
VmNicId first_owned(const VmId& vm, std::type_identity<VmNicId>) { return {vm, INT_MIN}; }
template <class Tag>
OnSwitch<Tag> first_owned(const SwitchId& s, std::type_identity<OnSwitch<Tag>>) {
  return {s, InterfaceName{}};
}

template <class T>
bool owned_by(const T& entity, const EntityKey& owner) {
  const auto owners = owners_of(entity);
  return std::find(owners.begin(), owners.end(), owner) != owners.end();
}

// Appends to `out` the keys of the entities of type T that `owner` owns.
template <class T, class OwnerId>
void collect_owned(const EntityMap<T>& table, const OwnerId& owner_id,
                   std::vector<EntityKey>& out) {
  if constexpr (kOwnedBy<T, OwnerId>) {
    const EntityKey owner{owner_id};
    if constexpr (requires { first_owned(owner_id, std::type_identity<typename T::Id>{}); }) {
      for (auto it = table.lower_bound(first_owned(owner_id, std::type_identity<typename T::Id>{}));
           it != table.end() && owned_by(*it, owner); ++it) {
        out.emplace_back(it->id);
      }
    } else {
      for (const T& e : table) {
        if (owned_by(e, owner)) out.emplace_back(e.id);
      }
    }
  }
}

template <class T>
void check_owners_present(const Snapshot& work, const T& entity) {
  for (const EntityKey& owner : owners_of(entity)) {
    if (!work.contains(owner)) {
      throw GraphError(std::string("cannot add ") + to_string(T::kKind) + " " +
                       to_string(EntityKey{entity.id}) + ": its " + to_string(kind_of(owner)) +
                       " " + to_string(owner) + " is not in the graph");
    }
  }
}

}  // namespace

bool Snapshot::contains(const EntityKey& key) const {
  return std::visit(
      [this](const auto& id) {
        return table<EntityFor<std::decay_t<decltype(id)>>>().contains(id);
      },
      key);
}

std::optional<Entity> Snapshot::get(const EntityKey& key) const {
  return std::visit(
      [this](const auto& id) -> std::optional<Entity> {
        const auto* e = table<EntityFor<std::decay_t<decltype(id)>>>().find(id);
        if (e == nullptr) return std::nullopt;
        return Entity{*e};
      },
      key);
}

std::set<VmId> touched_vms(std::span<const GraphChanges> changes) {
  std::set<VmId> vms;
  for (const GraphChanges& batch : changes) {
    for (const Change& change : batch.changes) {
      if (const auto* vm = std::get_if<VmId>(&change.key)) vms.insert(*vm);
      if (const auto* nic = std::get_if<VmNicId>(&change.key)) vms.insert(nic->vm);
    }
  }
  return vms;
}

GraphChanges Graph::apply(const Delta& delta) {
  Snapshot work = state_;  // O(1): shares every node with the current state
  std::set<EntityKey> touched;

  for (const auto& op : delta.ops()) {
    if (const Entity* entity = std::get_if<Entity>(&op)) {
      std::visit(
          [&](const auto& e) {
            using T = std::decay_t<decltype(e)>;
            // Edges re-send whole objects; an unchanged entity costs no path copy.
            if (const T* current = work.table<T>().find(e.id);
                current != nullptr && *current == e) {
              return;
            }
            check_owners_present(work, e);
            work.table<T>().set(e);
            touched.emplace(e.id);
          },
          *entity);
      continue;
    }
    std::vector<EntityKey> pending{std::get<EntityKey>(op)};
    while (!pending.empty()) {
      const EntityKey key = std::move(pending.back());
      pending.pop_back();
      std::visit(
          [&](const auto& id) {
            using Id = std::decay_t<decltype(id)>;
            if (!work.table<EntityFor<Id>>().erase(id)) return;
            touched.emplace(id);
            std::apply([&](const auto&... tables) { (collect_owned(tables, id, pending), ...); },
                       work.tables_);
          },
          key);
    }
  }

  GraphChanges result;
  for (const EntityKey& key : touched) {  // variant order: kind (dependency order), then id
    std::visit(
        [&](const auto& id) {
          using T = EntityFor<std::decay_t<decltype(id)>>;
          const T* before = state_.table<T>().find(id);
          const T* after = work.table<T>().find(id);
          if (before == nullptr && after != nullptr) {
            result.changes.push_back({ChangeType::kAdded, key});
          } else if (before != nullptr && after == nullptr) {
            result.changes.push_back({ChangeType::kRemoved, key});
          } else if (before != nullptr && !(*before == *after)) {
            result.changes.push_back({ChangeType::kModified, key});
          }
        },
        key);
  }
  if (!result.empty()) {
    work.version_ = state_.version_ + 1;
    state_ = std::move(work);
  }
  result.version = state_.version_;
  return result;
}

}  // namespace vmfabric

// Inventory: one vCenter's objects as its PropertyCollector reports them, turned into the graph
// entities they stand for. Fed decoded UpdateSets, network hints and migration events; returns
// graph Deltas. Pure; strand-confined like the vCenter session that owns it.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "graph/block_pool.h"
#include "graph/graph.h"
#include "vcenter/soap.h"

namespace vmfabric::vcenter {

// A VM's properties packed (Inventory::VmProperties::pack). Like its map entry it lives as long
// as the VM, so it comes from the pools, apart from the transient heap (graph/block_pool.h).
using PackedVmString = std::basic_string<char, std::char_traits<char>, PoolAllocator<char>>;

// Every Delta it returns is ordered so the graph accepts it: removals first, then upserts owners
// first (host before its pnics, distributed switch before its portgroups, VM before its vNICs).
// The session upserts the VCenter entity itself before applying any of them. References that are
// not ownership (a VM's host, a host's cluster, a proxy switch's DVS) are plain ids and may name
// objects not seen yet; a distributed portgroup whose switch is not known yet is held back until
// the switch arrives.
class Inventory {
 public:
  explicit Inventory(VCenterId vcenter);

  // Applies the object updates in document order, then derives every touched object (and the
  // objects that depend on it: a switch's portgroups, the hosts that are its members) once.
  // Returns upserts of everything they derive and removals of what they derived before and no
  // longer do; the graph drops upserts that change nothing. Migration events in an
  // EventHistoryCollector's latestPage are applied as by apply_events.
  Delta apply(const UpdateSet& updates);

  // A full resync (after a new session): begin_resync(), apply() every UpdateSet of the initial
  // WaitForUpdatesEx, then finish_resync(), which removes the objects not seen since
  // begin_resync. Objects seen again yield upserts only (no change when equal).
  void begin_resync();
  Delta finish_resync();

  // The latest QueryNetworkHint of one host, replacing the previous one.
  Delta apply_network_hints(const ObjectRef& host, const std::vector<PnicHint>& hints);

  // Where migration events come from: the latestPage of `collector`, in the update stream,
  // which holds at most `page_size` events. A page is cut when it is full and holds none of the
  // events seen before (or none was seen since begin_resync): older events may have scrolled off
  // it unseen. A cut page is held back, and events_held() is true, until apply_events() is given
  // a larger page read meanwhile. Without it every page is applied as it comes.
  void watch_events(const ObjectRef& collector, std::size_t page_size);
  bool events_held() const { return events_held_; }

  // Migration events, each applied once (by event key): a start sets the VM's migrating_to to
  // the destination host; completion or failure clears it, as does the VM's runtime.host
  // reaching the destination. `page` is the latestPage of a collector read on demand, which
  // holds at most `page_size` (0: unknown); it ends a hold, and events_lost() then tells whether
  // it came cut too after events had been seen, i.e. some were missed.
  Delta apply_events(const std::vector<MigrationEvent>& page, std::size_t page_size = 0);
  bool events_lost() const { return events_lost_; }

  struct NetworkSystem {
    ObjectRef host;
    ObjectRef network_system;  // configManager.networkSystem: where QueryNetworkHint goes
    bool operator==(const NetworkSystem&) const = default;
  };
  // The connected hosts whose network system is known, by host moref.
  std::vector<NetworkSystem> network_systems() const;

  // The objects to re-read with build_refresh (a change to a path nested in or enclosing a
  // requested one, an `add`, an object reported missing), each once; the list is then empty.
  std::vector<ObjectRef> take_refreshes();

  std::size_t object_count() const { return objects_.size() + vms_.size(); }

 private:
  // One entity an object derived, by what tells it apart within the object (the rest of its id is
  // the vCenter and the object's moref): the entity's kind (its EntityKey alternative) and the
  // name (a pnic's device, a vSwitch's name, ...) or number (a vNIC's key). Kept for every object
  // but VMs: a third of the size of full keys.
  struct Derived {
    std::uint8_t kind = 0;
    int number = 0;
    std::string name;
    auto operator<=>(const Derived&) const = default;
  };

  // A VM's properties. VMs are nearly all the objects, so between updates each is kept packed
  // (pack/unpack): one allocation of ~100 bytes instead of ~500 in strings and vectors. An unset
  // property reads as its default, as derive_vm would.
  struct VmProperties {
    std::string name;
    std::string host;  // runtime.host's moref; empty: none
    std::vector<EthernetCardInfo> cards;
    PowerState power = PowerState::kPoweredOff;
    bool is_template = false;
    void set(Path path, const Value& value);  // monostate: unset
    PackedVmString pack() const;
    static VmProperties unpack(std::string_view packed);
    // What derive_vm derives from them, sorted.
    std::vector<Derived> derived() const;
  };

  struct Object {  // anything but a VM
    ObjectKind kind = ObjectKind::kOther;
    bool seen = true;                            // since begin_resync
    std::vector<std::pair<Path, Value>> values;  // set properties only
    std::vector<Derived> derived;                // sorted
  };

  struct PackedVm {
    PackedVmString properties;  // VmProperties::pack
    bool seen = true;           // since begin_resync
  };

  // What one call changed, by moref: the objects to derive again, and the distributed switches
  // among them with their uuids before and after (what portgroups and host members refer to).
  struct Touched {
    std::set<std::string> objects;
    std::set<std::string> switches;
    std::set<std::string> switch_uuids;
    // What the VMs among `objects` derived before this call (a VM's derived entities follow from
    // its properties, so they are not kept between calls).
    std::unordered_map<std::string, std::vector<Derived>> vms_before;
  };

  void apply_update(const ObjectUpdate& update, Touched& touched);
  void touch_switch(const std::string& moref, Touched& touched) const;
  // Calls assign(path, value) for each property the update sets or unsets (value: monostate);
  // a nested path or an `add` asks for a refresh instead.
  template <class Assign>
  void for_each_assignment(const ObjectUpdate& update, const Assign& assign);
  void apply_vm_update(const ObjectUpdate& update, Touched& touched);
  // Records what the VM `moref` derives now, unless this call already did.
  void remember_vm(const std::string& moref, Touched& touched) const;
  void erase_object(const std::string& moref);
  void record_events(const std::vector<MigrationEvent>& page, Touched& touched);
  bool cut(const std::vector<MigrationEvent>& page, std::size_t size) const;
  // Derives the touched objects and those that depend on the touched switches.
  Delta derive(Touched touched);
  std::vector<Entity> derive_object(const std::string& moref);
  void derive_host(const std::string& moref, const Object& host, std::vector<Entity>& out) const;
  void derive_vm(const std::string& moref, const VmProperties& vm, std::vector<Entity>& out);
  void derive_dv_portgroup(const std::string& moref, const Object& pg,
                           std::vector<Entity>& out) const;
  const std::string* dvs_uuid(const Object& dvs) const;

  VCenterId vcenter_;
  std::unordered_map<std::string, Object> objects_;  // by moref; not VMs
  std::unordered_map<std::string, PackedVm, std::hash<std::string>, std::equal_to<std::string>,
                     PoolAllocator<std::pair<const std::string, PackedVm>>>
      vms_;  // by moref
  // What erased objects derived, until derive() removes it.
  std::unordered_map<std::string, std::vector<Derived>> erased_;
  std::unordered_map<std::string, std::string> dvs_by_uuid_;      // uuid -> DVS moref
  std::unordered_map<std::string, std::vector<PnicHint>> hints_;  // by host moref
  std::unordered_map<std::string, std::string> migrations_;       // VM moref -> destination host
  std::int64_t last_event_key_ = -1;  // the newest applied since begin_resync
  ObjectRef event_collector_;         // watch_events
  std::size_t event_page_size_ = 0;
  bool events_held_ = false;
  bool events_lost_ = false;
  std::set<ObjectRef> refreshes_;
};

}  // namespace vmfabric::vcenter

// WaitForUpdatesEx reporting a modified object once per update set, with its latest values.
//
// vCenter's property collector calculates the changes since the client's version: an object
// changed several times in between is reported once, with the values it has now. govmomi 0.24's
// simulator queues every change and reports each: an EventHistoryCollector's `latestPage` (up to
// 1,000 events) once per event posted. In a storm of 800 vMotions in 10 s at 10,000 VMs,
// vmfabricd's responses grew while it parsed the previous one (more events queued meanwhile)
// until one passed its 64 MiB cap, and the session had to resync. overlay.cmake passes each
// tick's updates of a filter through vmfabricCoalesce, then appends what follows the marker line
// below to the patched property_collector.go (README.md, "Property updates"). This file compiles
// and vets alone.
package simulator

import "github.com/vmware/govmomi/vim25/types"

// vmfabric: appended to property_collector.go from here on.

// vmfabricCoalesce merges the modify updates of each object into one, where its last one was,
// holding each property's last value (in the order the properties first changed). An object with
// a change other than an assignment (an element added or removed) is left as it is: its changes
// only add up in order.
func vmfabricCoalesce(updates []types.ObjectUpdate) []types.ObjectUpdate {
	last := map[types.ManagedObjectReference]int{}
	unmergeable := map[types.ManagedObjectReference]bool{}
	modifies := 0
	for i, u := range updates {
		if u.Kind != types.ObjectUpdateKindModify {
			continue
		}
		modifies++
		last[u.Obj] = i
		for _, c := range u.ChangeSet {
			if c.Op != types.PropertyChangeOpAssign {
				unmergeable[u.Obj] = true
			}
		}
	}
	if modifies == len(last) {
		return updates // no object was modified twice
	}
	merged := map[types.ManagedObjectReference][]types.PropertyChange{}
	out := make([]types.ObjectUpdate, 0, len(updates))
	for i, u := range updates {
		if u.Kind != types.ObjectUpdateKindModify || unmergeable[u.Obj] {
			out = append(out, u)
			continue
		}
		changes := merged[u.Obj]
		for _, c := range u.ChangeSet {
			replaced := false
			for j := range changes {
				if changes[j].Name == c.Name {
					changes[j], replaced = c, true
					break
				}
			}
			if !replaced {
				changes = append(changes, c)
			}
		}
		merged[u.Obj] = changes
		if last[u.Obj] == i {
			u.ChangeSet = changes
			out = append(out, u)
		}
	}
	return out
}

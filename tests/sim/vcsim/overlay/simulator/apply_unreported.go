// PropertyCollector.apply collecting properties only for the objects a filter has not reported.
//
// apply looks for the objects a filter's spec selects that the filter has not reported yet (a
// new VM, or what a changed traversal now reaches) and returns them as enter updates with their
// properties. govmomi 0.24 collects the properties of every selected object, by reflection, and
// then drops the ones already reported. At 10,000 VMs that was most of each update tick: during
// a storm of vNIC moves, `perf` put 53% of the simulator's CPU in retrieveResult.collect under
// apply, and most of the rest in collecting its garbage, and updates reached the client
// 110-180 ms late (p50). overlay.cmake turns collect into vmfabricCollect, which takes a
// predicate on the selected objects, and has apply pass vmfabricUnreported: the selection is
// unchanged and the update is the same, in the same order. It appends what follows the marker
// line below to the patched property_collector.go (README.md, "Property updates"). This file
// compiles and vets alone.
package simulator

import "github.com/vmware/govmomi/vim25/types"

// vmfabric: appended to property_collector.go from here on.

// vmfabricUnreported returns whether a filter that has reported the objects in `reported` has
// not reported ref yet.
func vmfabricUnreported(reported map[types.ManagedObjectReference]struct{}) func(types.ManagedObjectReference) bool {
	return func(ref types.ManagedObjectReference) bool {
		_, ok := reported[ref]
		return !ok
	}
}

// WaitForUpdatesEx honouring WaitOptions.maxObjectUpdates, as vCenter does.
//
// govmomi 0.24's simulator ignores maxObjectUpdates and answers the initial
// WaitForUpdatesEx(version="") with every object at once: tens of MB for 20,000 VMs, more than a
// client's response cap, where vCenter would return at most maxObjectUpdates ObjectUpdates with
// truncated=true and the rest on the following calls. overlay.cmake renames the simulator's
// WaitForUpdatesEx to waitForUpdatesEx, adds a vmfabricTruncation field to PropertyCollector and
// a WaitForUpdatesEx that calls vmfabricTruncation.next, then appends what follows the marker
// line below to the patched property_collector.go (README.md, "Property updates"). This file
// compiles and vets alone; property_collector.go already imports these packages.
package simulator

import (
	"sync"

	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// vmfabric: appended to property_collector.go from here on.

// vmfabricTruncation holds what a collector's truncated update set has not returned yet.
type vmfabricTruncation struct {
	mu   sync.Mutex // also serializes a collector's WaitForUpdatesEx calls
	rest *types.UpdateSet
}

// next answers a WaitForUpdatesEx: the rest of a truncated update set if there is one (at once,
// before any newer change), else what wait returns; either capped at the request's
// maxObjectUpdates (none, or 0: no cap), keeping the remainder for the next call.
func (t *vmfabricTruncation) next(r *types.WaitForUpdatesEx, wait func() soap.HasFault) soap.HasFault {
	t.mu.Lock()
	defer t.mu.Unlock()
	set := t.rest
	if set == nil {
		res := wait()
		body, ok := res.(*methods.WaitForUpdatesExBody)
		if !ok || body.Res == nil || body.Res.Returnval == nil {
			return res // a fault, or nothing to report
		}
		set = body.Res.Returnval
	}
	limit := 0
	if r.Options != nil {
		limit = int(r.Options.MaxObjectUpdates)
	}
	var head *types.UpdateSet
	head, t.rest = vmfabricSplitUpdateSet(set, limit)
	return &methods.WaitForUpdatesExBody{Res: &types.WaitForUpdatesExResponse{Returnval: head}}
}

// vmfabricSplitUpdateSet returns the first `limit` ObjectUpdates of set (all when limit <= 0),
// truncated when there are more, and the others (nil when none), in order, per filter.
func vmfabricSplitUpdateSet(set *types.UpdateSet, limit int) (head, rest *types.UpdateSet) {
	head = &types.UpdateSet{Version: set.Version, FilterSet: set.FilterSet}
	if limit > 0 {
		for i, room := 0, limit; i < len(set.FilterSet); i++ {
			fu := set.FilterSet[i]
			if len(fu.ObjectSet) < room {
				room -= len(fu.ObjectSet)
				continue
			}
			taken := fu
			taken.ObjectSet = fu.ObjectSet[:room]
			left := types.PropertyFilterUpdate{Filter: fu.Filter, ObjectSet: fu.ObjectSet[room:]}
			head.FilterSet = append(set.FilterSet[:i:i], taken)
			remaining := set.FilterSet[i+1:]
			if len(left.ObjectSet) != 0 {
				remaining = append([]types.PropertyFilterUpdate{left}, remaining...)
			}
			if len(remaining) != 0 {
				rest = &types.UpdateSet{Version: set.Version, FilterSet: remaining}
			}
			break
		}
	}
	if rest != nil {
		head.Truncated = types.NewBool(true)
	}
	return head, rest
}

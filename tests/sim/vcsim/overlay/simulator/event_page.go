// An EventHistoryCollector's page: exactly the newest `size` matching events, and updated
// without a lock-order deadlock.
//
// Contents. The EventManager's ring has the newest event at m.page and older ones at
// m.page.Next(); a collector's page is kept the same way, PostEvent writing the new event at
// c.page.Prev(), over the oldest. govmomi 0.24's fillPage (CreateCollectorForEvents,
// SetCollectorPageSize) breaks that: it walks the manager's ring from the newest event to the
// oldest ones (so a new page of N gets the newest event and the N-1 oldest), writes the page in
// the wrong direction (after a grow the next event overwrites one that should stay, while empty
// slots remain), and on a shrink keeps the part it unlinks (shrinking 1000 to 100 leaves 900
// events, without the newest). vmfabricd watches a small latestPage and reads a larger
// collector's page when the small one came cut, so each page must hold exactly the newest `size`
// matching events. overlay.cmake has fillPage call vmfabricFillPage.
//
// Locks. The simulator runs each method holding its object's lock. PostEvent, run holding the
// EventManager's, took each collector's lock to add the event to its page, while
// SetCollectorPageSize and DestroyCollector, run holding the collector's, take the
// EventManager's: a collector resized or destroyed while an event was posted deadlocked the
// simulator, and every later call that posts an event or reads the collector waited forever.
// vmfabricd does both: it sets its collector's page size when a session starts, and destroys the
// collector it read a cut page again from. So the collectors' pages (c.page and c.LatestPage)
// are guarded by vmfabricEventPages instead: overlay.cmake has PostEvent call vmfabricPost
// rather than lock each collector, and GetLatestPage and Get take vmfabricEventPages.
// Nothing but the registry's and property collectors' own short locks is taken while it is
// held, so the order is collector, then EventManager, then vmfabricEventPages.
//
// overlay.cmake then appends what follows the marker line below to the patched event_manager.go
// (README.md, "Event pages"). This file compiles and vets alone, with stand-ins for the
// declarations of event_manager.go and registry.go it uses; event_manager.go already imports
// these packages but sync, which overlay.cmake adds as vmfabricsync.
package simulator

import (
	"container/ring"
	vmfabricsync "sync"

	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// Stand-ins for the declarations of event_manager.go and registry.go (not appended).
type EventManager struct{ page *ring.Ring }

type EventHistoryCollector struct {
	mo.EventHistoryCollector

	m    *EventManager
	page *ring.Ring
	pos  int
}

func (c *EventHistoryCollector) eventMatches(types.BaseEvent) bool { return true }

func (c *EventHistoryCollector) vmfabricLatestPage() []types.BaseEvent { return nil }

type Registry struct{}

func (r *Registry) Update(mo.Reference, []types.PropertyChange) {}

var Map *Registry

// vmfabric: appended to event_manager.go from here on.

// vmfabricFillPage replaces the collector's page by a ring of `size` holding the newest `size`
// events of the manager that match the filter: the newest at c.page, older ones at
// c.page.Next(), empty slots (when fewer match) last, at c.page.Prev(), where PostEvent writes.
func (c *EventHistoryCollector) vmfabricFillPage(size int) {
	c.pos = 0
	page := ring.New(size)
	slot := page
	filled := 0
	m := c.m.page
	for i, n := 0, m.Len(); i < n && filled < size; i, m = i+1, m.Next() {
		event, ok := m.Value.(types.BaseEvent)
		if !ok || !c.eventMatches(event) {
			continue
		}
		slot.Value = event
		slot = slot.Next()
		filled++
	}
	vmfabricEventPages.Lock()
	defer vmfabricEventPages.Unlock()
	c.page = page
}

// vmfabricEventPages guards every collector's page and LatestPage (see the top of
// tests/sim/vcsim/overlay/simulator/event_page.go).
var vmfabricEventPages vmfabricsync.Mutex

// vmfabricPost adds an event the EventManager posts (holding its lock) to the collector's page,
// if it matches, and reports the new latestPage.
func (c *EventHistoryCollector) vmfabricPost(event types.BaseEvent) {
	if !c.eventMatches(event) {
		return
	}
	vmfabricEventPages.Lock()
	defer vmfabricEventPages.Unlock()
	c.page = c.page.Prev()
	c.page.Value = event
	Map.Update(c, []types.PropertyChange{{Name: "latestPage", Val: c.vmfabricLatestPage()}})
}

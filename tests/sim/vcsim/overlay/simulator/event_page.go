// An EventHistoryCollector's page holding exactly the newest `size` matching events.
//
// The EventManager's ring has the newest event at m.page and older ones at m.page.Next(); a
// collector's page is kept the same way, PostEvent writing the new event at c.page.Prev(), over
// the oldest. govmomi 0.24's fillPage (CreateCollectorForEvents, SetCollectorPageSize) breaks
// that: it walks the manager's ring from the newest event to the oldest ones (so a new page of N
// gets the newest event and the N-1 oldest), writes the page in the wrong direction (after a grow
// the next event overwrites one that should stay, while empty slots remain), and on a shrink
// keeps the part it unlinks (shrinking 1000 to 100 leaves 900 events, without the newest).
// vmfabricd watches a small latestPage and reads a larger collector's page when the small one
// came cut, so each page must hold exactly the newest `size` matching events. overlay.cmake has
// fillPage call vmfabricFillPage, then appends what follows the marker line below to the patched
// event_manager.go (README.md, "Event pages"). This file compiles and vets alone, with stand-ins
// for the declarations of event_manager.go it uses; event_manager.go already imports these
// packages.
package simulator

import (
	"container/ring"

	"github.com/vmware/govmomi/vim25/types"
)

// Stand-ins for event_manager.go's declarations (not appended).
type EventManager struct{ page *ring.Ring }

type EventHistoryCollector struct {
	m    *EventManager
	page *ring.Ring
	pos  int
}

func (c *EventHistoryCollector) eventMatches(types.BaseEvent) bool { return true }

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
	c.page = page
}

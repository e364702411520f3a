// WaitForUpdatesEx re-collecting a filter's objects once per tick, not once per change.
//
// govmomi 0.24's simulator, for every object created or modified since its last tick, calls
// PropertyCollector.apply, which re-collects every object the filters cover (by reflection,
// holding the registry's lock) to find the ones they have not reported yet. With 10,000 VMs that
// is about 0.3 s per change: a storm of 150 changes reached the client 48 s late, and 800
// migrations in 10 s left it tens of seconds behind. apply only adds the objects a filter has not
// seen, and nothing changes while the tick holds the lock, so once per tick finds the same ones.
// overlay.cmake declares `vmfabricApplied` at the top of each tick and routes the tick's two
// apply() calls through vmfabricApplyOnce, then appends what follows the marker line below to the
// patched property_collector.go (README.md, "Property updates"). This file compiles and vets
// alone.
package simulator

// vmfabric: appended to property_collector.go from here on.

// vmfabricApplyOnce calls apply the first time in a tick (*applied false) and reports success
// without calling it again afterwards.
func vmfabricApplyOnce(applied *bool, apply func() bool) bool {
	if *applied {
		return true
	}
	*applied = true
	return apply()
}

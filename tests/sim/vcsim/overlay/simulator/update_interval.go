// How often a pending WaitForUpdatesEx of govmomi's simulator looks for property updates.
//
// overlay.cmake appends what follows the marker line below to a patched copy of the simulator's
// property_collector.go (with the import of "os" as vmfabricos), whose WaitForUpdatesEx then
// ticks every vmfabricUpdateInterval instead of every 250 ms; `go build -overlay` compiles that
// copy in place of the Debian file (README.md, "Property updates"). The code is appended rather
// than added as a file of its own because Go 1.19's vet, which `go test` runs, does not see files
// that exist only in an overlay. This file compiles and vets alone; property_collector.go
// already imports log and time.
package simulator

import (
	"log"
	vmfabricos "os"
	"time"
)

// vmfabric: appended to property_collector.go from here on.

// VmfabricUpdateIntervalEnv names the environment variable that sets the interval: a Go
// duration of at least 100µs ("1ms"; "250ms" is govmomi's own behaviour). Read once, at start.
const VmfabricUpdateIntervalEnv = "VMFABRIC_VCSIM_UPDATE_INTERVAL"

// VmfabricDefaultUpdateInterval: negligible next to what the benchmarks measure, long enough not
// to spin.
const VmfabricDefaultUpdateInterval = time.Millisecond

var vmfabricUpdateInterval = vmfabricUpdateIntervalFromEnv()

func vmfabricUpdateIntervalFromEnv() time.Duration {
	v, ok := vmfabricos.LookupEnv(VmfabricUpdateIntervalEnv)
	if !ok || v == "" {
		return VmfabricDefaultUpdateInterval
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 100*time.Microsecond {
		// Exits 1, before anything else runs.
		log.New(vmfabricos.Stderr, "", 0).Fatalf("%s=%q: expected a Go duration of at least 100µs (e.g. 1ms)",
			VmfabricUpdateIntervalEnv, v)
	}
	return d
}

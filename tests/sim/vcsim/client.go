package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// clientCommand is a subcommand that logs in to a vCenter SDK URL and does one thing.
type clientCommand struct {
	name, args, help string
	nargs            int                 // number of positional arguments
	flags            func(*flag.FlagSet) // extra flags, if any
	run              func(ctx context.Context, c *vim25.Client, args []string) (string, error)
	// stream, instead of run, for a command that prints as it goes (one line per step).
	stream func(ctx context.Context, c *vim25.Client, args []string, stdout io.Writer) error
}

func clientCommands() []*clientCommand {
	var trunk string
	var storm stormOptions
	var vmotionStorm vmotionStormOptions
	return []*clientCommand{
		{name: "poweron", args: "VM", help: "power a VM on", nargs: 1, run: powerOn},
		{name: "poweroff", args: "VM", help: "power a VM off", nargs: 1, run: powerOff},
		{name: "migrate", args: "VM HOST", help: "migrate a VM to another host (RelocateVM_Task)", nargs: 2, run: migrate},
		{name: "set-nic", args: "VM NICINDEX PORTGROUP", help: "attach the VM's NICINDEX-th ethernet card (from 0, by device key) to a standard or DV portgroup", nargs: 3, run: setNic},
		{name: "add-portgroup", args: "HOST VSWITCH NAME VLAN", help: "add a standard portgroup to a host's vSwitch", nargs: 4, run: addPortgroup},
		{name: "set-portgroup-vlan", args: "HOST NAME VLAN", help: "change the VLAN of a host's standard portgroup", nargs: 3, run: setPortgroupVlan},
		{name: "remove-portgroup", args: "HOST NAME", help: "remove a standard portgroup from a host", nargs: 2, run: removePortgroup},
		{
			name: "set-dvportgroup-vlan", args: "NAME VLAN | NAME --trunk RANGE", help: "set a DV portgroup's access VLAN or trunk range (e.g. 100-199,300)",
			flags: func(fs *flag.FlagSet) { fs.StringVar(&trunk, "trunk", "", "EOS-style VLAN range list instead of VLAN") },
			nargs: -1,
			run: func(ctx context.Context, c *vim25.Client, args []string) (string, error) {
				return setDVPortgroupVlan(ctx, c, args, trunk)
			},
		},
		{name: "create-vm", args: "NAME HOST PORTGROUP", help: "create a powered-off VM with one vmxnet3 nic on a portgroup", nargs: 3, run: createVM},
		{name: "destroy-vm", args: "NAME", help: "power a VM off if needed and destroy it", nargs: 1, run: destroyVM},
		{name: "inventory", help: "print the inventory as govmomi sees it, as JSON", run: inventory},
		{
			name: "storm", help: "load generator: set a DV portgroup's VLAN --count times, one JSON line per change",
			flags: storm.register, stream: storm.run,
		},
		{
			name: "vmotion-storm", help: "load generator: migrate VMs to hosts as listed in --moves FILE, concurrently, one JSON line per move",
			flags: vmotionStorm.register, stream: vmotionStorm.run,
		},
	}
}

type connOptions struct {
	url, username, password, caFile string
	insecure                        bool
	timeout                         time.Duration
}

func (o *connOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.url, "url", os.Getenv("VCSIM_URL"), "SDK URL such as https://127.0.0.1:8989/sdk; defaults to $VCSIM_URL")
	fs.StringVar(&o.username, "username", "user", "user name")
	fs.StringVar(&o.password, "password", "pass", "password")
	fs.BoolVar(&o.insecure, "insecure", false, "do not verify the server certificate")
	fs.StringVar(&o.caFile, "ca-file", "", "PEM file of CA certificates to verify the server with")
	fs.DurationVar(&o.timeout, "timeout", time.Minute, "give up after this long")
}

func (o *connOptions) connect(ctx context.Context) (*vim25.Client, func(), error) {
	switch {
	case o.url == "":
		return nil, nil, errors.New("--url is required (or set VCSIM_URL)")
	case o.insecure && o.caFile != "":
		return nil, nil, errors.New("--insecure and --ca-file are exclusive")
	}
	u, err := soap.ParseURL(o.url)
	if err != nil {
		return nil, nil, err
	}
	sc := soap.NewClient(u, o.insecure)
	if o.caFile != "" {
		if err := sc.SetRootCAs(o.caFile); err != nil {
			return nil, nil, fmt.Errorf("--ca-file: %w", err)
		}
	}
	c, err := vim25.NewClient(ctx, sc)
	if err != nil {
		return nil, nil, err
	}
	sm := session.NewManager(c)
	if err := sm.Login(ctx, url.UserPassword(o.username, o.password)); err != nil {
		return nil, nil, fmt.Errorf("login as %q: %w", o.username, err)
	}
	return c, func() { _ = sm.Logout(context.Background()) }, nil
}

func (cc *clientCommand) execute(args []string, stdout, stderr io.Writer) error {
	var o connOptions
	fs := newFlagSet(cc.name, "[flags] "+cc.args, cc.help, stderr)
	o.register(fs)
	if cc.flags != nil {
		cc.flags(fs)
	}
	pos, err := parseArgs(fs, args, cc.nargs)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	c, logout, err := o.connect(ctx)
	if err != nil {
		return err
	}
	defer logout()
	if cc.stream != nil {
		return cc.stream(ctx, c, pos, stdout)
	}
	out, err := cc.run(ctx, c, pos)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, out)
	return nil
}

// find returns the one entity of the given managed object type with that name.
func find(ctx context.Context, c *vim25.Client, kind, name string) (types.ManagedObjectReference, error) {
	refs, err := findAll(ctx, c, []string{kind}, name)
	if err != nil {
		return types.ManagedObjectReference{}, err
	}
	return only(kind, name, refs)
}

// only returns the one entity of refs, the kind entities named name.
func only(kind, name string, refs []types.ManagedObjectReference) (types.ManagedObjectReference, error) {
	switch len(refs) {
	case 0:
		return types.ManagedObjectReference{}, fmt.Errorf("no %s named %q", kind, name)
	case 1:
		return refs[0], nil
	}
	return types.ManagedObjectReference{}, fmt.Errorf("%d objects of type %s are named %q", len(refs), kind, name)
}

// findAll returns the entities of exactly the given types (not subtypes) with that name.
func findAll(ctx context.Context, c *vim25.Client, kinds []string, name string) ([]types.ManagedObjectReference, error) {
	byName, err := entitiesByName(ctx, c, kinds)
	return byName[name], err
}

// entitiesByName returns the entities of exactly the given types (not subtypes) by name, in one
// retrieval.
func entitiesByName(ctx context.Context, c *vim25.Client, kinds []string) (map[string][]types.ManagedObjectReference, error) {
	v, err := view.NewManager(c).CreateContainerView(ctx, c.ServiceContent.RootFolder, kinds, true)
	if err != nil {
		return nil, err
	}
	defer func() { _ = v.Destroy(context.Background()) }()
	// Raw contents: mo.Network shadows ManagedEntity.Name, so decoding into
	// []mo.ManagedEntity would lose network names.
	var contents []types.ObjectContent
	if err := v.Retrieve(ctx, kinds, []string{"name"}, &contents); err != nil {
		return nil, err
	}
	byName := map[string][]types.ManagedObjectReference{}
	for _, oc := range contents {
		for _, k := range kinds {
			if oc.Obj.Type != k || len(oc.PropSet) != 1 {
				continue
			}
			if name, ok := oc.PropSet[0].Val.(string); ok {
				byName[name] = append(byName[name], oc.Obj)
			}
		}
	}
	return byName, nil
}

func findVM(ctx context.Context, c *vim25.Client, name string) (*object.VirtualMachine, error) {
	ref, err := find(ctx, c, "VirtualMachine", name)
	if err != nil {
		return nil, err
	}
	return object.NewVirtualMachine(c, ref), nil
}

func findHost(ctx context.Context, c *vim25.Client, name string) (*object.HostSystem, error) {
	ref, err := find(ctx, c, "HostSystem", name)
	if err != nil {
		return nil, err
	}
	return object.NewHostSystem(c, ref), nil
}

func parseVlan(s string, max int) (int32, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > max {
		return 0, fmt.Errorf("invalid VLAN %q (want 0-%d)", s, max)
	}
	return int32(n), nil
}

func powerOn(ctx context.Context, c *vim25.Client, args []string) (string, error) {
	vm, err := findVM(ctx, c, args[0])
	if err != nil {
		return "", err
	}
	if _, err := wait(ctx)(vm.PowerOn(ctx)); err != nil {
		return "", err
	}
	return args[0] + ": poweredOn", nil
}

func powerOff(ctx context.Context, c *vim25.Client, args []string) (string, error) {
	vm, err := findVM(ctx, c, args[0])
	if err != nil {
		return "", err
	}
	if _, err := wait(ctx)(vm.PowerOff(ctx)); err != nil {
		return "", err
	}
	return args[0] + ": poweredOff", nil
}

func migrate(ctx context.Context, c *vim25.Client, args []string) (string, error) {
	vm, err := findVM(ctx, c, args[0])
	if err != nil {
		return "", err
	}
	host, err := findHost(ctx, c, args[1])
	if err != nil {
		return "", err
	}
	dst, err := migrationTarget(ctx, host)
	if err != nil {
		return "", err
	}
	src, err := relocate(ctx, vm, dst, nil)
	if err != nil {
		return "", err
	}
	srcName, err := object.NewHostSystem(c, src).ObjectName(ctx)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s: %s -> %s", args[0], srcName, args[1]), nil
}

// target is where a migration goes: a host and its cluster's root resource pool.
type target struct {
	host, pool types.ManagedObjectReference
}

func migrationTarget(ctx context.Context, host *object.HostSystem) (target, error) {
	pool, err := host.ResourcePool(ctx)
	if err != nil {
		return target{}, err
	}
	return target{host: host.Reference(), pool: pool.Reference()}, nil
}

// relocate moves vm to dst's host with RelocateVM_Task (and to dst's pool when the VM is in
// another cluster's), waits for the task and returns the host the VM was on. beforeSend, when
// not nil, runs just before the request goes out (after the VM's placement was read), so that a
// caller timing the migration leaves the read out.
func relocate(ctx context.Context, vm *object.VirtualMachine, dst target, beforeSend func()) (types.ManagedObjectReference, error) {
	var props mo.VirtualMachine
	if err := vm.Properties(ctx, vm.Reference(), []string{"runtime.host", "resourcePool"}, &props); err != nil {
		return types.ManagedObjectReference{}, err
	}
	if props.Runtime.Host == nil {
		return types.ManagedObjectReference{}, fmt.Errorf("VM %s has no host (destroyed?)", vm.Reference().Value)
	}
	spec := types.VirtualMachineRelocateSpec{Host: types.NewReference(dst.host)}
	if props.ResourcePool == nil || *props.ResourcePool != dst.pool {
		spec.Pool = types.NewReference(dst.pool) // another cluster
	}
	if beforeSend != nil {
		beforeSend()
	}
	_, err := wait(ctx)(vm.Relocate(ctx, spec, types.VirtualMachineMovePriorityDefaultPriority))
	return *props.Runtime.Host, err
}

// networkBacking returns the ethernet card backing of a standard or DV portgroup.
func networkBacking(ctx context.Context, c *vim25.Client, name string) (types.BaseVirtualDeviceBackingInfo, error) {
	refs, err := findAll(ctx, c, []string{"Network", "DistributedVirtualPortgroup"}, name)
	if err != nil {
		return nil, err
	}
	switch {
	case len(refs) == 0:
		return nil, fmt.Errorf("no portgroup named %q", name)
	case len(refs) > 1:
		return nil, fmt.Errorf("%d networks are named %q", len(refs), name)
	case refs[0].Type == "Network":
		return object.NewNetwork(c, refs[0]).EthernetCardBackingInfo(ctx)
	}
	return object.NewDistributedVirtualPortgroup(c, refs[0]).EthernetCardBackingInfo(ctx)
}

func setNic(ctx context.Context, c *vim25.Client, args []string) (string, error) {
	index, err := strconv.Atoi(args[1])
	if err != nil || index < 0 {
		return "", fmt.Errorf("invalid NICINDEX %q", args[1])
	}
	vm, err := findVM(ctx, c, args[0])
	if err != nil {
		return "", err
	}
	backing, err := networkBacking(ctx, c, args[2])
	if err != nil {
		return "", err
	}
	devices, err := vm.Device(ctx)
	if err != nil {
		return "", err
	}
	nics := ethernetCards(devices)
	if index >= len(nics) {
		return "", fmt.Errorf("VM %q has %d ethernet cards", args[0], len(nics))
	}
	nics[index].GetVirtualDevice().Backing = backing
	if err := vm.EditDevice(ctx, nics[index]); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s: %s -> %s", args[0], devices.Name(nics[index]), args[2]), nil
}

// ethernetCards returns the VM's ethernet cards in device key order, which is ethernet-N
// order; editing a card moves it to the end of the simulator's device list.
func ethernetCards(devices object.VirtualDeviceList) object.VirtualDeviceList {
	nics := devices.SelectByType((*types.VirtualEthernetCard)(nil))
	sort.Slice(nics, func(i, j int) bool { return nics[i].GetVirtualDevice().Key < nics[j].GetVirtualDevice().Key })
	return nics
}

func networkSystem(ctx context.Context, c *vim25.Client, hostName string) (*object.HostNetworkSystem, error) {
	host, err := findHost(ctx, c, hostName)
	if err != nil {
		return nil, err
	}
	return host.ConfigManager().NetworkSystem(ctx)
}

func addPortgroup(ctx context.Context, c *vim25.Client, args []string) (string, error) {
	vlan, err := parseVlan(args[3], 4095)
	if err != nil {
		return "", err
	}
	ns, err := networkSystem(ctx, c, args[0])
	if err != nil {
		return "", err
	}
	spec := types.HostPortGroupSpec{Name: args[2], VlanId: vlan, VswitchName: args[1]}
	if err := ns.AddPortGroup(ctx, spec); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s: portgroup %s on %s, VLAN %d", args[0], args[2], args[1], vlan), nil
}

func setPortgroupVlan(ctx context.Context, c *vim25.Client, args []string) (string, error) {
	vlan, err := parseVlan(args[2], 4095)
	if err != nil {
		return "", err
	}
	ns, err := networkSystem(ctx, c, args[0])
	if err != nil {
		return "", err
	}
	var props mo.HostNetworkSystem
	if err := ns.Properties(ctx, ns.Reference(), []string{"networkInfo.portgroup"}, &props); err != nil {
		return "", err
	}
	for _, pg := range props.NetworkInfo.Portgroup {
		if pg.Spec.Name == args[1] {
			spec := pg.Spec
			spec.VlanId = vlan
			if err := ns.UpdatePortGroup(ctx, args[1], spec); err != nil {
				return "", err
			}
			return fmt.Sprintf("%s: portgroup %s VLAN %d -> %d", args[0], args[1], pg.Spec.VlanId, vlan), nil
		}
	}
	return "", fmt.Errorf("host %q has no portgroup %q", args[0], args[1])
}

func removePortgroup(ctx context.Context, c *vim25.Client, args []string) (string, error) {
	ns, err := networkSystem(ctx, c, args[0])
	if err != nil {
		return "", err
	}
	if err := ns.RemovePortGroup(ctx, args[1]); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s: portgroup %s removed", args[0], args[1]), nil
}

func setDVPortgroupVlan(ctx context.Context, c *vim25.Client, args []string, trunk string) (string, error) {
	var vlan types.BaseVmwareDistributedVirtualSwitchVlanSpec
	switch {
	case len(args) == 2 && trunk == "":
		id, err := parseVlan(args[1], 4094)
		if err != nil {
			return "", err
		}
		vlan = &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: id}
	case len(args) == 1 && trunk != "":
		ranges, err := ParseTrunk(trunk)
		if err != nil {
			return "", err
		}
		vlan = &types.VmwareDistributedVirtualSwitchTrunkVlanSpec{VlanId: ranges}
	default:
		return "", errors.New("usage: set-dvportgroup-vlan NAME VLAN | NAME --trunk RANGE")
	}
	pg, err := findDVPortgroup(ctx, c, args[0])
	if err != nil {
		return "", err
	}
	if err := reconfigureDVPortgroupVlan(ctx, pg, vlan, nil); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s: %s", args[0], describeVlan(vlan)), nil
}

func findDVPortgroup(ctx context.Context, c *vim25.Client, name string) (*object.DistributedVirtualPortgroup, error) {
	ref, err := find(ctx, c, "DistributedVirtualPortgroup", name)
	if err != nil {
		return nil, err
	}
	return object.NewDistributedVirtualPortgroup(c, ref), nil
}

// reconfigureDVPortgroupVlan gives pg the VLAN spec, keeping the rest of its configuration, and
// waits for the task. beforeSend, when not nil, runs just before ReconfigureDVPortgroup_Task goes
// out (after the config was read), so that a caller timing the change leaves the read out.
func reconfigureDVPortgroupVlan(ctx context.Context, pg *object.DistributedVirtualPortgroup,
	vlan types.BaseVmwareDistributedVirtualSwitchVlanSpec, beforeSend func()) error {
	var props mo.DistributedVirtualPortgroup
	if err := pg.Properties(ctx, pg.Reference(), []string{"config"}, &props); err != nil {
		return err
	}
	// A complete spec: the simulator replaces the configuration with it.
	cfg := props.Config
	setting := &types.VMwareDVSPortSetting{}
	if current, ok := cfg.DefaultPortConfig.(*types.VMwareDVSPortSetting); ok {
		copied := *current
		setting = &copied
	}
	setting.Vlan = vlan
	spec := types.DVPortgroupConfigSpec{
		ConfigVersion: cfg.ConfigVersion, Name: cfg.Name, NumPorts: cfg.NumPorts, Type: cfg.Type,
		Description: cfg.Description, Policy: cfg.Policy, AutoExpand: cfg.AutoExpand, DefaultPortConfig: setting,
	}
	if beforeSend != nil {
		beforeSend()
	}
	_, err := wait(ctx)(pg.Reconfigure(ctx, spec))
	return err
}

// stormOptions are the flags of `storm`, a load generator for latency benchmarks: a VLAN change
// timed from a separate process per event would include that process's start-up (tens of ms).
// Two kinds of change: a DV portgroup's VLAN (--portgroup), or which DV portgroup a VM's first
// ethernet card is on (--vm, cycling through --portgroups).
type stormOptions struct {
	portgroup  string
	firstVlan  int
	vm         string
	portgroups string
	count      int
	interval   time.Duration
}

func (o *stormOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.portgroup, "portgroup", "", "DV portgroup to reconfigure")
	fs.IntVar(&o.firstVlan, "first-vlan", 1000, "with --portgroup: VLAN of the first change; change i sets first-vlan+i")
	fs.StringVar(&o.vm, "vm", "", "VM whose first ethernet card moves: change i attaches it to the i-th of --portgroups (cycling)")
	fs.StringVar(&o.portgroups, "portgroups", "", "with --vm: comma-separated DV portgroups, each with an access VLAN")
	fs.IntVar(&o.count, "count", 500, "number of changes")
	fs.DurationVar(&o.interval, "interval", 50*time.Millisecond, "time between the starts of two changes")
}

// stormEvent is one line of storm's output. Times are Unix nanoseconds, comparable with other
// processes' wall clocks on the same machine.
type stormEvent struct {
	I      int   `json:"i"`
	Vlan   int   `json:"vlan"`    // the portgroup's new VLAN, or the VLAN of the VM's new portgroup
	SentNs int64 `json:"sent_ns"` // just before the reconfigure request was sent
	DoneNs int64 `json:"done_ns"` // when its task had completed
}

// stormChange makes change i, calling beforeSend just before its request goes out; it returns
// the VLAN the change is about.
type stormChange func(ctx context.Context, i int, beforeSend func()) (int, error)

// portgroupVlanChanges: change i gives the DV portgroup VLAN first-vlan+i.
func (o *stormOptions) portgroupVlanChanges(ctx context.Context, c *vim25.Client) (stormChange, error) {
	if o.firstVlan < 1 || o.firstVlan+o.count-1 > 4094 {
		return nil, fmt.Errorf("storm: VLANs %d-%d are not all in 1-4094", o.firstVlan, o.firstVlan+o.count-1)
	}
	pg, err := findDVPortgroup(ctx, c, o.portgroup)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, i int, beforeSend func()) (int, error) {
		vlan := o.firstVlan + i
		spec := &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: int32(vlan)}
		return vlan, reconfigureDVPortgroupVlan(ctx, pg, spec, beforeSend)
	}, nil
}

// vmNicChanges: change i attaches the VM's first ethernet card to the i-th portgroup (cycling).
func (o *stormOptions) vmNicChanges(ctx context.Context, c *vim25.Client) (stormChange, error) {
	type target struct {
		backing types.BaseVirtualDeviceBackingInfo
		vlan    int
	}
	var targets []target
	for _, name := range strings.Split(o.portgroups, ",") {
		pg, err := findDVPortgroup(ctx, c, name)
		if err != nil {
			return nil, err
		}
		var props mo.DistributedVirtualPortgroup
		if err := pg.Properties(ctx, pg.Reference(), []string{"config.defaultPortConfig"}, &props); err != nil {
			return nil, err
		}
		setting, ok := props.Config.DefaultPortConfig.(*types.VMwareDVSPortSetting)
		spec, isAccess := (*types.VmwareDistributedVirtualSwitchVlanIdSpec)(nil), false
		if ok && setting.Vlan != nil {
			spec, isAccess = setting.Vlan.(*types.VmwareDistributedVirtualSwitchVlanIdSpec)
		}
		if !isAccess {
			return nil, fmt.Errorf("storm: DV portgroup %q has no access VLAN", name)
		}
		backing, err := pg.EthernetCardBackingInfo(ctx)
		if err != nil {
			return nil, err
		}
		targets = append(targets, target{backing, int(spec.VlanId)})
	}
	vm, err := findVM(ctx, c, o.vm)
	if err != nil {
		return nil, err
	}
	devices, err := vm.Device(ctx)
	if err != nil {
		return nil, err
	}
	nics := ethernetCards(devices)
	if len(nics) == 0 {
		return nil, fmt.Errorf("storm: VM %q has no ethernet card", o.vm)
	}
	nic := nics[0]
	return func(ctx context.Context, i int, beforeSend func()) (int, error) {
		t := targets[i%len(targets)]
		nic.GetVirtualDevice().Backing = t.backing
		spec := types.VirtualMachineConfigSpec{DeviceChange: []types.BaseVirtualDeviceConfigSpec{
			&types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationEdit, Device: nic},
		}}
		beforeSend()
		_, err := wait(ctx)(vm.Reconfigure(ctx, spec))
		return t.vlan, err
	}, nil
}

// run makes the changes over the one session. Event i is due at start + i*interval (an
// open-loop schedule: a slow change delays the next one but does not shift the later ones), so
// the rate is the one asked for unless the server cannot keep up.
func (o *stormOptions) run(ctx context.Context, c *vim25.Client, _ []string, stdout io.Writer) error {
	if o.count < 0 || o.interval < 0 {
		return errors.New("storm: --count and --interval must not be negative")
	}
	var change stormChange
	var err error
	switch {
	case (o.portgroup == "") == (o.vm == ""):
		return errors.New("storm: give --portgroup, or --vm with --portgroups")
	case o.vm != "" && o.portgroups == "":
		return errors.New("storm: --vm needs --portgroups")
	case o.vm != "":
		change, err = o.vmNicChanges(ctx, c)
	default:
		change, err = o.portgroupVlanChanges(ctx, c)
	}
	if err != nil {
		return err
	}
	start := time.Now()
	for i := 0; i < o.count; i++ {
		if err := sleepUntil(ctx, start.Add(time.Duration(i)*o.interval)); err != nil {
			return err
		}
		ev := stormEvent{I: i}
		vlan, err := change(ctx, i, func() { ev.SentNs = time.Now().UnixNano() })
		ev.Vlan = vlan
		if err != nil {
			return fmt.Errorf("storm: change %d (VLAN %d): %w", i, ev.Vlan, err)
		}
		ev.DoneNs = time.Now().UnixNano()
		line, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		// One write per line, unbuffered: a reader sees each event as soon as it is done.
		if _, err := stdout.Write(append(line, '\n')); err != nil {
			return err
		}
	}
	return nil
}

// vmotionStormOptions are the flags of `vmotion-storm`, the migration counterpart of `storm`:
// moves are started on a schedule over one session and run concurrently, as a vMotion takes the
// server's --vmotion-delay.
type vmotionStormOptions struct {
	moves    string
	interval time.Duration
}

func (o *vmotionStormOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.moves, "moves", "", `file of moves, one JSON object per line: {"vm":"NAME","host":"HOSTNAME"} (required)`)
	fs.DurationVar(&o.interval, "interval", 12500*time.Microsecond, "time between the starts of two moves")
}

// vmotionMove is one line of the --moves file.
type vmotionMove struct {
	VM   string `json:"vm"`
	Host string `json:"host"`
	line int    // in the file, for errors
}

// vmotionEvent is one line of vmotion-storm's output. Times are Unix nanoseconds, comparable
// with other processes' wall clocks on the same machine.
type vmotionEvent struct {
	I      int    `json:"i"`
	VM     string `json:"vm"`
	From   string `json:"from"` // the VM's host when the move was sent ("" if it was not)
	To     string `json:"to"`
	SentNs int64  `json:"sent_ns"` // just before RelocateVM_Task was sent (0 if it was not)
	DoneNs int64  `json:"done_ns"` // when its task had completed, or the move failed
	Error  string `json:"error,omitempty"`
}

// readMoves parses the --moves file; errors name the file and line.
func readMoves(path string) ([]vmotionMove, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var moves []vmotionMove
	for n, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var m vmotionMove
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&m); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n+1, err)
		}
		if m.VM == "" || m.Host == "" {
			return nil, fmt.Errorf(`%s:%d: want {"vm":"NAME","host":"HOSTNAME"}, got %s`, path, n+1, strings.TrimSpace(line))
		}
		m.line = n + 1
		moves = append(moves, m)
	}
	return moves, nil
}

// run resolves every name first (two retrievals, so lookups stay out of the timing), then starts
// move i at start + i*interval in its own goroutine (open loop, as storm) and prints each move's
// line as soon as it is done. A failed move does not stop the others; the run then fails at the end.
func (o *vmotionStormOptions) run(ctx context.Context, c *vim25.Client, _ []string, stdout io.Writer) error {
	switch {
	case o.moves == "":
		return errors.New("--moves is required")
	case o.interval < 0:
		return errors.New("--interval must not be negative")
	}
	moves, err := readMoves(o.moves)
	if err != nil {
		return err
	}
	vmsByName, err := entitiesByName(ctx, c, []string{"VirtualMachine"})
	if err != nil {
		return err
	}
	hostsByName, err := entitiesByName(ctx, c, []string{"HostSystem"})
	if err != nil {
		return err
	}
	hostNames := map[types.ManagedObjectReference]string{}
	for name, refs := range hostsByName {
		for _, ref := range refs {
			hostNames[ref] = name
		}
	}
	vms := make([]*object.VirtualMachine, len(moves))
	targets := map[string]target{} // by host name
	for i, m := range moves {
		vm, err := only("VirtualMachine", m.VM, vmsByName[m.VM])
		if err != nil {
			return fmt.Errorf("%s:%d: %w", o.moves, m.line, err)
		}
		vms[i] = object.NewVirtualMachine(c, vm)
		if _, ok := targets[m.Host]; ok {
			continue
		}
		host, err := only("HostSystem", m.Host, hostsByName[m.Host])
		if err != nil {
			return fmt.Errorf("%s:%d: %w", o.moves, m.line, err)
		}
		if targets[m.Host], err = migrationTarget(ctx, object.NewHostSystem(c, host)); err != nil {
			return err
		}
	}

	var (
		out      sync.Mutex
		writeErr error
		failed   int
		running  sync.WaitGroup
	)
	report := func(ev vmotionEvent) {
		line, _ := json.Marshal(ev) // plain strings and numbers
		out.Lock()
		defer out.Unlock()
		if ev.Error != "" {
			failed++
		}
		// One write per line, unbuffered: a reader sees each move as soon as it is done.
		if _, err := stdout.Write(append(line, '\n')); err != nil && writeErr == nil {
			writeErr = err
		}
	}
	start := time.Now()
	for i := range moves {
		if err := sleepUntil(ctx, start.Add(time.Duration(i)*o.interval)); err != nil {
			running.Wait()
			return err
		}
		running.Add(1)
		go func(i int) {
			defer running.Done()
			ev := vmotionEvent{I: i, VM: moves[i].VM, To: moves[i].Host}
			src, err := relocate(ctx, vms[i], targets[moves[i].Host], func() { ev.SentNs = time.Now().UnixNano() })
			ev.DoneNs = time.Now().UnixNano()
			ev.From = hostNames[src]
			if err != nil {
				ev.Error = err.Error()
			}
			report(ev)
		}(i)
	}
	running.Wait()
	switch {
	case writeErr != nil:
		return writeErr
	case failed > 0:
		return fmt.Errorf("%d of %d moves failed", failed, len(moves))
	}
	return nil
}

// sleepUntil returns at t, or with the context's error if it ends first.
func sleepUntil(ctx context.Context, t time.Time) error {
	if d := time.Until(t); d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func describeVlan(spec types.BaseVmwareDistributedVirtualSwitchVlanSpec) string {
	switch v := spec.(type) {
	case *types.VmwareDistributedVirtualSwitchVlanIdSpec:
		return fmt.Sprintf("VLAN %d", v.VlanId)
	case *types.VmwareDistributedVirtualSwitchTrunkVlanSpec:
		return "trunk " + FormatTrunk(v.VlanId)
	}
	return fmt.Sprintf("%T", spec)
}

func createVM(ctx context.Context, c *vim25.Client, args []string) (string, error) {
	host, err := findHost(ctx, c, args[1])
	if err != nil {
		return "", err
	}
	backing, err := networkBacking(ctx, c, args[2])
	if err != nil {
		return "", err
	}
	var props mo.HostSystem
	if err := host.Properties(ctx, host.Reference(), []string{"datastore"}, &props); err != nil {
		return "", err
	}
	if len(props.Datastore) == 0 {
		return "", fmt.Errorf("host %q has no datastore", args[1])
	}
	ds, err := object.NewDatastore(c, props.Datastore[0]).ObjectName(ctx)
	if err != nil {
		return "", err
	}
	pool, err := host.ResourcePool(ctx)
	if err != nil {
		return "", err
	}
	dc, err := datacenterOf(ctx, c, host.Reference())
	if err != nil {
		return "", err
	}
	folders, err := dc.Folders(ctx)
	if err != nil {
		return "", err
	}
	nic := &types.VirtualVmxnet3{VirtualVmxnet: types.VirtualVmxnet{VirtualEthernetCard: types.VirtualEthernetCard{
		VirtualDevice: nicDevice(0, backing),
		AddressType:   string(types.VirtualEthernetCardMacTypeGenerated),
	}}}
	config := types.VirtualMachineConfigSpec{
		Name:         args[0],
		GuestId:      string(types.VirtualMachineGuestOsIdentifierOtherGuest64),
		NumCPUs:      1,
		MemoryMB:     1024,
		Files:        &types.VirtualMachineFileInfo{VmPathName: "[" + ds + "]"},
		DeviceChange: []types.BaseVirtualDeviceConfigSpec{&types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: nic}},
	}
	res, err := wait(ctx)(folders.VmFolder.CreateVM(ctx, config, pool, host))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s: created on %s (%s)", args[0], args[1], res.(types.ManagedObjectReference).Value), nil
}

func datacenterOf(ctx context.Context, c *vim25.Client, ref types.ManagedObjectReference) (*object.Datacenter, error) {
	entities, err := mo.Ancestors(ctx, c, c.ServiceContent.PropertyCollector, ref)
	if err != nil {
		return nil, err
	}
	for _, e := range entities {
		if e.Self.Type == "Datacenter" {
			return object.NewDatacenter(c, e.Self), nil
		}
	}
	return nil, fmt.Errorf("%s is not in a datacenter", ref)
}

func destroyVM(ctx context.Context, c *vim25.Client, args []string) (string, error) {
	vm, err := findVM(ctx, c, args[0])
	if err != nil {
		return "", err
	}
	state, err := vm.PowerState(ctx)
	if err != nil {
		return "", err
	}
	if state == types.VirtualMachinePowerStatePoweredOn {
		if _, err := wait(ctx)(vm.PowerOff(ctx)); err != nil {
			return "", err
		}
	}
	if _, err := wait(ctx)(vm.Destroy(ctx)); err != nil {
		return "", err
	}
	return args[0] + ": destroyed", nil
}

// Inventory is govmomi's view of a vCenter, in a form the controller's tests can compare
// with their graph. Lists are sorted by name.
type Inventory struct {
	InstanceUUID string           `json:"instance_uuid"`
	APIVersion   string           `json:"api_version"`
	Datacenters  []string         `json:"datacenters"`
	Clusters     []InvCluster     `json:"clusters"`
	Hosts        []InvHost        `json:"hosts"`
	Networks     []InvNetwork     `json:"networks"`
	DVSwitches   []InvDVSwitch    `json:"dvswitches"`
	DVPortgroups []InvDVPortgroup `json:"dv_portgroups"`
	VMs          []InvVM          `json:"vms"`
}

type InvCluster struct {
	Name  string   `json:"name"`
	Moref string   `json:"moref"`
	Hosts []string `json:"hosts"`
}

type InvHost struct {
	Name            string           `json:"name"`
	Moref           string           `json:"moref"`
	Cluster         string           `json:"cluster"`
	ConnectionState string           `json:"connection_state"`
	Pnics           []InvPnic        `json:"pnics"`
	VSwitches       []InvVSwitch     `json:"vswitches"`
	Portgroups      []InvPortgroup   `json:"portgroups"`
	ProxySwitches   []InvProxySwitch `json:"proxy_switches"`
	VMKnics         []InvVMKnic      `json:"vmknics"`
	VMs             []string         `json:"vms"`
}

type InvPnic struct {
	Device string `json:"device"`
	Mac    string `json:"mac"`
}

type InvVSwitch struct {
	Name       string   `json:"name"`
	Uplinks    []string `json:"uplinks"`
	Portgroups []string `json:"portgroups"`
}

type InvPortgroup struct {
	Name    string `json:"name"`
	VSwitch string `json:"vswitch"`
	Vlan    int32  `json:"vlan"`
}

type InvProxySwitch struct {
	DVSwitch string   `json:"dvswitch"`
	DVSUuid  string   `json:"dvs_uuid"`
	Uplinks  []string `json:"uplinks"`
}

type InvVMKnic struct {
	Device    string   `json:"device"`
	Mac       string   `json:"mac"`
	Portgroup string   `json:"portgroup"`
	DVSwitch  string   `json:"dvswitch,omitempty"` // set when Portgroup is a DV portgroup
	Services  []string `json:"services"`
}

type InvNetwork struct {
	Name  string   `json:"name"`
	Moref string   `json:"moref"`
	Hosts []string `json:"hosts"`
}

type InvDVSwitch struct {
	Name  string   `json:"name"`
	Moref string   `json:"moref"`
	Uuid  string   `json:"uuid"`
	Hosts []string `json:"hosts"`
}

// InvDVPortgroup has exactly one of Vlan, Trunk (EOS range list) and Pvlan.
type InvDVPortgroup struct {
	Name     string `json:"name"`
	Moref    string `json:"moref"`
	Key      string `json:"key"`
	DVSwitch string `json:"dvswitch"`
	Uplink   bool   `json:"uplink"`
	Vlan     *int32 `json:"vlan,omitempty"`
	Trunk    string `json:"trunk,omitempty"`
	Pvlan    *int32 `json:"pvlan,omitempty"`
}

type InvVM struct {
	Name  string     `json:"name"`
	Moref string     `json:"moref"`
	Power string     `json:"power"` // on, off or suspended
	Host  string     `json:"host"`
	Nics  []InvVMNic `json:"nics"`
}

type InvVMNic struct {
	Key       int32  `json:"key"`
	Label     string `json:"label"`
	Mac       string `json:"mac"`
	Portgroup string `json:"portgroup"`
	DVSwitch  string `json:"dvswitch,omitempty"` // set when Portgroup is a DV portgroup
	Connected bool   `json:"connected"`
}

func inventory(ctx context.Context, c *vim25.Client, _ []string) (string, error) {
	inv, err := collectInventory(ctx, c)
	if err != nil {
		return "", err
	}
	out, err := json.MarshalIndent(inv, "", "  ")
	return string(out), err
}

func collectInventory(ctx context.Context, c *vim25.Client) (*Inventory, error) {
	kinds := []string{"Datacenter", "ClusterComputeResource", "HostSystem", "Network", "DistributedVirtualSwitch", "DistributedVirtualPortgroup", "VirtualMachine"}
	v, err := view.NewManager(c).CreateContainerView(ctx, c.ServiceContent.RootFolder, kinds, true)
	if err != nil {
		return nil, err
	}
	defer func() { _ = v.Destroy(context.Background()) }()

	var (
		dcs      []mo.Datacenter
		clusters []mo.ClusterComputeResource
		hosts    []mo.HostSystem
		networks []mo.Network
		dvss     []mo.DistributedVirtualSwitch
		dvpgs    []mo.DistributedVirtualPortgroup
		vms      []mo.VirtualMachine
	)
	retrievals := []struct {
		kind  string
		props []string
		dst   interface{}
	}{
		{"Datacenter", []string{"name"}, &dcs},
		{"ClusterComputeResource", []string{"name", "host"}, &clusters},
		{"HostSystem", []string{"name", "parent", "runtime.connectionState", "config.network", "config.virtualNicManagerInfo", "vm"}, &hosts},
		{"Network", []string{"name", "host"}, &networks},
		{"DistributedVirtualSwitch", []string{"name", "uuid", "summary.hostMember"}, &dvss},
		{"DistributedVirtualPortgroup", []string{"name", "key", "config.distributedVirtualSwitch", "config.defaultPortConfig", "config.uplink"}, &dvpgs},
		{"VirtualMachine", []string{"name", "runtime.powerState", "runtime.host", "config.hardware.device"}, &vms},
	}
	for _, r := range retrievals {
		if err := v.Retrieve(ctx, []string{r.kind}, r.props, r.dst); err != nil {
			return nil, fmt.Errorf("retrieving %s: %w", r.kind, err)
		}
	}

	names := map[types.ManagedObjectReference]string{}
	for _, x := range clusters {
		names[x.Self] = x.Name
	}
	for _, x := range hosts {
		names[x.Self] = x.Name
	}
	for _, x := range vms {
		names[x.Self] = x.Name
	}
	refNames := func(refs []types.ManagedObjectReference) []string {
		out := []string{}
		for _, r := range refs {
			out = append(out, names[r])
		}
		sort.Strings(out)
		return out
	}
	dvsByRef, dvsByUUID, dvpgByKey := map[types.ManagedObjectReference]string{}, map[string]string{}, map[string]string{}
	for _, x := range dvss {
		dvsByRef[x.Self], dvsByUUID[x.Uuid] = x.Name, x.Name
	}
	for _, x := range dvpgs {
		dvpgByKey[x.Key] = x.Name
	}

	about := c.ServiceContent.About
	inv := &Inventory{InstanceUUID: about.InstanceUuid, APIVersion: about.ApiVersion, Datacenters: []string{}}
	for _, x := range dcs {
		inv.Datacenters = append(inv.Datacenters, x.Name)
	}
	sort.Strings(inv.Datacenters)
	for _, x := range clusters {
		inv.Clusters = append(inv.Clusters, InvCluster{Name: x.Name, Moref: x.Self.Value, Hosts: refNames(x.Host)})
	}
	for _, x := range hosts {
		inv.Hosts = append(inv.Hosts, hostInventory(x, names, dvsByUUID, dvpgByKey, refNames))
	}
	for _, x := range networks {
		if x.Self.Type == "Network" { // not a DV portgroup
			inv.Networks = append(inv.Networks, InvNetwork{Name: x.Name, Moref: x.Self.Value, Hosts: refNames(x.Host)})
		}
	}
	for _, x := range dvss {
		members := []types.ManagedObjectReference{}
		if x.Summary.HostMember != nil {
			members = x.Summary.HostMember
		}
		inv.DVSwitches = append(inv.DVSwitches, InvDVSwitch{Name: x.Name, Moref: x.Self.Value, Uuid: x.Uuid, Hosts: refNames(members)})
	}
	for _, x := range dvpgs {
		pg := InvDVPortgroup{Name: x.Name, Moref: x.Self.Value, Key: x.Key, Uplink: x.Config.Uplink != nil && *x.Config.Uplink}
		if x.Config.DistributedVirtualSwitch != nil {
			pg.DVSwitch = dvsByRef[*x.Config.DistributedVirtualSwitch]
		}
		if setting, ok := x.Config.DefaultPortConfig.(*types.VMwareDVSPortSetting); ok {
			switch vlan := setting.Vlan.(type) {
			case *types.VmwareDistributedVirtualSwitchVlanIdSpec:
				pg.Vlan = &vlan.VlanId
			case *types.VmwareDistributedVirtualSwitchTrunkVlanSpec:
				pg.Trunk = FormatTrunk(vlan.VlanId)
			case *types.VmwareDistributedVirtualSwitchPvlanSpec:
				pg.Pvlan = &vlan.PvlanId
			}
		}
		inv.DVPortgroups = append(inv.DVPortgroups, pg)
	}
	for _, x := range vms {
		inv.VMs = append(inv.VMs, vmInventory(x, names, dvsByUUID, dvpgByKey))
	}
	sortByName(inv.Clusters, func(i int) string { return inv.Clusters[i].Name })
	sortByName(inv.Hosts, func(i int) string { return inv.Hosts[i].Name })
	sortByName(inv.Networks, func(i int) string { return inv.Networks[i].Name })
	sortByName(inv.DVSwitches, func(i int) string { return inv.DVSwitches[i].Name })
	sortByName(inv.DVPortgroups, func(i int) string { return inv.DVPortgroups[i].Name })
	sortByName(inv.VMs, func(i int) string { return inv.VMs[i].Name })
	return inv, nil
}

func sortByName(slice interface{}, name func(int) string) {
	sort.SliceStable(slice, func(i, j int) bool { return name(i) < name(j) })
}

func hostInventory(x mo.HostSystem, names map[types.ManagedObjectReference]string, dvsByUUID, dvpgByKey map[string]string,
	refNames func([]types.ManagedObjectReference) []string) InvHost {
	h := InvHost{
		Name: x.Name, Moref: x.Self.Value, ConnectionState: string(x.Runtime.ConnectionState), VMs: refNames(x.Vm),
		Pnics: []InvPnic{}, VSwitches: []InvVSwitch{}, Portgroups: []InvPortgroup{}, ProxySwitches: []InvProxySwitch{}, VMKnics: []InvVMKnic{},
	}
	if x.Parent != nil {
		h.Cluster = names[*x.Parent]
	}
	if x.Config == nil || x.Config.Network == nil {
		return h
	}
	network := x.Config.Network
	devices := map[string]string{} // pnic key -> device
	for _, p := range network.Pnic {
		devices[p.Key] = p.Device
		h.Pnics = append(h.Pnics, InvPnic{Device: p.Device, Mac: p.Mac})
	}
	portgroupNames := map[string]string{} // portgroup key -> name
	for _, pg := range network.Portgroup {
		portgroupNames[pg.Key] = pg.Spec.Name
		h.Portgroups = append(h.Portgroups, InvPortgroup{Name: pg.Spec.Name, VSwitch: pg.Spec.VswitchName, Vlan: pg.Spec.VlanId})
	}
	for _, vs := range network.Vswitch {
		s := InvVSwitch{Name: vs.Name, Uplinks: []string{}, Portgroups: []string{}}
		for _, k := range vs.Pnic {
			s.Uplinks = append(s.Uplinks, devices[k])
		}
		for _, k := range vs.Portgroup {
			s.Portgroups = append(s.Portgroups, portgroupNames[k])
		}
		h.VSwitches = append(h.VSwitches, s)
	}
	for _, p := range network.ProxySwitch {
		s := InvProxySwitch{DVSwitch: dvsByUUID[p.DvsUuid], DVSUuid: p.DvsUuid, Uplinks: []string{}}
		if b, ok := p.Spec.Backing.(*types.DistributedVirtualSwitchHostMemberPnicBacking); ok {
			for _, spec := range b.PnicSpec {
				s.Uplinks = append(s.Uplinks, spec.PnicDevice)
			}
		}
		h.ProxySwitches = append(h.ProxySwitches, s)
	}
	services := map[string][]string{} // vmknic device -> services
	if x.Config.VirtualNicManagerInfo != nil {
		for _, cfg := range x.Config.VirtualNicManagerInfo.NetConfig {
			for _, nic := range cfg.CandidateVnic {
				for _, key := range cfg.SelectedVnic {
					if key == nic.Key {
						services[nic.Device] = append(services[nic.Device], cfg.NicType)
					}
				}
			}
		}
	}
	for _, nic := range network.Vnic {
		k := InvVMKnic{Device: nic.Device, Mac: nic.Spec.Mac, Portgroup: nic.Portgroup, Services: []string{}}
		if port := nic.Spec.DistributedVirtualPort; port != nil {
			k.Portgroup, k.DVSwitch = dvpgByKey[port.PortgroupKey], dvsByUUID[port.SwitchUuid]
		}
		k.Services = append(k.Services, services[nic.Device]...)
		sort.Strings(k.Services)
		h.VMKnics = append(h.VMKnics, k)
	}
	return h
}

func vmInventory(x mo.VirtualMachine, names map[types.ManagedObjectReference]string, dvsByUUID, dvpgByKey map[string]string) InvVM {
	vm := InvVM{Name: x.Name, Moref: x.Self.Value, Nics: []InvVMNic{}}
	vm.Power = strings.TrimPrefix(strings.ToLower(string(x.Runtime.PowerState)), "powered")
	if x.Runtime.Host != nil {
		vm.Host = names[*x.Runtime.Host]
	}
	if x.Config == nil {
		return vm
	}
	devices := object.VirtualDeviceList(x.Config.Hardware.Device)
	for _, d := range ethernetCards(devices) {
		card := d.(types.BaseVirtualEthernetCard).GetVirtualEthernetCard()
		nic := InvVMNic{Key: card.Key, Label: devices.Name(d), Mac: card.MacAddress}
		if card.Connectable != nil {
			nic.Connected = card.Connectable.Connected
		}
		switch b := card.Backing.(type) {
		case *types.VirtualEthernetCardNetworkBackingInfo:
			nic.Portgroup = b.DeviceName
		case *types.VirtualEthernetCardDistributedVirtualPortBackingInfo:
			nic.Portgroup, nic.DVSwitch = dvpgByKey[b.Port.PortgroupKey], dvsByUUID[b.Port.SwitchUuid]
		}
		vm.Nics = append(vm.Nics, nic)
	}
	return vm
}

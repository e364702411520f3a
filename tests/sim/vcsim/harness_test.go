package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vmware/govmomi/event"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// The test binary doubles as vmfabric-vcsim: with this variable set it runs main.
const runMainEnv = "VMFABRIC_VCSIM_RUN_MAIN"

const vmotionDelay = time.Second

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func command(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	return cmd
}

// server is a "vmfabric-vcsim serve" subprocess.
type server struct {
	url    string
	conn   []string // connection flags for the client subcommands
	stderr bytes.Buffer
}

func startServer(t *testing.T, conn []string, args ...string) *server {
	t.Helper()
	return startServerEnv(t, conn, nil, args...)
}

// startPiped starts cmd with its stderr to `stderr` and returns its stdout.
func startPiped(t *testing.T, cmd *exec.Cmd, stderr io.Writer) io.Reader {
	t.Helper()
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return stdout
}

// startServerEnv: startServer with more environment variables for serve.
func startServerEnv(t *testing.T, conn []string, env []string, args ...string) *server {
	t.Helper()
	s := &server{conn: conn}
	cmd := command(append([]string{"serve", "--topology", testTopology}, args...)...)
	cmd.Env = append(cmd.Env, env...)
	out := bufio.NewReader(startPiped(t, cmd, &s.stderr))
	first := make(chan string, 1)
	go func() {
		line, _ := out.ReadString('\n')
		first <- line
	}()
	select {
	case line := <-first:
		if !strings.HasPrefix(line, "VCSIM_URL=") {
			_ = cmd.Wait()
			t.Fatalf("serve printed %q; stderr:\n%s", line, s.stderr.String())
		}
		s.url = strings.TrimSpace(strings.TrimPrefix(line, "VCSIM_URL="))
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("serve printed no URL within 30s; stderr:\n%s", s.stderr.String())
	}
	t.Cleanup(func() {
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Error(err)
		}
		rest, _ := io.ReadAll(out)
		if err := cmd.Wait(); err != nil {
			t.Errorf("serve exited with %v on SIGTERM; stderr:\n%s", err, s.stderr.String())
		}
		if len(rest) != 0 {
			t.Errorf("serve printed more than the URL line: %q", rest)
		}
	})
	return s
}

// cli runs a client subcommand against the server.
func (s *server) cli(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	// The subcommand, the server's connection flags, then the test's (which may override).
	cmd := command(append(append([]string{args[0], "--url", s.url}, s.conn...), args[1:]...)...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if exit, ok := err.(*exec.ExitError); ok {
		return out.String(), errOut.String(), exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), 0
}

func (s *server) mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	stdout, stderr, code := s.cli(t, args...)
	if code != 0 {
		t.Fatalf("%s: exit %d, stderr:\n%s", strings.Join(args, " "), code, stderr)
	}
	return stdout
}

func (s *server) failCLI(t *testing.T, want string, args ...string) {
	t.Helper()
	stdout, stderr, code := s.cli(t, args...)
	if code != 1 || stdout != "" || !strings.Contains(stderr, want) {
		t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 1 and an error containing %q",
			strings.Join(args, " "), code, stdout, stderr, want)
	}
}

func login(ctx context.Context, rawURL, caFile, user, password string) (*vim25.Client, error) {
	u, err := soap.ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	sc := soap.NewClient(u, false)
	if caFile != "" {
		if err := sc.SetRootCAs(caFile); err != nil {
			return nil, err
		}
	}
	c, err := vim25.NewClient(ctx, sc)
	if err != nil {
		return nil, err
	}
	return c, session.NewManager(c).Login(ctx, url.UserPassword(user, password))
}

// watcher follows property updates through a private PropertyCollector.
type watcher struct {
	t                *testing.T
	c                *vim25.Client
	pc               types.ManagedObjectReference
	version          string
	maxObjectUpdates int32 // WaitOptions.maxObjectUpdates; 0: none
}

func watch(t *testing.T, c *vim25.Client, spec types.PropertyFilterSpec) *watcher {
	t.Helper()
	ctx := context.Background()
	pc, err := property.DefaultCollector(c).Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Destroy(ctx) })
	if err := pc.CreateFilter(ctx, types.CreateFilter{Spec: spec}); err != nil {
		t.Fatal(err)
	}
	w := &watcher{t: t, c: c, pc: pc.Reference()}
	w.poll(0) // the initial state; also what makes the simulator queue later updates
	return w
}

func (w *watcher) poll(maxWait int32) *types.UpdateSet {
	w.t.Helper()
	res, err := methods.WaitForUpdatesEx(context.Background(), w.c, &types.WaitForUpdatesEx{
		This: w.pc, Version: w.version,
		Options: &types.WaitOptions{MaxWaitSeconds: &maxWait, MaxObjectUpdates: w.maxObjectUpdates},
	})
	if err != nil {
		w.t.Fatal(err)
	}
	if res.Returnval != nil {
		w.version = res.Returnval.Version
	}
	return res.Returnval
}

// await returns the first update matching pred, failing the test after 15 s.
func (w *watcher) await(what string, pred func(types.ObjectUpdate) bool) types.ObjectUpdate {
	w.t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); {
		if set := w.poll(5); set != nil {
			for _, fs := range set.FilterSet {
				for _, u := range fs.ObjectSet {
					if pred(u) {
						return u
					}
				}
			}
		}
	}
	w.t.Fatalf("no property update: %s", what)
	return types.ObjectUpdate{}
}

func objectSpec(obj types.ManagedObjectReference, paths ...string) types.PropertyFilterSpec {
	return types.PropertyFilterSpec{
		ObjectSet: []types.ObjectSpec{{Obj: obj}},
		PropSet:   []types.PropertySpec{{Type: obj.Type, PathSet: paths}},
	}
}

func viewSpec(t *testing.T, c *vim25.Client, kind string, paths ...string) types.PropertyFilterSpec {
	ctx := context.Background()
	v, err := view.NewManager(c).CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{kind}, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = v.Destroy(ctx) })
	return types.PropertyFilterSpec{
		ObjectSet: []types.ObjectSpec{{
			Obj: v.Reference(), Skip: types.NewBool(true),
			SelectSet: []types.BaseSelectionSpec{&types.TraversalSpec{Type: "ContainerView", Path: "view"}},
		}},
		PropSet: []types.PropertySpec{{Type: kind, PathSet: paths}},
	}
}

// modified matches a modify update of obj whose change name satisfies ok.
func modified(obj types.ManagedObjectReference, name string, ok func(val interface{}) bool) func(types.ObjectUpdate) bool {
	return func(u types.ObjectUpdate) bool {
		if u.Obj != obj || u.Kind != types.ObjectUpdateKindModify {
			return false
		}
		for _, c := range u.ChangeSet {
			if c.Name == name && ok(c.Val) {
				return true
			}
		}
		return false
	}
}

func changeVal(u types.ObjectUpdate, name string) interface{} {
	for _, c := range u.ChangeSet {
		if c.Name == name {
			return c.Val
		}
	}
	return nil
}

func equals(want interface{}) func(interface{}) bool {
	return func(val interface{}) bool { return reflect.DeepEqual(val, want) }
}

func mustFind(t *testing.T, c *vim25.Client, kind, name string) types.ManagedObjectReference {
	t.Helper()
	ref, err := find(context.Background(), c, kind, name)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func TestHarness(t *testing.T) {
	topo, err := LoadTopology(testTopology)
	if err != nil {
		t.Fatal(err)
	}
	vc := &topo.Vcenters[0]
	s := startServer(t, []string{"--username", "admin", "--password", "s3cret"},
		"--username", "admin", "--password", "s3cret", "--vmotion-delay", vmotionDelay.String())
	ctx := context.Background()
	c, err := login(ctx, s.url, "", "admin", "s3cret")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("Inventory", func(t *testing.T) { testInventory(t, s, topo, vc) })
	t.Run("QueryNetworkHint", func(t *testing.T) { testNetworkHint(t, c, topo, vc) })
	t.Run("MaxObjectUpdates", func(t *testing.T) { testMaxObjectUpdates(t, s, c, vc) })
	t.Run("Power", func(t *testing.T) {
		vm := mustFind(t, c, "VirtualMachine", "web-1")
		w := watch(t, c, objectSpec(vm, "runtime.powerState"))
		if out := s.mustCLI(t, "poweroff", "web-1"); out != "web-1: poweredOff\n" {
			t.Errorf("poweroff printed %q", out)
		}
		w.await("web-1 powered off", modified(vm, "runtime.powerState", equals(types.VirtualMachinePowerStatePoweredOff)))
		s.failCLI(t, "InvalidPowerState: the VM is poweredOff", "poweroff", "web-1")
		s.mustCLI(t, "poweron", "web-1")
		w.await("web-1 powered on", modified(vm, "runtime.powerState", equals(types.VirtualMachinePowerStatePoweredOn)))
		s.failCLI(t, `no VirtualMachine named "web-9"`, "poweron", "web-9")
	})
	t.Run("SetNic", func(t *testing.T) {
		vm := mustFind(t, c, "VirtualMachine", "web-2")
		std := func(name string) func(types.BaseVirtualDeviceBackingInfo) bool {
			return func(b types.BaseVirtualDeviceBackingInfo) bool {
				backing, ok := b.(*types.VirtualEthernetCardNetworkBackingInfo)
				return ok && backing.DeviceName == name
			}
		}
		dv := func(name string) func(types.BaseVirtualDeviceBackingInfo) bool {
			key := mustFind(t, c, "DistributedVirtualPortgroup", name).Value
			return func(b types.BaseVirtualDeviceBackingInfo) bool {
				backing, ok := b.(*types.VirtualEthernetCardDistributedVirtualPortBackingInfo)
				return ok && backing.Port.PortgroupKey == key
			}
		}
		w := watch(t, c, objectSpec(vm, "config.hardware.device"))
		// Editing a card reorders the device list; NICINDEX follows the device keys.
		for _, step := range []struct {
			index, portgroup, mac string
			key                   int32
			backing               func(types.BaseVirtualDeviceBackingInfo) bool
		}{
			{"0", "pg-app", "00:50:56:80:00:02", 4000, std("pg-app")},
			{"1", "pg-app", "00:50:56:80:00:03", 4001, std("pg-app")},
			{"0", "dv-web", "00:50:56:80:00:02", 4000, dv("dv-web")},
			{"1", "dv-trunk", "00:50:56:80:00:03", 4001, dv("dv-trunk")},
		} {
			want := fmt.Sprintf("web-2: ethernet-%s -> %s\n", step.index, step.portgroup)
			if out := s.mustCLI(t, "set-nic", "web-2", step.index, step.portgroup); out != want {
				t.Errorf("set-nic printed %q, want %q", out, want)
			}
			w.await(want, modified(vm, "config.hardware.device", nicBacking(step.key, step.mac, step.backing)))
		}
		s.failCLI(t, `VM "web-2" has 2 ethernet cards`, "set-nic", "web-2", "2", "pg-app")
		s.failCLI(t, `no portgroup named "pg-nope"`, "set-nic", "web-2", "0", "pg-nope")
	})
	t.Run("StandardPortgroups", func(t *testing.T) { testStandardPortgroups(t, s, c) })
	t.Run("DVPortgroupVlan", func(t *testing.T) {
		pg := mustFind(t, c, "DistributedVirtualPortgroup", "dv-web")
		w := watch(t, c, objectSpec(pg, "config.defaultPortConfig"))
		for _, step := range []struct {
			args []string
			want types.BaseVmwareDistributedVirtualSwitchVlanSpec
		}{
			{[]string{"121"}, &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: 121}},
			{[]string{"--trunk", "100-199,300"}, &types.VmwareDistributedVirtualSwitchTrunkVlanSpec{VlanId: []types.NumericRange{{Start: 100, End: 199}, {Start: 300, End: 300}}}},
			{[]string{"120"}, &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: 120}},
		} {
			s.mustCLI(t, append([]string{"set-dvportgroup-vlan", "dv-web"}, step.args...)...)
			w.await("dv-web "+describeVlan(step.want), modified(pg, "config.defaultPortConfig", func(val interface{}) bool {
				setting, ok := val.(types.VMwareDVSPortSetting) // decoded property values are not pointers
				return ok && reflect.DeepEqual(setting.Vlan, step.want)
			}))
		}
		s.failCLI(t, `invalid VLAN "4095" (want 0-4094)`, "set-dvportgroup-vlan", "dv-web", "4095")
		s.failCLI(t, `invalid VLAN range "9-3"`, "set-dvportgroup-vlan", "dv-web", "--trunk", "9-3")
		s.failCLI(t, "usage: set-dvportgroup-vlan", "set-dvportgroup-vlan", "dv-web", "5", "--trunk", "1-2")
	})
	t.Run("Coalesced", func(t *testing.T) { testCoalesced(t, s, c) })
	t.Run("EventPage", func(t *testing.T) { testEventPage(t, c) })
	t.Run("Storm", func(t *testing.T) { testStorm(t, s, c) })
	t.Run("CreateDestroyVM", func(t *testing.T) { testCreateDestroy(t, s, c) })
	t.Run("Migrate", func(t *testing.T) { testMigrate(t, s, c) })
	t.Run("VmotionStorm", func(t *testing.T) { testVmotionStorm(t, s, c) })
	t.Run("Credentials", func(t *testing.T) {
		for _, creds := range [][2]string{{"admin", "wrong"}, {"root", "s3cret"}} {
			_, err := login(ctx, s.url, "", creds[0], creds[1])
			if !soap.IsSoapFault(err) {
				t.Fatalf("login as %s/%s: %v, want a SOAP fault", creds[0], creds[1], err)
			}
			if _, ok := soap.ToSoapFault(err).VimFault().(types.InvalidLogin); !ok {
				t.Errorf("login as %s/%s: %v, want InvalidLogin", creds[0], creds[1], err)
			}
		}
		s.failCLI(t, `login as "admin": ServerFaultCode: Login failure`, "inventory", "--password", "wrong")
	})
}

// nicBacking matches a device list in which the card with key has the MAC and a backing ok accepts.
func nicBacking(key int32, mac string, ok func(types.BaseVirtualDeviceBackingInfo) bool) func(interface{}) bool {
	return func(val interface{}) bool {
		devices, _ := val.(types.ArrayOfVirtualDevice)
		for _, d := range devices.VirtualDevice {
			if card, isCard := d.(types.BaseVirtualEthernetCard); isCard && d.GetVirtualDevice().Key == key {
				return card.GetVirtualEthernetCard().MacAddress == mac && ok(d.GetVirtualDevice().Backing)
			}
		}
		return false
	}
}

func testInventory(t *testing.T, s *server, topo *Topology, vc *Vcenter) {
	var inv Inventory
	if err := json.Unmarshal([]byte(s.mustCLI(t, "inventory")), &inv); err != nil {
		t.Fatal(err)
	}
	expect := func(what string, got, want interface{}) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	if inv.InstanceUUID == "" || inv.InstanceUUID == "dbed6e0c-bd88-4ef6-b594-21283e1c677f" {
		t.Errorf("instance_uuid %q is empty or the simulator's shared default", inv.InstanceUUID)
	}
	expect("datacenters", inv.Datacenters, []string{vc.Datacenter})
	macs := map[string]string{}
	distinct := func(mac, where string) {
		if first, dup := macs[mac]; dup || mac == "" {
			t.Errorf("MAC %q of %s is empty or also used by %s", mac, where, first)
		}
		macs[mac] = where
	}

	var clusters, hostNames []string
	hosts := map[string]InvHost{}
	for _, h := range inv.Hosts {
		hostNames, hosts[h.Name] = append(hostNames, h.Name), h
	}
	stdNetworks := map[string][]string{} // portgroup -> hosts
	for _, c := range vc.Clusters {
		clusters = append(clusters, c.Name)
		for _, h := range c.Hosts {
			got, ok := hosts[h.Name]
			if !ok {
				t.Errorf("host %s missing", h.Name)
				continue
			}
			delete(hosts, h.Name)
			expect(h.Name+" cluster", got.Cluster, c.Name)
			expect(h.Name+" connection state", got.ConnectionState, "connected")
			pnics := []InvPnic{}
			for _, p := range h.Pnics {
				mac, _ := NormalizeMAC(p.Mac)
				pnics = append(pnics, InvPnic{Device: p.Device, Mac: mac})
			}
			expect(h.Name+" pnics", got.Pnics, pnics)
			for _, p := range got.Pnics {
				distinct(p.Mac, h.Name+" "+p.Device)
			}
			vswitches, portgroups := []InvVSwitch{}, []InvPortgroup{}
			for _, vs := range c.VSwitches {
				sw := InvVSwitch{Name: vs.Name, Uplinks: vs.Uplinks, Portgroups: []string{}}
				for _, pg := range vs.Portgroups {
					sw.Portgroups = append(sw.Portgroups, pg.Name)
					portgroups = append(portgroups, InvPortgroup{Name: pg.Name, VSwitch: vs.Name, Vlan: int32(pg.Vlan)})
					stdNetworks[pg.Name] = append(stdNetworks[pg.Name], h.Name)
				}
				vswitches = append(vswitches, sw)
			}
			expect(h.Name+" vswitches", got.VSwitches, vswitches)
			expect(h.Name+" portgroups", got.Portgroups, portgroups)
			proxies := []InvProxySwitch{}
			for _, m := range c.DVS {
				proxies = append(proxies, InvProxySwitch{DVSwitch: m.Name, Uplinks: m.Uplinks})
			}
			for i := range got.ProxySwitches {
				got.ProxySwitches[i].DVSUuid = ""
			}
			expect(h.Name+" proxy switches", got.ProxySwitches, proxies)
			vmknics := []InvVMKnic{}
			for i, k := range c.VMKnics {
				want := InvVMKnic{Device: k.Device, Portgroup: k.Portgroup, Services: append([]string{}, k.Services...)}
				if dvs, _ := vc.DVPortgroup(k.Portgroup); dvs != nil {
					want.DVSwitch = dvs.Name
				}
				sort.Strings(want.Services)
				if i < len(got.VMKnics) {
					distinct(got.VMKnics[i].Mac, h.Name+" "+k.Device)
					want.Mac = got.VMKnics[i].Mac
				}
				vmknics = append(vmknics, want)
			}
			expect(h.Name+" vmknics", got.VMKnics, vmknics)
		}
	}
	expect("clusters", len(inv.Clusters), len(clusters))
	for i := range inv.Clusters {
		expect("cluster name", inv.Clusters[i].Name, clusters[i])
	}
	if len(hosts) != 0 {
		t.Errorf("hosts not in the topology: %v", hosts)
	}

	var networks []InvNetwork
	for name, hs := range stdNetworks {
		sort.Strings(hs)
		networks = append(networks, InvNetwork{Name: name, Hosts: hs})
	}
	sort.Slice(networks, func(i, j int) bool { return networks[i].Name < networks[j].Name })
	for i := range inv.Networks {
		inv.Networks[i].Moref = ""
	}
	expect("networks", inv.Networks, networks) // and no "VM Network"

	var dvswitches []string
	dvpgs := map[string]InvDVPortgroup{}
	for _, pg := range inv.DVPortgroups {
		dvpgs[pg.Name] = pg
	}
	for _, d := range vc.DVSwitches {
		dvswitches = append(dvswitches, d.Name)
		for _, pg := range d.Portgroups {
			got := dvpgs[pg.Name]
			delete(dvpgs, pg.Name)
			want := InvDVPortgroup{Name: pg.Name, Moref: got.Moref, Key: got.Key, DVSwitch: d.Name}
			if pg.Vlan != nil {
				want.Vlan = types.NewInt32(int32(*pg.Vlan))
			} else {
				ranges, _ := ParseTrunk(pg.Trunk)
				want.Trunk = FormatTrunk(ranges)
			}
			expect("DV portgroup "+pg.Name, got, want)
		}
	}
	for name, pg := range dvpgs { // what remains must be one uplink portgroup per switch
		if !pg.Uplink || pg.Trunk != "0-4094" || !strings.HasPrefix(name, pg.DVSwitch+"-DVUplinks-") {
			t.Errorf("unexpected DV portgroup %+v", pg)
		}
	}
	expect("uplink portgroups", len(dvpgs), len(vc.DVSwitches))
	var gotDVS []string
	for _, d := range inv.DVSwitches {
		gotDVS = append(gotDVS, d.Name)
	}
	expect("dvswitches", gotDVS, dvswitches)

	expect("VMs", len(inv.VMs), len(vc.VMs))
	vms := map[string]InvVM{}
	for _, vm := range inv.VMs {
		vms[vm.Name] = vm
	}
	for _, v := range vc.VMs {
		got := vms[v.Name]
		power := "on"
		if v.Power == "off" {
			power = "off"
		}
		expect(v.Name+" power", got.Power, power)
		expect(v.Name+" host", got.Host, v.Host)
		if !contains(inv.hostByName(v.Host).VMs, v.Name) {
			t.Errorf("host %s does not list VM %s", v.Host, v.Name)
		}
		expect(v.Name+" nics", len(got.Nics), len(v.Nics))
		for i := 0; i < len(got.Nics) && i < len(v.Nics); i++ {
			mac, _ := NormalizeMAC(v.Nics[i].Mac)
			want := InvVMNic{Key: int32(4000 + i), Label: fmt.Sprintf("ethernet-%d", i), Mac: mac, Portgroup: v.Nics[i].Portgroup, Connected: got.Nics[i].Connected}
			if dvs, _ := vc.DVPortgroup(v.Nics[i].Portgroup); dvs != nil {
				want.DVSwitch = dvs.Name
			}
			expect(v.Name+" nic", got.Nics[i], want)
			distinct(got.Nics[i].Mac, v.Name+" "+got.Nics[i].Label)
		}
	}
}

func (inv *Inventory) hostByName(name string) InvHost {
	for _, h := range inv.Hosts {
		if h.Name == name {
			return h
		}
	}
	return InvHost{}
}

func testNetworkHint(t *testing.T, c *vim25.Client, topo *Topology, vc *Vcenter) {
	ctx := context.Background()
	var speaking, silent int
	for ci := range vc.Clusters {
		cluster := &vc.Clusters[ci]
		for _, h := range cluster.Hosts {
			ns, err := object.NewHostSystem(c, mustFind(t, c, "HostSystem", h.Name)).ConfigManager().NetworkSystem(ctx)
			if err != nil {
				t.Fatal(err)
			}
			hints, err := ns.QueryNetworkHint(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(hints) != len(h.Pnics) {
				t.Fatalf("%s: %d hints for %d pnics", h.Name, len(hints), len(h.Pnics))
			}
			for i := range h.Pnics {
				p, hint := &h.Pnics[i], hints[i]
				where := h.Name + " " + p.Device
				if hint.Device != p.Device || hint.ConnectedSwitchPort != nil {
					t.Errorf("%s: hint %+v", where, hint)
				}
				sw := topo.LLDPPeer(cluster, p)
				if sw == nil {
					silent++
					if hint.LldpInfo != nil {
						t.Errorf("%s: unexpected LLDP neighbour %+v", where, *hint.LldpInfo)
					}
					continue
				}
				speaking++
				chassis, _ := NormalizeMAC(sw.SystemMac)
				lldp := hint.LldpInfo
				if lldp == nil || lldp.ChassisId != chassis || lldp.PortId != p.Interface || lldpParameter(lldp, "System Name") != sw.Name {
					t.Errorf("%s: LLDP %+v, want chassis %s port %s system name %s", where, lldp, chassis, p.Interface, sw.Name)
				}
			}
		}
	}
	if speaking == 0 || silent == 0 {
		t.Errorf("the test topology should have pnics with and without LLDP (%d, %d)", speaking, silent)
	}
	ns, err := object.NewHostSystem(c, mustFind(t, c, "HostSystem", "esx-a1.lab.local")).ConfigManager().NetworkSystem(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if hints, err := ns.QueryNetworkHint(ctx, []string{"vmnic2"}); err != nil || len(hints) != 1 || hints[0].LldpInfo.PortId != "Ethernet11" {
		t.Errorf("QueryNetworkHint(vmnic2) = %+v, %v", hints, err)
	}
	if _, err := ns.QueryNetworkHint(ctx, []string{"vmnic9"}); err == nil || !strings.Contains(err.Error(), `no physical nic "vmnic9"`) {
		t.Errorf("QueryNetworkHint(vmnic9): %v", err)
	}
}

func lldpParameter(info *types.LinkLayerDiscoveryProtocolInfo, key string) interface{} {
	for _, p := range info.Parameter {
		if p.Key == key {
			return p.Value
		}
	}
	return nil
}

// portgroupVlan matches a host portgroup list; want < 0 means "without the portgroup".
func portgroupVlan(name string, want int32) func(interface{}) bool {
	return func(val interface{}) bool {
		pgs, _ := val.(types.ArrayOfHostPortGroup)
		for _, pg := range pgs.HostPortGroup {
			if pg.Spec.Name == name {
				return pg.Spec.VlanId == want
			}
		}
		return want < 0
	}
}

func testStandardPortgroups(t *testing.T, s *server, c *vim25.Client) {
	a1 := mustFind(t, c, "HostSystem", "esx-a1.lab.local")
	host := watch(t, c, objectSpec(a1, "config.network.portgroup"))
	networks := watch(t, c, viewSpec(t, c, "Network", "name", "host"))

	s.mustCLI(t, "add-portgroup", "esx-a1.lab.local", "vSwitch0", "pg-new", "300")
	host.await("pg-new with VLAN 300 on esx-a1", modified(a1, "config.network.portgroup", portgroupVlan("pg-new", 300)))
	entered := networks.await("Network pg-new created", func(u types.ObjectUpdate) bool {
		return u.Kind == types.ObjectUpdateKindEnter && changeVal(u, "name") == "pg-new"
	})
	s.mustCLI(t, "set-portgroup-vlan", "esx-a1.lab.local", "pg-new", "301")
	host.await("pg-new VLAN 301 on esx-a1", modified(a1, "config.network.portgroup", portgroupVlan("pg-new", 301)))

	// A second host joins the same Network object.
	s.mustCLI(t, "add-portgroup", "esx-a2.lab.local", "vSwitch0", "pg-new", "302")
	a2 := mustFind(t, c, "HostSystem", "esx-a2.lab.local")
	networks.await("Network pg-new on both hosts", modified(entered.Obj, "host", func(val interface{}) bool {
		refs, _ := val.(types.ArrayOfManagedObjectReference)
		return reflect.DeepEqual(refs.ManagedObjectReference, []types.ManagedObjectReference{a1, a2})
	}))
	var props mo.HostNetworkSystem
	ns, _ := object.NewHostSystem(c, a2).ConfigManager().NetworkSystem(context.Background())
	if err := ns.Properties(context.Background(), ns.Reference(), []string{"networkInfo"}, &props); err != nil ||
		!portgroupVlan("pg-new", 302)(types.ArrayOfHostPortGroup{HostPortGroup: props.NetworkInfo.Portgroup}) {
		t.Errorf("esx-a2 HostNetworkSystem.networkInfo lacks pg-new/302: %v", err)
	}

	s.failCLI(t, `already has portgroup "pg-new"`, "add-portgroup", "esx-a1.lab.local", "vSwitch0", "pg-new", "5")
	s.failCLI(t, `"dv-web" is the name of DistributedVirtualPortgroup`, "add-portgroup", "esx-a1.lab.local", "vSwitch0", "dv-web", "5")
	s.failCLI(t, `has no vSwitch "vSwitch9"`, "add-portgroup", "esx-a1.lab.local", "vSwitch9", "pg-x", "5")
	s.failCLI(t, `invalid VLAN "4096" (want 0-4095)`, "add-portgroup", "esx-a1.lab.local", "vSwitch0", "pg-x", "4096")
	s.failCLI(t, `host "esx-a1.lab.local" has no portgroup "pg-x"`, "set-portgroup-vlan", "esx-a1.lab.local", "pg-x", "5")
	s.failCLI(t, `used by HostVirtualNic vmk0`, "remove-portgroup", "esx-a1.lab.local", "Management Network")

	s.mustCLI(t, "remove-portgroup", "esx-a1.lab.local", "pg-new")
	host.await("pg-new gone from esx-a1", modified(a1, "config.network.portgroup", portgroupVlan("pg-new", -1)))
	s.mustCLI(t, "remove-portgroup", "esx-a2.lab.local", "pg-new")
	networks.await("Network pg-new removed with its last host", func(u types.ObjectUpdate) bool {
		return u.Obj == entered.Obj && u.Kind == types.ObjectUpdateKindLeave
	})
}

// testCoalesced: an object changed several times between two WaitForUpdatesEx calls is reported
// once, with its latest values, as vCenter does (README.md, "Property updates").
func testCoalesced(t *testing.T, s *server, c *vim25.Client) {
	pg := mustFind(t, c, "DistributedVirtualPortgroup", "dv-web")
	w := watch(t, c, objectSpec(pg, "config.defaultPortConfig"))
	for _, vlan := range []string{"131", "132", "133"} {
		s.mustCLI(t, "set-dvportgroup-vlan", "dv-web", vlan) // each waits for its task
	}
	set := w.poll(0)
	var got []types.ObjectUpdate
	if set != nil {
		for _, fs := range set.FilterSet {
			got = append(got, fs.ObjectSet...)
		}
	}
	want := modified(pg, "config.defaultPortConfig", func(val interface{}) bool {
		setting, ok := val.(types.VMwareDVSPortSetting)
		return ok && reflect.DeepEqual(setting.Vlan, &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: 133})
	})
	if len(got) != 1 || !want(got[0]) {
		t.Errorf("after 3 VLAN changes of dv-web, %d object updates %+v; want one, with VLAN 133", len(got), got)
	}
	s.mustCLI(t, "set-dvportgroup-vlan", "dv-web", "120") // as the other subtests expect
	w.await("dv-web VLAN 120", modified(pg, "config.defaultPortConfig", func(val interface{}) bool {
		setting, ok := val.(types.VMwareDVSPortSetting)
		return ok && reflect.DeepEqual(setting.Vlan, &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: 120})
	}))
}

// testEventPage: an event collector's latestPage holds exactly the newest `size` matching events,
// newest first, when created, after SetCollectorPageSize shrinks or grows it, and as events are
// posted (README.md, "Event pages").
func testEventPage(t *testing.T, c *vim25.Client) {
	ctx := context.Background()
	m := event.NewManager(c)
	// Other subtests' events do not match; GeneralUserEvents posted before are in `all` too.
	collector := func(size int32) *event.HistoryCollector {
		h, err := m.CreateCollectorForEvents(ctx, types.EventFilterSpec{EventTypeId: []string{"GeneralUserEvent"}, MaxCount: size})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = h.Destroy(ctx) })
		return h
	}
	keys := func(h *event.HistoryCollector) []int32 {
		page, err := h.LatestPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var keys []int32
		for _, e := range page {
			keys = append(keys, e.GetEvent().Key)
		}
		return keys
	}
	// Every matching event: a page of the simulator's maximum size, created before this test
	// posts, to which PostEvent adds each of its events.
	all := collector(1000)
	posted := 0
	post := func(n int) {
		for i := 0; i < n; i++ {
			posted++
			if err := m.PostEvent(ctx, &types.GeneralUserEvent{GeneralEvent: types.GeneralEvent{Message: fmt.Sprintf("event page %d", posted)}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	expect := func(what string, h *event.HistoryCollector, size int) {
		t.Helper()
		want := keys(all)
		sort.Slice(want, func(i, j int) bool { return want[i] > want[j] })
		if len(want) < posted || len(want) == 1000 {
			t.Fatalf("%d matching events after posting %d: the reference page must hold them all", len(want), posted)
		}
		if len(want) > size {
			want = want[:size]
		}
		if got := keys(h); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: latestPage keys %v, want the newest %d: %v", what, got, size, want)
		}
	}

	post(12)
	h := collector(8)
	expect("created with 8 after 12 events", h, 8)
	// Each step resizes the page, checks it, posts more events and checks it again; the last is
	// larger than the matching events, so the next event takes an empty slot.
	for _, step := range []struct{ size, more int }{{3, 4}, {10, 2}, {50, 1}} {
		if err := h.SetPageSize(ctx, int32(step.size)); err != nil {
			t.Fatal(err)
		}
		expect(fmt.Sprintf("resized to %d", step.size), h, step.size)
		post(step.more)
		expect(fmt.Sprintf("resized to %d, then %d posted", step.size, step.more), h, step.size)
	}
}

func testCreateDestroy(t *testing.T, s *server, c *vim25.Client) {
	vms := watch(t, c, viewSpec(t, c, "VirtualMachine", "name"))
	if out := s.mustCLI(t, "create-vm", "new-1", "esx-b1.lab.local", "pg-app"); !strings.HasPrefix(out, "new-1: created on esx-b1.lab.local (vm-") {
		t.Errorf("create-vm printed %q", out)
	}
	created := vms.await("new-1 created", func(u types.ObjectUpdate) bool {
		return u.Kind == types.ObjectUpdateKindEnter && changeVal(u, "name") == "new-1"
	})
	inv, err := collectInventory(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	for _, vm := range inv.VMs {
		if vm.Name == "new-1" && (vm.Host != "esx-b1.lab.local" || vm.Power != "off" || len(vm.Nics) != 1 || vm.Nics[0].Portgroup != "pg-app" || vm.Nics[0].Mac == "") {
			t.Errorf("new-1: %+v", vm)
		}
	}
	s.failCLI(t, `no portgroup named "pg-nope"`, "create-vm", "new-2", "esx-b1.lab.local", "pg-nope")

	// VMs created at run time migrate like the others; powered off, it is a cold migration.
	s.mustCLI(t, "migrate", "new-1", "esx-b2.lab.local")
	events, err := event.NewManager(c).QueryEvents(context.Background(), types.EventFilterSpec{
		Entity: &types.EventFilterSpecByEntity{Entity: created.Obj, Recursion: types.EventFilterSpecRecursionOptionSelf},
	})
	if err != nil {
		t.Fatal(err)
	}
	expectEvents(t, events, "VmBeingMigratedEvent", "VmMigratedEvent")

	s.mustCLI(t, "destroy-vm", "new-1")
	vms.await("new-1 destroyed", func(u types.ObjectUpdate) bool {
		return u.Obj == created.Obj && u.Kind == types.ObjectUpdateKindLeave
	})
}

// expectEvents checks the names of the migration events, oldest first.
func expectEvents(t *testing.T, events []types.BaseEvent, want ...string) {
	t.Helper()
	sort.Slice(events, func(i, j int) bool { return events[i].GetEvent().Key < events[j].GetEvent().Key })
	var got []string
	for _, e := range events {
		if name := reflect.TypeOf(e).Elem().Name(); strings.Contains(name, "Migrat") {
			got = append(got, name)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("migration events %v, want %v", got, want)
	}
}

func testMigrate(t *testing.T, s *server, c *vim25.Client) {
	ctx := context.Background()
	vm := mustFind(t, c, "VirtualMachine", "web-1")
	src, dst := mustFind(t, c, "HostSystem", "esx-a1.lab.local"), mustFind(t, c, "HostSystem", "esx-a2.lab.local")
	filter := types.EventFilterSpec{
		Entity:      &types.EventFilterSpecByEntity{Entity: vm, Recursion: types.EventFilterSpecRecursionOptionSelf},
		EventTypeId: []string{"VmBeingHotMigratedEvent", "VmMigratedEvent"},
	}
	collector, err := event.NewManager(c).CreateCollectorForEvents(ctx, filter)
	if err != nil {
		t.Fatal(err)
	}
	events := watch(t, c, objectSpec(collector.Reference(), "latestPage"))
	hostWatch := watch(t, c, objectSpec(vm, "runtime.host"))

	start := time.Now()
	migration := command("migrate", "web-1", "esx-a2.lab.local", "--url", s.url, "--username", "admin", "--password", "s3cret")
	var out bytes.Buffer
	migration.Stdout, migration.Stderr = &out, &out
	if err := migration.Start(); err != nil {
		t.Fatal(err)
	}
	events.await("VmBeingHotMigratedEvent", modified(collector.Reference(), "latestPage", func(val interface{}) bool {
		page, _ := val.(types.ArrayOfEvent)
		for _, e := range page.Event {
			if ev, ok := e.(*types.VmBeingHotMigratedEvent); ok {
				return ev.DestHost.Host == dst && ev.Host.Host == src
			}
		}
		return false
	}))
	// The VM moves only vmotionDelay after that event.
	var props mo.VirtualMachine
	if err := property.DefaultCollector(c).RetrieveOne(ctx, vm, []string{"runtime.host"}, &props); err != nil || *props.Runtime.Host != src {
		t.Errorf("while migrating, web-1 runtime.host = %v (%v), want the source host", props.Runtime.Host, err)
	}
	hostWatch.await("web-1 runtime.host -> esx-a2", modified(vm, "runtime.host", equals(dst)))
	if elapsed := time.Since(start); elapsed < vmotionDelay {
		t.Errorf("web-1 moved after %v, before the %v vMotion delay", elapsed, vmotionDelay)
	}
	if err := migration.Wait(); err != nil || out.String() != "web-1: esx-a1.lab.local -> esx-a2.lab.local\n" {
		t.Fatalf("migrate: %v, output %q", err, out.String())
	}

	page, err := event.NewManager(c).QueryEvents(ctx, filter)
	if err != nil {
		t.Fatal(err)
	}
	expectEvents(t, page, "VmBeingHotMigratedEvent", "VmMigratedEvent")
	if len(page) == 2 {
		being, done := page[0].(*types.VmBeingHotMigratedEvent), page[1].(*types.VmMigratedEvent)
		if done.SourceHost.Host != src || done.Host.Host != dst || done.Vm.Vm != vm || done.FullFormattedMessage == "" || done.UserName != "admin" {
			t.Errorf("VmMigratedEvent %+v", done)
		}
		if gap := done.CreatedTime.Sub(being.CreatedTime); gap < vmotionDelay {
			t.Errorf("events %v apart, want at least the vMotion delay %v", gap, vmotionDelay)
		}
	}
	var hosts []mo.HostSystem
	if err := property.DefaultCollector(c).Retrieve(ctx, []types.ManagedObjectReference{src, dst}, []string{"vm"}, &hosts); err != nil {
		t.Fatal(err)
	}
	for _, h := range hosts {
		if listed := simulator.FindReference(h.Vm, vm) != nil; listed != (h.Self == dst) {
			t.Errorf("host %s lists web-1: %v", h.Self, listed)
		}
	}

	// Across clusters, the VM also changes resource pool.
	db := mustFind(t, c, "VirtualMachine", "db-1")
	s.mustCLI(t, "migrate", "db-1", "esx-a1.lab.local")
	pool, err := object.NewHostSystem(c, src).ResourcePool(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := property.DefaultCollector(c).RetrieveOne(ctx, db, []string{"runtime.host", "resourcePool"}, &props); err != nil ||
		*props.Runtime.Host != src || *props.ResourcePool != pool.Reference() {
		t.Errorf("db-1 after migration: host %v pool %v (%v)", props.Runtime.Host, props.ResourcePool, err)
	}
	s.failCLI(t, `no HostSystem named "esx-z9"`, "migrate", "db-1", "esx-z9")
}

func TestTLSAndSessionIdle(t *testing.T) {
	dir := t.TempDir()
	caFile, certFile, keyFile := writeTestPKI(t, dir)
	s := startServer(t, []string{"--ca-file", caFile}, "--tls", "--cert", certFile, "--key", keyFile, "--session-idle", "500ms")
	if !strings.HasPrefix(s.url, "https://127.0.0.1:") {
		t.Fatalf("URL %q, want https on 127.0.0.1", s.url)
	}
	var inv Inventory
	if err := json.Unmarshal([]byte(s.mustCLI(t, "inventory")), &inv); err != nil || len(inv.Hosts) != 4 {
		t.Errorf("inventory over TLS: %v, %d hosts", err, len(inv.Hosts))
	}
	insecure := &server{url: s.url, conn: []string{"--insecure"}}
	insecure.mustCLI(t, "poweroff", "web-1")
	unverified := &server{url: s.url}
	unverified.failCLI(t, "certificate", "inventory")

	ctx := context.Background()
	c, err := login(ctx, s.url, caFile, "any", "thing")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := methods.GetCurrentTime(ctx, c); err != nil {
		t.Fatal(err)
	}
	// Idleness is the condition here, so this waits: sessions idle longer than 500ms are
	// reaped on the next check, at most another 500ms later.
	time.Sleep(1500 * time.Millisecond)
	_, err = methods.GetCurrentTime(ctx, c)
	if !soap.IsSoapFault(err) {
		t.Fatalf("after idling: %v, want NotAuthenticated", err)
	}
	if _, ok := soap.ToSoapFault(err).VimFault().(types.NotAuthenticated); !ok {
		t.Errorf("after idling: %v, want NotAuthenticated", err)
	}
}

// writeTestPKI writes a CA and a server certificate for 127.0.0.1 signed by it.
func writeTestPKI(t *testing.T, dir string) (caFile, certFile, keyFile string) {
	t.Helper()
	write := func(name, kind string, der []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	newKey := func() *ecdsa.PrivateKey {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return key
	}
	now := time.Now()
	caKey, serverKey := newKey(), newKey()
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "vmfabric test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &serverKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(serverKey)
	if err != nil {
		t.Fatal(err)
	}
	return write("ca.pem", "CERTIFICATE", caDER), write("server.pem", "CERTIFICATE", leafDER), write("server.key", "EC PRIVATE KEY", keyDER)
}

func TestServeUsageErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "topology.json")
	if err := os.WriteFile(bad, []byte(`{"vcenters": [{"name": "vc", "datacenter": "DC", "vms": [{"name": "a", "host": "esx-9"}]}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--topology", bad}, bad + `: vcenters[0].vms[0].host: unknown host "esx-9"`},
		{[]string{"serve"}, "--topology is required"},
		{[]string{"serve", "--topology", testTopology, "--tls"}, "--tls requires --cert and --key"},
		{[]string{"serve", "--topology", testTopology, "--username", "u"}, "--username and --password must be given together"},
		{[]string{"serve", "--topology", testTopology, "--vcenter", "vc9"}, `no vcenter named "vc9"`},
		{[]string{"serve", "--topology", testTopology, "--listen", "127.0.0.1:99999"}, "invalid port"},
		{[]string{"serve", "--topology", testTopology, "extra"}, "want 0 arguments, got 1"},
		{[]string{"poweron"}, "want 1 arguments, got 0"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
	} {
		var stdout, stderr bytes.Buffer
		cmd := command(tc.args...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 || stdout.Len() != 0 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: %v, stdout %q, stderr %q; want exit 1 and %q", tc.args, err, stdout.String(), stderr.String(), tc.want)
		}
	}
}

// The harness is built with the property collector overlay (overlay/, README.md "Property
// updates"): its interval variable is read at start, and a bad value is refused.
func TestUpdateIntervalOverlay(t *testing.T) {
	const env = "VMFABRIC_VCSIM_UPDATE_INTERVAL"
	for _, value := range []string{"bogus", "10us"} {
		var stdout, stderr bytes.Buffer
		cmd := command("serve", "--topology", testTopology)
		cmd.Env = append(cmd.Env, env+"="+value)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		want := env + "=\"" + value + "\": expected a Go duration of at least 100µs"
		if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 || stdout.Len() != 0 || !strings.Contains(stderr.String(), want) {
			t.Errorf("%s=%s: %v, stdout %q, stderr %q; want exit 1 and %q (is the harness built without -overlay?)", env, value, err, stdout.String(), stderr.String(), want)
		}
	}
	// govmomi's own interval is accepted (startServerEnv fails the test otherwise).
	startServerEnv(t, nil, []string{env + "=250ms"})
}

// TestEventCollectorLocks: events posted while collectors are resized and destroyed, as vmfabricd
// does (it sets its collector's page size when a session starts, and destroys each collector it
// reads a cut page again from), do not deadlock the simulator (README.md, "Event pages").
// Without the overlay's lock it deadlocked within about a hundred rounds (at 42, 89 and 101).
func TestEventCollectorLocks(t *testing.T) {
	s := startServer(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	poster, err := login(ctx, s.url, "", "poster", "any")
	if err != nil {
		t.Fatal(err)
	}
	reader, err := login(ctx, s.url, "", "reader", "any")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	posted := make(chan error, 1)
	go func() {
		m := event.NewManager(poster)
		for i := 0; ; i++ {
			select {
			case <-done:
				posted <- nil
				return
			default:
			}
			if err := m.PostEvent(ctx, &types.GeneralUserEvent{GeneralEvent: types.GeneralEvent{Message: fmt.Sprintf("lock %d", i)}}); err != nil {
				posted <- fmt.Errorf("event %d: %w", i, err)
				return
			}
		}
	}()
	m := event.NewManager(reader)
	const rounds = 500
	for round := 0; round < rounds; round++ {
		h, err := m.CreateCollectorForEvents(ctx, types.EventFilterSpec{EventTypeId: []string{"GeneralUserEvent"}})
		if err == nil {
			err = h.SetPageSize(ctx, 50)
		}
		if err == nil {
			_, err = h.LatestPage(ctx)
		}
		if err == nil {
			err = h.Destroy(ctx)
		}
		if err != nil {
			t.Fatalf("round %d of %d (create, resize, read, destroy a collector while events are posted): %v; the simulator deadlocked if the deadline passed", round+1, rounds, err)
		}
	}
	close(done)
	if err := <-posted; err != nil {
		t.Fatalf("posting events while collectors were resized and destroyed: %v", err)
	}
}

// newWatcher: a watcher on a new collector with these filters, not polled yet.
func newWatcher(t *testing.T, c *vim25.Client, maxObjectUpdates int32, specs ...types.PropertyFilterSpec) *watcher {
	t.Helper()
	ctx := context.Background()
	pc, err := property.DefaultCollector(c).Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Destroy(ctx) })
	for _, spec := range specs {
		if err := pc.CreateFilter(ctx, types.CreateFilter{Spec: spec}); err != nil {
			t.Fatal(err)
		}
	}
	return &watcher{t: t, c: c, pc: pc.Reference(), maxObjectUpdates: maxObjectUpdates}
}

// testMaxObjectUpdates: the overlay's WaitOptions.maxObjectUpdates (README.md, "Property
// updates"). Over two filters (the VMs, the hosts), an initial WaitForUpdatesEx with
// maxObjectUpdates 3 returns truncated sets of 3 that hold every object once, the last one not
// truncated; web-1 powered off after the first set reaches the collector only after them.
// Without maxObjectUpdates, everything comes in one set.
func testMaxObjectUpdates(t *testing.T, s *server, c *vim25.Client, vc *Vcenter) {
	specs := func() []types.PropertyFilterSpec {
		return []types.PropertyFilterSpec{
			viewSpec(t, c, "VirtualMachine", "name", "runtime.powerState"),
			viewSpec(t, c, "HostSystem", "name"),
		}
	}
	var want []string
	for _, vm := range vc.VMs {
		want = append(want, vm.Name)
	}
	for _, cluster := range vc.Clusters {
		for _, host := range cluster.Hosts {
			want = append(want, host.Name)
		}
	}
	sort.Strings(want)
	const limit = 3
	if len(want) <= 2*limit {
		t.Fatalf("the test topology has %d VMs and hosts: too few for 3 update sets of %d", len(want), limit)
	}
	// names of the enter updates of a set; the test fails on any other kind.
	names := func(set *types.UpdateSet) []string {
		var got []string
		for _, fs := range set.FilterSet {
			for _, u := range fs.ObjectSet {
				if u.Kind != types.ObjectUpdateKindEnter {
					t.Errorf("initial update set: %s update of %v", u.Kind, u.Obj)
				}
				name, _ := changeVal(u, "name").(string)
				got = append(got, name)
			}
		}
		return got
	}
	truncated := func(set *types.UpdateSet) bool { return set.Truncated != nil && *set.Truncated }

	w := newWatcher(t, c, limit, specs()...)
	var got []string
	for i := 0; ; i++ {
		set := w.poll(0)
		if set == nil {
			t.Fatalf("update set %d: nothing, after %q", i, got)
		}
		part := names(set)
		got = append(got, part...)
		if len(part) > limit || (truncated(set) && len(part) != limit) {
			t.Errorf("update set %d: %d objects (truncated %v), want %d while truncated, at most %d after", i, len(part), truncated(set), limit, limit)
		}
		if i == 0 {
			s.mustCLI(t, "poweroff", "web-1") // while the rest is pending
		}
		if !truncated(set) {
			break
		}
		if len(got) > len(want) {
			t.Fatalf("still truncated after %d objects: %q", len(got), got)
		}
	}
	sort.Strings(got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the truncated update sets held %q, want each of %q once", got, want)
	}
	vm := mustFind(t, c, "VirtualMachine", "web-1")
	w.await("web-1 powered off, after the truncated sets", modified(vm, "runtime.powerState", equals(types.VirtualMachinePowerStatePoweredOff)))
	s.mustCLI(t, "poweron", "web-1")
	w.await("web-1 powered on", modified(vm, "runtime.powerState", equals(types.VirtualMachinePowerStatePoweredOn)))

	whole := newWatcher(t, c, 0, specs()...).poll(0)
	if whole == nil || truncated(whole) || len(names(whole)) != len(want) {
		t.Errorf("without maxObjectUpdates: %+v, want all %d objects in one set", whole, len(want))
	}
}

// testStorm: three paced changes of dv-web's VLAN, one JSON line each, in order and timed; the
// last one is what the portgroup has. dv-web gets VLAN 120 back for the later tests.
func testStorm(t *testing.T, s *server, c *vim25.Client) {
	pg := mustFind(t, c, "DistributedVirtualPortgroup", "dv-web")
	w := watch(t, c, objectSpec(pg, "config.defaultPortConfig"))
	const interval = 20 * time.Millisecond
	start := time.Now()
	out := s.mustCLI(t, "storm", "--portgroup", "dv-web", "--first-vlan", "1000", "--count", "3",
		"--interval", interval.String())
	if took := time.Since(start); took < 2*interval { // change 2 is due 2 intervals after change 0
		t.Errorf("storm took %v: not paced", took)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("storm printed %d lines, want 3: %q", len(lines), out)
	}
	for i, line := range lines {
		var ev stormEvent
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("line %d %q: %v", i, line, err)
		}
		if ev.I != i || ev.Vlan != 1000+i || ev.SentNs == 0 || ev.DoneNs < ev.SentNs {
			t.Errorf("line %d: %+v", i, ev)
		}
	}
	want := &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: 1002}
	w.await("dv-web VLAN 1002", modified(pg, "config.defaultPortConfig", func(val interface{}) bool {
		setting, ok := val.(types.VMwareDVSPortSetting)
		return ok && reflect.DeepEqual(setting.Vlan, want)
	}))
	s.failCLI(t, "give --portgroup, or --vm with --portgroups", "storm", "--count", "1")
	s.failCLI(t, "VLANs 4094-4095 are not all in 1-4094", "storm", "--portgroup", "dv-web", "--first-vlan", "4094", "--count", "2")
	s.mustCLI(t, "set-dvportgroup-vlan", "dv-web", "120")

	// --vm: web-1's card moves to dv-vmotion (VLAN 30), then back to dv-web by set-nic.
	out = s.mustCLI(t, "storm", "--vm", "web-1", "--portgroups", "dv-vmotion,dv-web", "--count", "1")
	var ev stormEvent
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &ev); err != nil || ev.I != 0 || ev.Vlan != 30 || ev.SentNs == 0 || ev.DoneNs < ev.SentNs {
		t.Errorf("storm --vm printed %q (%v)", out, err)
	}
	inv, err := collectInventory(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	for _, vm := range inv.VMs {
		if vm.Name == "web-1" && (len(vm.Nics) != 1 || vm.Nics[0].Portgroup != "dv-vmotion") {
			t.Errorf("web-1 after storm --vm: %+v", vm)
		}
	}
	s.mustCLI(t, "set-nic", "web-1", "0", "dv-web")
	s.failCLI(t, `DV portgroup "dv-trunk" has no access VLAN`, "storm", "--vm", "web-1", "--portgroups", "dv-trunk", "--count", "1")
	s.failCLI(t, "--vm needs --portgroups", "storm", "--vm", "web-1")
}

// readVmotionEvent reads one line of vmotion-storm's output.
func readVmotionEvent(t *testing.T, line string) vmotionEvent {
	t.Helper()
	var ev vmotionEvent
	if err := json.Unmarshal([]byte(line), &ev); err != nil {
		t.Fatalf("line %q: %v", line, err)
	}
	return ev
}

func writeMoves(t *testing.T, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "moves.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// testVmotionStorm: three paced moves run at once (the last is sent before the first is done),
// one line each; the VMs end up on their hosts, db-1 in the other cluster's pool. Then the name
// errors, and a move that fails while the others go on. Runs after Migrate: web-1 is on esx-a2,
// db-1 on esx-a1.
func testVmotionStorm(t *testing.T, s *server, c *vim25.Client) {
	ctx := context.Background()
	const interval = 100 * time.Millisecond
	moves := writeMoves(t,
		`{"vm":"web-1","host":"esx-a1.lab.local"}`,
		`{"vm":"app-1","host":"esx-b2.lab.local"}`,
		``, // blank lines are skipped
		`{"vm":"db-1","host":"esx-b2.lab.local"}`)
	start := time.Now().UnixNano()
	out := s.mustCLI(t, "vmotion-storm", "--moves", moves, "--interval", interval.String())
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("vmotion-storm printed %d lines, want 3: %q", len(lines), out)
	}
	want := []vmotionEvent{
		{I: 0, VM: "web-1", From: "esx-a2.lab.local", To: "esx-a1.lab.local"},
		{I: 1, VM: "app-1", From: "esx-b1.lab.local", To: "esx-b2.lab.local"},
		{I: 2, VM: "db-1", From: "esx-a1.lab.local", To: "esx-b2.lab.local"},
	}
	var lastSent, firstDone int64
	seen := map[int]bool{}
	for _, line := range lines {
		ev := readVmotionEvent(t, line)
		if ev.I < 0 || ev.I > 2 || seen[ev.I] {
			t.Fatalf("unexpected line %q", line)
		}
		seen[ev.I] = true
		timing := ev
		ev.SentNs, ev.DoneNs = 0, 0
		if ev != want[ev.I] {
			t.Errorf("line %q, want %+v", line, want[ev.I])
		}
		if due := start + int64(ev.I)*int64(interval); timing.SentNs < due || timing.DoneNs-timing.SentNs < int64(vmotionDelay) {
			t.Errorf("line %q: sent before it was due (%d) or done within the vMotion delay", line, due)
		}
		if timing.SentNs > lastSent {
			lastSent = timing.SentNs
		}
		if firstDone == 0 || timing.DoneNs < firstDone {
			firstDone = timing.DoneNs
		}
	}
	if lastSent >= firstDone {
		t.Errorf("the moves did not run concurrently: last sent at %d, first done at %d", lastSent, firstDone)
	}
	b2 := mustFind(t, c, "HostSystem", "esx-b2.lab.local")
	poolB, err := object.NewHostSystem(c, b2).ResourcePool(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range want {
		var props mo.VirtualMachine
		vm := mustFind(t, c, "VirtualMachine", m.VM)
		if err := property.DefaultCollector(c).RetrieveOne(ctx, vm, []string{"runtime.host", "resourcePool"}, &props); err != nil {
			t.Fatal(err)
		}
		if *props.Runtime.Host != mustFind(t, c, "HostSystem", m.To) || (m.VM == "db-1" && *props.ResourcePool != poolB.Reference()) {
			t.Errorf("%s after vmotion-storm: host %v pool %v", m.VM, props.Runtime.Host, props.ResourcePool)
		}
	}

	// Names are resolved before the first move: nothing moves.
	bad := writeMoves(t, `{"vm":"web-1","host":"esx-a2.lab.local"}`, `{"vm":"vm-nope","host":"esx-a1.lab.local"}`)
	s.failCLI(t, bad+`:2: no VirtualMachine named "vm-nope"`, "vmotion-storm", "--moves", bad)
	s.failCLI(t, `:1: no HostSystem named "esx-z9"`, "vmotion-storm", "--moves", writeMoves(t, `{"vm":"web-1","host":"esx-z9"}`))
	s.failCLI(t, `:1: want {"vm":"NAME","host":"HOSTNAME"}`, "vmotion-storm", "--moves", writeMoves(t, `{"vm":"web-1"}`))
	s.failCLI(t, "--moves is required", "vmotion-storm")

	// A failed move is reported and the others go on: storm-tmp is destroyed after move 0 (a
	// move to its own host, immediate) and before move 1 is due.
	s.mustCLI(t, "create-vm", "storm-tmp", "esx-a1.lab.local", "pg-app")
	tmp := object.NewVirtualMachine(c, mustFind(t, c, "VirtualMachine", "storm-tmp"))
	storm := command("vmotion-storm", "--url", s.url, "--username", "admin", "--password", "s3cret", "--interval", "700ms",
		"--moves", writeMoves(t,
			`{"vm":"storm-tmp","host":"esx-a1.lab.local"}`,
			`{"vm":"storm-tmp","host":"esx-a2.lab.local"}`,
			`{"vm":"web-2","host":"esx-a1.lab.local"}`))
	var stderr bytes.Buffer
	events := bufio.NewScanner(startPiped(t, storm, &stderr))
	if !events.Scan() {
		t.Fatalf("vmotion-storm printed nothing: %s", stderr.String())
	}
	if ev := readVmotionEvent(t, events.Text()); ev.I != 0 || ev.From != "esx-a1.lab.local" || ev.Error != "" {
		t.Errorf("move 0: %q", events.Text())
	}
	if _, err := wait(ctx)(tmp.Destroy(ctx)); err != nil {
		t.Fatal(err)
	}
	var rest []vmotionEvent
	for events.Scan() {
		rest = append(rest, readVmotionEvent(t, events.Text()))
	}
	err = storm.Wait()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 || !strings.Contains(stderr.String(), "vmotion-storm: 1 of 3 moves failed") {
		t.Errorf("vmotion-storm with a failed move: %v, stderr %q", err, stderr.String())
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i].I < rest[j].I })
	if len(rest) != 2 || rest[0].Error == "" || rest[1].Error != "" || rest[1].From != "esx-a2.lab.local" || rest[1].To != "esx-a1.lab.local" {
		t.Errorf("moves 1 and 2: %+v", rest)
	}
}

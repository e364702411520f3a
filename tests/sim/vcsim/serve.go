package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/simulator/vpx"
	govmomitask "github.com/vmware/govmomi/task"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

const datastoreName = "datastore1"

type serveOptions struct {
	topology, vcenter, listen     string
	tls                           bool
	cert, key, username, password string
	sessionIdle, vmotionDelay     time.Duration
	verbose                       bool
}

func cmdServe(args []string, stdout, stderr io.Writer) error {
	var o serveOptions
	fs := newFlagSet("serve", "--topology FILE [flags]", "run a simulated vCenter built from a topology file", stderr)
	fs.StringVar(&o.topology, "topology", "", "topology file (tests/sim/TOPOLOGY.md), required")
	fs.StringVar(&o.vcenter, "vcenter", "", "vcenter of the topology to serve (default: the first)")
	fs.StringVar(&o.listen, "listen", "127.0.0.1:0", "listen address; port 0 picks a free port")
	fs.BoolVar(&o.tls, "tls", false, "serve HTTPS with --cert and --key")
	fs.StringVar(&o.cert, "cert", "", "PEM certificate (chain) for --tls")
	fs.StringVar(&o.key, "key", "", "PEM private key for --tls")
	fs.StringVar(&o.username, "username", "", "accept only this user name (default: any non-empty)")
	fs.StringVar(&o.password, "password", "", "password for --username")
	fs.DurationVar(&o.sessionIdle, "session-idle", 0, "expire sessions idle this long (0: never)")
	fs.DurationVar(&o.vmotionDelay, "vmotion-delay", 2*time.Second, "time a host migration takes")
	fs.BoolVar(&o.verbose, "verbose", false, "log the simulator's activity to stderr")
	if _, err := parseArgs(fs, args, 0); err != nil {
		return err
	}
	var tlsConfig *tls.Config
	switch {
	case o.topology == "":
		return errors.New("--topology is required")
	case (o.username == "") != (o.password == ""):
		return errors.New("--username and --password must be given together")
	case o.tls && (o.cert == "" || o.key == ""):
		return errors.New("--tls requires --cert and --key")
	case !o.tls && (o.cert != "" || o.key != ""):
		return errors.New("--cert and --key require --tls")
	case o.sessionIdle < 0 || o.vmotionDelay < 0:
		return errors.New("--session-idle and --vmotion-delay must not be negative")
	case o.tls:
		cert, err := tls.LoadX509KeyPair(o.cert, o.key)
		if err != nil {
			return fmt.Errorf("loading --cert/--key: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequestClientCert}
	}
	// From here on a signal stops the server after the inventory is built, so that the
	// datastore directory is always removed.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	log.SetOutput(io.Discard) // the simulator logs every call
	if o.verbose {
		log.SetOutput(stderr)
	}
	topo, err := LoadTopology(o.topology)
	if err != nil {
		return err
	}
	vc, err := topo.Vcenter(o.vcenter)
	if err != nil {
		return err
	}
	l, err := buildLab(topo, vc, o.vmotionDelay)
	if l != nil {
		defer os.RemoveAll(l.dir)
	}
	if err != nil {
		return fmt.Errorf("building the inventory of vcenter %q: %w", vc.Name, err)
	}
	simulator.SessionIdleTimeout = o.sessionIdle

	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return err
	}
	u := l.configureService(ln.Addr(), tlsConfig != nil, o.username, o.password)
	if tlsConfig != nil {
		ln = tls.NewListener(ln, tlsConfig)
	}
	srv := &http.Server{Handler: l, ErrorLog: log.New(stderr, "vmfabric-vcsim: ", log.LstdFlags)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "VCSIM_URL=%s\n", u)
	select {
	case <-stop:
		// Pending long polls would delay a graceful shutdown by up to maxWaitSeconds;
		// exiting closes every connection anyway.
		return nil
	case err := <-served:
		return err
	}
}

// lab is one simulated vCenter built from a topology.
type lab struct {
	topo   *Topology
	vc     *Vcenter
	client *vim25.Client // in-process client, used to build the inventory
	model  *simulator.Model
	delay  time.Duration
	dir    string // backing directory of the shared datastore

	dc         *simulator.Datacenter
	netFolder  *simulator.Folder
	hosts      map[string]*simulator.HostSystem
	dvswitches []*simulator.DistributedVirtualSwitch
	dvpgs      map[string]*simulator.DistributedVirtualPortgroup
	mux        *http.ServeMux
}

func buildLab(topo *Topology, vc *Vcenter, delay time.Duration) (*lab, error) {
	l := &lab{
		topo:  topo,
		vc:    vc,
		delay: delay,
		model: &simulator.Model{ServiceContent: vpx.ServiceContent, RootFolder: vpx.RootFolder},
		hosts: map[string]*simulator.HostSystem{},
		dvpgs: map[string]*simulator.DistributedVirtualPortgroup{},
	}
	// An empty VPX model: no DC0, DC0_H0, DVS0 or VMs to remove afterwards.
	if err := l.model.Create(); err != nil {
		return nil, err
	}
	ctx := context.Background()
	var err error
	if l.client, err = vim25.NewClient(ctx, l.model.Service); err != nil {
		return nil, err
	}
	// Every vCenter of a lab has its own, stable identity.
	si := simulator.Map.Get(vim25.ServiceInstance).(*simulator.ServiceInstance)
	si.Content.About.InstanceUuid = uuid.NewSHA1(uuid.NameSpaceURL, []byte("vmfabric-vcsim/"+vc.Name)).String()
	fixEventTemplates()
	simulator.Map.AddHandler(taskHook{})

	if l.dir, err = datastoreDir(); err != nil {
		return nil, err
	}
	// Building allocates a lot and frees little (the simulator keeps every object and task):
	// collecting less often takes a third off the start-up of a large inventory.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	steps := []func(context.Context) error{l.buildHosts, l.buildDVSwitches, l.buildHostNetworking, l.buildVMs}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return l, err
		}
	}
	return l, nil
}

// datastoreDir makes the shared datastore's directory, on tmpfs when there is one: the simulator
// writes a directory and three files per VM, and on a busy disk that doubles the start-up of a
// large inventory. The name holds the process id, so that the directories of killed servers
// (SIGKILL leaves no chance to clean up; on tmpfs they would hold memory) are removed by the next
// server.
func datastoreDir() (string, error) {
	removeStaleDatastores("/dev/shm")
	removeStaleDatastores(os.TempDir())
	pattern := fmt.Sprintf("%s%d-", datastorePrefix, os.Getpid())
	if dir, err := os.MkdirTemp("/dev/shm", pattern); err == nil {
		return dir, nil
	}
	return os.MkdirTemp("", pattern)
}

const datastorePrefix = "vmfabric-vcsim-"

// removeStaleDatastores removes the datastore directories of servers that are gone.
func removeStaleDatastores(parent string) {
	entries, _ := os.ReadDir(parent)
	for _, e := range entries {
		var pid int
		var rest string
		if !e.IsDir() || !strings.HasPrefix(e.Name(), datastorePrefix) {
			continue
		}
		if n, _ := fmt.Sscanf(strings.TrimPrefix(e.Name(), datastorePrefix), "%d-%s", &pid, &rest); n != 2 || pid <= 0 {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			_ = os.RemoveAll(filepath.Join(parent, e.Name()))
		}
	}
}

// wait returns a function that waits for a task to complete, for use as
// wait(ctx)(vm.PowerOn(ctx)); it returns the task's result.
//
// The simulator's tasks have completed when their method returns, so the task's state is read
// first, and waited for only when still running. Waiting creates a property collector, and
// govmomi 0.24's simulator keeps a destroyed collector registered, queueing every later property
// update for it: a waiter per call would slow the server down and grow it for good.
func wait(ctx context.Context) func(*object.Task, error) (types.AnyType, error) {
	return func(task *object.Task, err error) (types.AnyType, error) {
		if err != nil {
			return nil, err
		}
		var t mo.Task
		if err := task.Properties(ctx, task.Reference(), []string{"info"}, &t); err != nil {
			return nil, err
		}
		info := &t.Info
		if info.State != types.TaskInfoStateSuccess && info.State != types.TaskInfoStateError {
			var failed govmomitask.Error // the task's own fault: reported below
			if info, err = task.WaitForResult(ctx, nil); err != nil && !errors.As(err, &failed) {
				return nil, err
			}
		}
		if info.State == types.TaskInfoStateError {
			return nil, fmt.Errorf("task failed: %s", describeFault(info.Error.Fault))
		}
		return info.Result, nil
	}
}

// describeFault names a task's fault; the simulator's messages are only Go type names.
func describeFault(fault types.BaseMethodFault) string {
	name := reflect.TypeOf(fault).Elem().Name()
	if f, ok := fault.(*types.InvalidPowerState); ok {
		return fmt.Sprintf("%s: the VM is %s", name, f.ExistingState)
	}
	return name
}

// buildHosts creates the datacenter, clusters and connected hosts sharing one datastore.
func (l *lab) buildHosts(ctx context.Context) error {
	dc, err := object.NewRootFolder(l.client).CreateDatacenter(ctx, l.vc.Datacenter)
	if err != nil {
		return err
	}
	folders, err := dc.Folders(ctx)
	if err != nil {
		return err
	}
	l.dc = simulator.Map.Get(dc.Reference()).(*simulator.Datacenter)
	l.netFolder = simulator.Map.Get(l.dc.NetworkFolder).(*simulator.Folder)
	for _, c := range l.vc.Clusters {
		cluster, err := folders.HostFolder.CreateCluster(ctx, c.Name, types.ClusterConfigSpecEx{})
		if err != nil {
			return err
		}
		for _, h := range c.Hosts {
			res, err := wait(ctx)(cluster.AddHost(ctx, types.HostConnectSpec{HostName: h.Name}, true, nil, nil))
			if err != nil {
				return fmt.Errorf("adding host %q: %w", h.Name, err)
			}
			host := object.NewHostSystem(l.client, res.(types.ManagedObjectReference))
			dss, err := host.ConfigManager().DatastoreSystem(ctx)
			if err != nil {
				return err
			}
			if _, err := dss.CreateLocalDatastore(ctx, datastoreName, l.dir); err != nil {
				return err
			}
			l.hosts[h.Name] = simulator.Map.Get(host.Reference()).(*simulator.HostSystem)
		}
	}
	// Drop the simulator's default "VM Network". The clusters' and hosts' network lists
	// were slices of the datacenter's list; give them their own storage.
	for _, ref := range append([]types.ManagedObjectReference(nil), l.dc.Network...) {
		simulator.Map.Remove(ref)
		simulator.RemoveReference(&l.netFolder.ChildEntity, ref)
		simulator.RemoveReference(&l.dc.Network, ref)
	}
	for _, h := range l.hosts {
		h.Network = nil
		simulator.Map.Get(*h.Parent).(*simulator.ClusterComputeResource).Network = nil
	}
	return nil
}

// buildDVSwitches creates the distributed switches, their portgroups and host memberships.
func (l *lab) buildDVSwitches(ctx context.Context) error {
	folder := object.NewFolder(l.client, l.netFolder.Self)
	for _, d := range l.vc.DVSwitches {
		res, err := wait(ctx)(folder.CreateDVS(ctx, types.DVSCreateSpec{
			ConfigSpec: &types.VMwareDVSConfigSpec{DVSConfigSpec: types.DVSConfigSpec{Name: d.Name}},
		}))
		if err != nil {
			return fmt.Errorf("creating dvswitch %q: %w", d.Name, err)
		}
		dvs := object.NewDistributedVirtualSwitch(l.client, res.(types.ManagedObjectReference))
		var specs []types.DVPortgroupConfigSpec
		for _, pg := range d.Portgroups {
			specs = append(specs, types.DVPortgroupConfigSpec{
				Name:              pg.Name,
				Type:              string(types.DistributedVirtualPortgroupPortgroupTypeEarlyBinding),
				NumPorts:          8,
				AutoExpand:        types.NewBool(true),
				DefaultPortConfig: &types.VMwareDVSPortSetting{Vlan: vlanSpec(pg)},
			})
		}
		if len(specs) > 0 {
			if _, err := wait(ctx)(dvs.AddPortgroup(ctx, specs)); err != nil {
				return fmt.Errorf("adding portgroups to dvswitch %q: %w", d.Name, err)
			}
		}
		sdvs := simulator.Map.Get(dvs.Reference()).(*simulator.DistributedVirtualSwitch)
		l.dvswitches = append(l.dvswitches, sdvs)
		uplinkPG := simulator.Map.Get(sdvs.Portgroup[0]).(*simulator.DistributedVirtualPortgroup)
		for _, ref := range sdvs.Portgroup {
			pg := simulator.Map.Get(ref).(*simulator.DistributedVirtualPortgroup)
			pg.Config.Uplink = types.NewBool(pg == uplinkPG)
			l.dvpgs[pg.Name] = pg
		}
		uplinkPG.Tag = []types.Tag{{Key: "SYSTEM/DVS.UPLINKPG"}}

		var members []types.DistributedVirtualSwitchHostMemberConfigSpec
		uplinkNames, port := []string{}, 0
		for ci := range l.vc.Clusters {
			m := l.vc.Clusters[ci].Member(d.Name)
			if m == nil {
				continue
			}
			for len(uplinkNames) < len(m.Uplinks) {
				uplinkNames = append(uplinkNames, fmt.Sprintf("uplink%d", len(uplinkNames)+1))
			}
			for _, h := range l.vc.Clusters[ci].Hosts {
				backing := &types.DistributedVirtualSwitchHostMemberPnicBacking{}
				for _, u := range m.Uplinks {
					backing.PnicSpec = append(backing.PnicSpec, types.DistributedVirtualSwitchHostMemberPnicSpec{
						PnicDevice:         u,
						UplinkPortKey:      strconv.Itoa(port),
						UplinkPortgroupKey: uplinkPG.Key,
					})
					port++
				}
				members = append(members, types.DistributedVirtualSwitchHostMemberConfigSpec{
					Operation: string(types.ConfigSpecOperationAdd),
					Host:      l.hosts[h.Name].Self,
					Backing:   backing,
				})
			}
		}
		if len(members) > 0 {
			spec := &types.VMwareDVSConfigSpec{DVSConfigSpec: types.DVSConfigSpec{Host: members}}
			if _, err := wait(ctx)(dvs.Reconfigure(ctx, spec)); err != nil {
				return fmt.Errorf("adding hosts to dvswitch %q: %w", d.Name, err)
			}
		}
		// The simulator keeps none of the member, uplink or LLDP configuration.
		cfg := sdvs.Config.(*types.VMwareDVSConfigInfo)
		cfg.UplinkPortgroup = []types.ManagedObjectReference{uplinkPG.Self}
		cfg.UplinkPortPolicy = &types.DVSNameArrayUplinkPortPolicy{UplinkPortName: uplinkNames}
		cfg.LinkDiscoveryProtocolConfig = &types.LinkDiscoveryProtocolConfig{Protocol: "lldp", Operation: "both"}
		cfg.MaxMtu = 1500
		for _, m := range members {
			ref := m.Host
			cfg.Host = append(cfg.Host, types.DistributedVirtualSwitchHostMember{
				Config:      types.DistributedVirtualSwitchHostMemberConfigInfo{Host: &ref, MaxProxySwitchPorts: 512, Backing: m.Backing},
				ProductInfo: sdvs.Summary.ProductInfo,
				Status:      "up",
			})
		}
	}
	return nil
}

func vlanSpec(pg DVPortgroup) types.BaseVmwareDistributedVirtualSwitchVlanSpec {
	if pg.Vlan != nil {
		return &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: int32(*pg.Vlan)}
	}
	ranges, _ := ParseTrunk(pg.Trunk) // validated with the topology
	return &types.VmwareDistributedVirtualSwitchTrunkVlanSpec{VlanId: ranges}
}

// buildHostNetworking replaces each host's default network configuration with the one
// of its cluster and installs the hostNetworkSystem wrapper.
func (l *lab) buildHostNetworking(context.Context) error {
	for ci := range l.vc.Clusters {
		c := &l.vc.Clusters[ci]
		for hi := range c.Hosts {
			h := &c.Hosts[hi]
			host := l.hosts[h.Name]
			info := *host.Config.Network // keeps DNS, routes and netstacks
			info.Pnic, info.Vswitch, info.Portgroup, info.ProxySwitch, info.Vnic = nil, nil, nil, nil, nil
			ns := &hostNetworkSystem{
				HostNetworkSystem: *simulator.Map.Get(*host.ConfigManager.NetworkSystem).(*simulator.HostNetworkSystem),
				lab:               l,
				lldp:              map[string]*types.LinkLayerDiscoveryProtocolInfo{},
			}
			for i, p := range h.Pnics {
				info.Pnic = append(info.Pnic, physicalNic(i, p))
				if sw := l.topo.LLDPPeer(c, &h.Pnics[i]); sw != nil {
					ns.lldp[p.Device] = lldpInfo(sw, p.Interface)
				}
			}
			for _, vs := range c.VSwitches {
				info.Vswitch = append(info.Vswitch, virtualSwitch(vs))
			}
			host.Config.Network = &info
			ns.NetworkInfo = &info // HostNetworkSystem.networkInfo is the host's config.network
			simulator.Map.Put(ns)
			for _, vs := range c.VSwitches {
				for _, pg := range vs.Portgroups {
					spec := types.HostPortGroupSpec{Name: pg.Name, VlanId: int32(pg.Vlan), VswitchName: vs.Name}
					if fault := ns.addPortGroup(spec); fault != nil {
						return fmt.Errorf("adding portgroup %q to host %q: %s", pg.Name, h.Name, fault.String)
					}
				}
			}
			info.ProxySwitch = l.proxySwitches(host)
			info.Vnic, host.Config.VirtualNicManagerInfo = l.vmknics(c, h)
		}
	}
	return nil
}

func physicalNic(index int, p Pnic) types.PhysicalNic {
	mac, _ := NormalizeMAC(p.Mac)
	nic := types.PhysicalNic{
		Key:                          "key-vim.host.PhysicalNic-" + p.Device,
		Device:                       p.Device,
		Pci:                          fmt.Sprintf("0000:%02x:00.%d", 0x0b+index/2, index%2),
		Driver:                       "nvmxnet3",
		ValidLinkSpecification:       []types.PhysicalNicLinkInfo{{SpeedMb: 10000, Duplex: true}},
		Spec:                         types.PhysicalNicSpec{Ip: &types.HostIpConfig{}},
		Mac:                          mac,
		ResourcePoolSchedulerAllowed: types.NewBool(true),
		AutoNegotiateSupported:       types.NewBool(false),
	}
	if p.Switch != "" { // link up only when cabled
		nic.LinkSpeed = &types.PhysicalNicLinkInfo{SpeedMb: 10000, Duplex: true}
		nic.Spec.LinkSpeed = nic.LinkSpeed
	}
	return nic
}

func lldpInfo(sw *Switch, intf string) *types.LinkLayerDiscoveryProtocolInfo {
	chassis, _ := NormalizeMAC(sw.SystemMac)
	return &types.LinkLayerDiscoveryProtocolInfo{
		ChassisId:  chassis,
		PortId:     intf,
		TimeToLive: 120,
		Parameter: []types.KeyAnyValue{
			{Key: "System Name", Value: sw.Name},
			{Key: "Port Description", Value: intf},
			{Key: "System Description", Value: "Arista Networks EOS running on an Arista Networks " + sw.Model},
		},
	}
}

func virtualSwitch(vs VSwitch) types.HostVirtualSwitch {
	policy := &types.HostNetworkPolicy{
		Security: &types.HostNetworkSecurityPolicy{
			AllowPromiscuous: types.NewBool(false), MacChanges: types.NewBool(true), ForgedTransmits: types.NewBool(true),
		},
		NicTeaming: &types.HostNicTeamingPolicy{
			Policy: "loadbalance_srcid", ReversePolicy: types.NewBool(true), NotifySwitches: types.NewBool(true),
			RollingOrder: types.NewBool(false), NicOrder: &types.HostNicOrderPolicy{ActiveNic: vs.Uplinks},
		},
	}
	sw := types.HostVirtualSwitch{
		Name:              vs.Name,
		Key:               "key-vim.host.VirtualSwitch-" + vs.Name,
		NumPorts:          1536,
		NumPortsAvailable: 1536,
		Mtu:               1500,
		Spec: types.HostVirtualSwitchSpec{
			NumPorts: 128,
			Bridge: &types.HostVirtualSwitchBondBridge{
				NicDevice:                   vs.Uplinks,
				Beacon:                      &types.HostVirtualSwitchBeaconConfig{Interval: 1},
				LinkDiscoveryProtocolConfig: &types.LinkDiscoveryProtocolConfig{Protocol: "cdp", Operation: "listen"},
			},
			Policy: policy,
			Mtu:    1500,
		},
	}
	for _, u := range vs.Uplinks {
		sw.Pnic = append(sw.Pnic, "key-vim.host.PhysicalNic-"+u)
	}
	return sw
}

// proxySwitches describes the host's side of each distributed switch it is a member of.
func (l *lab) proxySwitches(host *simulator.HostSystem) []types.HostProxySwitch {
	var proxies []types.HostProxySwitch
	for _, dvs := range l.dvswitches {
		for _, m := range dvs.Config.GetDVSConfigInfo().Host {
			if *m.Config.Host != host.Self {
				continue
			}
			p := types.HostProxySwitch{
				DvsUuid: dvs.Uuid, DvsName: dvs.Name, Key: fmt.Sprintf("DvsPortset-%d", len(proxies)),
				NumPorts: 512, NumPortsAvailable: 512, Mtu: 1500, Spec: types.HostProxySwitchSpec{Backing: m.Config.Backing},
			}
			for i, s := range m.Config.Backing.(*types.DistributedVirtualSwitchHostMemberPnicBacking).PnicSpec {
				p.Pnic = append(p.Pnic, "key-vim.host.PhysicalNic-"+s.PnicDevice)
				p.UplinkPort = append(p.UplinkPort, types.KeyValue{Key: s.UplinkPortKey, Value: fmt.Sprintf("uplink%d", i+1)})
			}
			proxies = append(proxies, p)
		}
	}
	return proxies
}

// vmknics returns the host's vmkernel adapters and the services selected on them.
func (l *lab) vmknics(c *Cluster, h *Host) ([]types.HostVirtualNic, *types.HostVirtualNicManagerInfo) {
	var nics []types.HostVirtualNic
	selected := map[string][]string{} // service -> vnic keys
	for _, k := range c.VMKnics {
		nic := types.HostVirtualNic{
			Device: k.Device,
			Key:    "key-vim.host.VirtualNic-" + k.Device,
			Spec: types.HostVirtualNicSpec{
				Ip:                  &types.HostIpConfig{Dhcp: true},
				Mac:                 derivedMAC(h.Name + "/" + k.Device),
				Mtu:                 1500,
				TsoEnabled:          types.NewBool(true),
				NetStackInstanceKey: "defaultTcpipStack",
			},
		}
		if _, pg := c.StdPortgroup(k.Portgroup); pg != nil {
			nic.Portgroup, nic.Spec.Portgroup = k.Portgroup, k.Portgroup
		} else {
			pg := l.dvpgs[k.Portgroup]
			dvs := simulator.Map.Get(*pg.Config.DistributedVirtualSwitch).(*simulator.DistributedVirtualSwitch)
			nic.Spec.DistributedVirtualPort = &types.DistributedVirtualSwitchPortConnection{SwitchUuid: dvs.Uuid, PortgroupKey: pg.Key}
		}
		nics = append(nics, nic)
		for _, s := range k.Services {
			selected[s] = append(selected[s], s+"."+nic.Key)
		}
	}
	services := make([]string, 0, len(selected))
	for s := range selected {
		services = append(services, s)
	}
	sort.Strings(services)
	info := &types.HostVirtualNicManagerInfo{}
	for _, s := range services {
		cfg := types.VirtualNicManagerNetConfig{NicType: s, MultiSelectAllowed: true, SelectedVnic: selected[s]}
		for _, nic := range nics {
			nic.Key = s + "." + nic.Key
			cfg.CandidateVnic = append(cfg.CandidateVnic, nic)
		}
		info.NetConfig = append(info.NetConfig, cfg)
	}
	return nics, info
}

// derivedMAC gives vmkernel adapters stable addresses in VMware's 00:50:56 range.
func derivedMAC(seed string) string {
	sum := uuid.NewSHA1(uuid.NameSpaceOID, []byte(seed))
	return fmt.Sprintf("00:50:56:%02x:%02x:%02x", 0x60|sum[0]&0x1f, sum[1], sum[2])
}

// buildVMs creates the VMs, then powers on those not "off" with one PowerOnMultiVM_Task.
//
// Through the API, each CreateVM_Task holds the VM folder's lock for its whole run, so VMs are
// created one at a time, at about half a millisecond of CPU each (40,000 VMs: 25 s). Instead a
// worker per CPU calls the simulator's CreateVMTask directly; the simulator locks what VMs share
// (the folder's children, the host's, pool's and datastore's VM lists, the event manager). Morefs
// and the order of those lists then vary between runs; names, MACs and placement do not.
func (l *lab) buildVMs(ctx context.Context) error {
	folder := simulator.Map.Get(l.dc.VmFolder).(*simulator.Folder)
	reqs := make([]types.CreateVM_Task, len(l.vc.VMs))
	pools := map[string]types.ManagedObjectReference{} // by host name
	for i, v := range l.vc.VMs {
		host := l.hosts[v.Host].Self
		if _, ok := pools[v.Host]; !ok {
			pool, err := object.NewHostSystem(l.client, host).ResourcePool(ctx)
			if err != nil {
				return err
			}
			pools[v.Host] = pool.Reference()
		}
		c, _ := l.vc.HostCluster(v.Host)
		config := types.VirtualMachineConfigSpec{
			Name:     v.Name,
			GuestId:  string(types.VirtualMachineGuestOsIdentifierOtherGuest64),
			NumCPUs:  2,
			MemoryMB: 2048,
			Files:    &types.VirtualMachineFileInfo{VmPathName: "[" + datastoreName + "]"},
		}
		for i, n := range v.Nics {
			backing, err := l.backing(ctx, c, n.Portgroup)
			if err != nil {
				return err
			}
			card := types.VirtualEthernetCard{
				VirtualDevice: nicDevice(i, backing),
				AddressType:   string(types.VirtualEthernetCardMacTypeGenerated),
			}
			if n.Mac != "" {
				card.AddressType = string(types.VirtualEthernetCardMacTypeManual)
				card.MacAddress, _ = NormalizeMAC(n.Mac)
			}
			config.DeviceChange = append(config.DeviceChange, &types.VirtualDeviceConfigSpec{
				Operation: types.VirtualDeviceConfigSpecOperationAdd,
				Device:    &types.VirtualVmxnet3{VirtualVmxnet: types.VirtualVmxnet{VirtualEthernetCard: card}},
			})
		}
		reqs[i] = types.CreateVM_Task{This: folder.Self, Config: config, Pool: pools[v.Host], Host: &host}
	}

	simCtx := &simulator.Context{
		Context: ctx,
		Session: &simulator.Session{UserSession: types.UserSession{Key: uuid.New().String()}, Registry: simulator.NewRegistry()},
		Map:     simulator.Map,
	}
	vms := make([]types.ManagedObjectReference, len(reqs))
	faults := make([]types.BaseMethodFault, len(reqs))
	next := int64(-1)
	var workers sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for i := int(atomic.AddInt64(&next, 1)); i < len(reqs); i = int(atomic.AddInt64(&next, 1)) {
				res := folder.CreateVMTask(simCtx, &reqs[i]).(*methods.CreateVM_TaskBody).Res
				info := simulator.Map.Get(res.Returnval).(*simulator.Task).Info // run by CreateVMTask
				if info.Error != nil {
					faults[i] = info.Error.Fault
				} else {
					vms[i] = info.Result.(types.ManagedObjectReference)
				}
			}
		}()
	}
	workers.Wait()
	var powerOn []types.ManagedObjectReference
	for i, v := range l.vc.VMs {
		if faults[i] != nil {
			return fmt.Errorf("creating VM %q: %s", v.Name, describeFault(faults[i]))
		}
		if v.Power != "off" {
			powerOn = append(powerOn, vms[i])
		}
	}
	if len(powerOn) == 0 {
		return nil
	}
	req := types.PowerOnMultiVM_Task{This: l.dc.Self, Vm: powerOn}
	res, err := methods.PowerOnMultiVM_Task(ctx, l.client, &req)
	if err != nil {
		return fmt.Errorf("powering on the VMs: %w", err)
	}
	_, err = wait(ctx)(object.NewTask(l.client, res.Returnval), nil)
	return err
}

// nicDevice places the index-th ethernet card where vSphere does: key 4000+index, on the
// PCI controller (key 100) from unit 7, which names it ethernet-<index>.
func nicDevice(index int, backing types.BaseVirtualDeviceBackingInfo) types.VirtualDevice {
	return types.VirtualDevice{
		Key:           int32(4000 + index),
		ControllerKey: 100,
		UnitNumber:    types.NewInt32(int32(7 + index)),
		Backing:       backing,
	}
}

// backing resolves a VM nic's portgroup as TOPOLOGY.md specifies: standard first.
func (l *lab) backing(ctx context.Context, c *Cluster, name string) (types.BaseVirtualDeviceBackingInfo, error) {
	if _, pg := c.StdPortgroup(name); pg != nil {
		network := simulator.Map.FindByName(name, l.netFolder.ChildEntity)
		return object.NewNetwork(l.client, network.Reference()).EthernetCardBackingInfo(ctx)
	}
	return object.NewDistributedVirtualPortgroup(l.client, l.dvpgs[name].Self).EthernetCardBackingInfo(ctx)
}

// hostNetworkSystem closes the simulator's host networking gaps: portgroup changes are
// reflected in (and streamed as) HostSystem config.network, UpdatePortGroup exists, and
// QueryNetworkHint reports the LLDP neighbours of the topology's cabling.
type hostNetworkSystem struct {
	simulator.HostNetworkSystem // first: the simulator finds the managed object there

	lab  *lab
	lldp map[string]*types.LinkLayerDiscoveryProtocolInfo // pnic device -> neighbour
}

func portgroupIndex(info *types.HostNetworkInfo, name string) int {
	for i, pg := range info.Portgroup {
		if pg.Spec.Name == name {
			return i
		}
	}
	return -1
}

// updateHost sends the host's new portgroups (and vSwitches) as property changes.
func (s *hostNetworkSystem) updateHost(pgs []types.HostPortGroup, vswitches []types.HostVirtualSwitch) {
	simulator.Map.WithLock(s.Host, func() {
		simulator.Map.Update(s.Host, []types.PropertyChange{
			{Name: "config.network.vswitch", Val: vswitches},
			{Name: "config.network.portgroup", Val: pgs},
		})
	})
}

func (s *hostNetworkSystem) AddPortGroup(req *types.AddPortGroup) soap.HasFault {
	body := &methods.AddPortGroupBody{}
	if fault := s.addPortGroup(req.Portgrp); fault != nil {
		body.Fault_ = fault
	} else {
		body.Res = &types.AddPortGroupResponse{}
	}
	return body
}

// addPortGroup runs with the HostNetworkSystem locked, so it is the only writer of the
// host's network configuration.
func (s *hostNetworkSystem) addPortGroup(spec types.HostPortGroupSpec) *soap.Fault {
	info := s.Host.Config.Network
	vs := -1
	for i := range info.Vswitch {
		if info.Vswitch[i].Name == spec.VswitchName {
			vs = i
		}
	}
	switch {
	case spec.Name == "":
		return simulator.Fault("empty portgroup name", &types.InvalidArgument{InvalidProperty: "portgrp.name"})
	case spec.VlanId < 0 || spec.VlanId > 4095:
		return simulator.Fault(fmt.Sprintf("VLAN %d out of range 0-4095", spec.VlanId), &types.InvalidArgument{InvalidProperty: "portgrp.vlanId"})
	case vs < 0:
		return simulator.Fault(fmt.Sprintf("host %s has no vSwitch %q", s.Host.Name, spec.VswitchName), &types.NotFound{})
	case portgroupIndex(info, spec.Name) >= 0:
		return simulator.Fault(fmt.Sprintf("host %s already has portgroup %q", s.Host.Name, spec.Name), &types.AlreadyExists{Name: spec.Name})
	}
	if fault := s.lab.attachNetwork(spec.Name, s.Host); fault != nil {
		return fault
	}
	vswitches := append([]types.HostVirtualSwitch(nil), info.Vswitch...)
	key := "key-vim.host.PortGroup-" + spec.Name
	vswitches[vs].Portgroup = append(append([]string(nil), vswitches[vs].Portgroup...), key)
	pgs := append(append([]types.HostPortGroup(nil), info.Portgroup...), types.HostPortGroup{
		Key:            key,
		Vswitch:        vswitches[vs].Key,
		ComputedPolicy: *vswitches[vs].Spec.Policy,
		Spec:           spec,
	})
	s.updateHost(pgs, vswitches)
	return nil
}

func (s *hostNetworkSystem) UpdatePortGroup(req *types.UpdatePortGroup) soap.HasFault {
	body := &methods.UpdatePortGroupBody{}
	info := s.Host.Config.Network
	i := portgroupIndex(info, req.PgName)
	switch {
	case i < 0:
		body.Fault_ = simulator.Fault(fmt.Sprintf("host %s has no portgroup %q", s.Host.Name, req.PgName), &types.NotFound{})
	case req.Portgrp.Name != req.PgName || req.Portgrp.VswitchName != info.Portgroup[i].Spec.VswitchName:
		body.Fault_ = simulator.Fault("renaming a portgroup or moving it to another vSwitch is not supported", &types.NotSupported{})
	case req.Portgrp.VlanId < 0 || req.Portgrp.VlanId > 4095:
		body.Fault_ = simulator.Fault(fmt.Sprintf("VLAN %d out of range 0-4095", req.Portgrp.VlanId), &types.InvalidArgument{InvalidProperty: "portgrp.vlanId"})
	default:
		pgs := append([]types.HostPortGroup(nil), info.Portgroup...)
		pgs[i].Spec = req.Portgrp
		s.updateHost(pgs, info.Vswitch)
		body.Res = &types.UpdatePortGroupResponse{}
	}
	return body
}

func (s *hostNetworkSystem) RemovePortGroup(req *types.RemovePortGroup) soap.HasFault {
	body := &methods.RemovePortGroupBody{}
	info := s.Host.Config.Network
	i := portgroupIndex(info, req.PgName)
	if i < 0 {
		body.Fault_ = simulator.Fault(fmt.Sprintf("host %s has no portgroup %q", s.Host.Name, req.PgName), &types.NotFound{})
		return body
	}
	if user := s.portgroupUser(req.PgName); user != nil {
		body.Fault_ = simulator.Fault(fmt.Sprintf("portgroup %q is used by %s %s", req.PgName, user.Type, user.Name), user)
		return body
	}
	vswitches := append([]types.HostVirtualSwitch(nil), info.Vswitch...)
	for v := range vswitches {
		if vswitches[v].Key == info.Portgroup[i].Vswitch {
			vswitches[v].Portgroup = without(vswitches[v].Portgroup, info.Portgroup[i].Key)
		}
	}
	pgs := append(append([]types.HostPortGroup(nil), info.Portgroup[:i]...), info.Portgroup[i+1:]...)
	s.updateHost(pgs, vswitches)
	s.lab.detachNetwork(req.PgName, s.Host)
	body.Res = &types.RemovePortGroupResponse{}
	return body
}

// portgroupUser returns a ResourceInUse fault when a vmknic or VM nic uses the portgroup.
func (s *hostNetworkSystem) portgroupUser(name string) *types.ResourceInUse {
	for _, nic := range s.Host.Config.Network.Vnic {
		if nic.Portgroup == name {
			return &types.ResourceInUse{Type: "HostVirtualNic", Name: nic.Device}
		}
	}
	for _, ref := range s.Host.Vm {
		vm, ok := simulator.Map.Get(ref).(*simulator.VirtualMachine)
		if !ok {
			continue
		}
		var used bool
		simulator.Map.WithLock(vm, func() {
			for _, d := range vm.Config.Hardware.Device {
				if b, ok := d.GetVirtualDevice().Backing.(*types.VirtualEthernetCardNetworkBackingInfo); ok && b.DeviceName == name {
					used = true
				}
			}
		})
		if used {
			return &types.ResourceInUse{Type: "VirtualMachine", Name: vm.Name}
		}
	}
	return nil
}

func (s *hostNetworkSystem) QueryNetworkHint(req *types.QueryNetworkHint) soap.HasFault {
	body := &methods.QueryNetworkHintBody{Res: &types.QueryNetworkHintResponse{}}
	pnics := map[string]bool{}
	for _, p := range s.Host.Config.Network.Pnic {
		pnics[p.Device] = true
		if len(req.Device) == 0 || contains(req.Device, p.Device) {
			body.Res.Returnval = append(body.Res.Returnval, types.PhysicalNicHintInfo{Device: p.Device, LldpInfo: s.lldp[p.Device]})
		}
	}
	for _, d := range req.Device {
		if !pnics[d] {
			return &methods.QueryNetworkHintBody{Fault_: simulator.Fault(fmt.Sprintf("no physical nic %q", d), &types.NotFound{})}
		}
	}
	return body
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func without(list []string, s string) []string {
	var out []string
	for _, e := range list {
		if e != s {
			out = append(out, e)
		}
	}
	return out
}

func withRef(list []types.ManagedObjectReference, ref types.ManagedObjectReference) []types.ManagedObjectReference {
	if simulator.FindReference(list, ref) != nil {
		return list
	}
	return append(append([]types.ManagedObjectReference(nil), list...), ref)
}

func withoutRef(list []types.ManagedObjectReference, ref types.ManagedObjectReference) []types.ManagedObjectReference {
	var out []types.ManagedObjectReference
	for _, r := range list {
		if r != ref {
			out = append(out, r)
		}
	}
	return out
}

// updateRefs replaces a list-of-references property under the object's lock.
func updateRefs(obj mo.Reference, name string, list *[]types.ManagedObjectReference, change func([]types.ManagedObjectReference) []types.ManagedObjectReference) {
	simulator.Map.WithLock(obj, func() {
		simulator.Map.Update(obj, []types.PropertyChange{{Name: name, Val: change(*list)}})
	})
}

// attachNetwork finds or creates the datacenter's Network object for a standard portgroup
// and links it with the host and its cluster, as vCenter does.
func (l *lab) attachNetwork(name string, host *mo.HostSystem) *soap.Fault {
	var network *mo.Network
	var fault *soap.Fault
	simulator.Map.WithLock(l.netFolder, func() {
		switch e := simulator.Map.FindByName(name, l.netFolder.ChildEntity).(type) {
		case nil:
			network = &mo.Network{}
			network.Name = name
			simulator.Map.NewEntity(network)
			network.Summary = &types.NetworkSummary{Network: &network.Self, Name: name, Accessible: true}
			// Listed in the folder before Put, so that container views pick it up.
			l.netFolder.ChildEntity = append(l.netFolder.ChildEntity, network.Self)
			simulator.Map.PutEntity(l.netFolder, network)
			simulator.Map.AddReference(l.dc, &l.dc.Network, network.Self)
		case *mo.Network:
			network = e
		default:
			fault = simulator.Fault(fmt.Sprintf("%q is the name of %s", name, e.Reference()), &types.DuplicateName{Name: name, Object: e.Reference()})
		}
	})
	if fault != nil {
		return fault
	}
	add := func(list []types.ManagedObjectReference) []types.ManagedObjectReference {
		return withRef(list, network.Self)
	}
	updateRefs(network, "host", &network.Host, func(list []types.ManagedObjectReference) []types.ManagedObjectReference {
		return withRef(list, host.Self)
	})
	updateRefs(host, "network", &host.Network, add)
	cluster := simulator.Map.Get(*host.Parent).(*simulator.ClusterComputeResource)
	updateRefs(cluster, "network", &cluster.Network, add)
	return nil
}

// detachNetwork undoes attachNetwork; the Network object goes with its last host.
func (l *lab) detachNetwork(name string, host *mo.HostSystem) {
	var network *mo.Network
	simulator.Map.WithLock(l.netFolder, func() {
		network = simulator.Map.FindByName(name, l.netFolder.ChildEntity).(*mo.Network)
	})
	remove := func(list []types.ManagedObjectReference) []types.ManagedObjectReference {
		return withoutRef(list, network.Self)
	}
	updateRefs(network, "host", &network.Host, func(list []types.ManagedObjectReference) []types.ManagedObjectReference {
		return withoutRef(list, host.Self)
	})
	updateRefs(host, "network", &host.Network, remove)
	cluster := simulator.Map.Get(*host.Parent).(*simulator.ClusterComputeResource)
	inCluster := false
	for _, h := range network.Host {
		inCluster = inCluster || simulator.FindReference(cluster.Host, h) != nil
	}
	if !inCluster {
		updateRefs(cluster, "network", &cluster.Network, remove)
	}
	if len(network.Host) == 0 {
		simulator.Map.WithLock(l.netFolder, func() {
			simulator.Map.Remove(network.Self)
			simulator.RemoveReference(&l.netFolder.ChildEntity, network.Self)
			simulator.Map.RemoveReference(l.dc, &l.dc.Network, network.Self)
		})
	}
}

// taskHook streams the DV portgroup configuration after ReconfigureDVPortgroup_Task, which
// the simulator applies without sending a property update.
type taskHook struct{}

func (taskHook) Reference() types.ManagedObjectReference {
	return types.ManagedObjectReference{Type: "VmfabricTaskHook", Value: "vmfabric-task-hook"}
}

func (taskHook) PutObject(mo.Reference) {}

func (taskHook) RemoveObject(types.ManagedObjectReference) {}

func (taskHook) UpdateObject(obj mo.Reference, changes []types.PropertyChange) {
	task, ok := obj.(*mo.Task)
	if !ok || task.Info.State != types.TaskInfoStateSuccess ||
		task.Info.DescriptionId != "DistributedVirtualPortgroup.reconfigureDvPortgroup" {
		return
	}
	for _, c := range changes {
		if c.Name != "info.state" {
			continue
		}
		// Runs inside the task, with the portgroup locked by the request.
		pg := simulator.Map.Get(*task.Info.Entity).(*simulator.DistributedVirtualPortgroup)
		version, _ := strconv.Atoi(pg.Config.ConfigVersion)
		simulator.Map.Update(pg, []types.PropertyChange{
			{Name: "config.configVersion", Val: strconv.Itoa(version + 1)},
			{Name: "config.defaultPortConfig", Val: pg.Config.DefaultPortConfig},
		})
	}
}

// fixEventTemplates replaces the simulator's VmMigratedEvent message template, which does
// not parse (posting the event would panic), and adds the migration events it lacks.
func fixEventTemplates() {
	em := simulator.Map.EventManager()
	info := []types.EventDescriptionEventDetail{
		{Key: "VmBeingHotMigratedEvent", Description: "VM is hot migrating", Category: "info",
			FullFormat: "Migrating {{.Vm.Name}} from {{.Host.Name}} to {{.DestHost.Name}} in {{.Datacenter.Name}}"},
		{Key: "VmBeingMigratedEvent", Description: "VM migrating", Category: "info",
			FullFormat: "Relocating {{.Vm.Name}} from {{.Host.Name}} to {{.DestHost.Name}} in {{.Datacenter.Name}}"},
		{Key: "VmMigratedEvent", Description: "VM migrated", Category: "info",
			FullFormat: "Migration of virtual machine {{.Vm.Name}} from {{.SourceHost.Name}} to {{.Host.Name}} completed"},
		{Key: "VmFailedMigrateEvent", Description: "Cannot migrate VM", Category: "error",
			FullFormat: "Cannot migrate {{.Vm.Name}} from {{.Host.Name}} to {{.DestHost.Name}} in {{.Datacenter.Name}}"},
	}
	replaced := map[string]bool{}
	for _, e := range info {
		replaced[e.Key] = true
	}
	for _, e := range em.Description.EventInfo {
		if !replaced[e.Key] {
			info = append(info, e)
		}
	}
	em.Description.EventInfo = info
}

// configureService points the simulator at the listener and returns the SDK URL.
func (l *lab) configureService(addr net.Addr, https bool, username, password string) *url.URL {
	host, port, _ := net.SplitHostPort(addr.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	u := &url.URL{Scheme: "http", Host: net.JoinHostPort(host, port), Path: "/sdk"}
	if https {
		u.Scheme = "https"
	}
	svc := l.model.Service
	listen := *u
	listen.User = simulator.DefaultLogin // any non-empty user name and password
	if username != "" {
		listen.User = url.UserPassword(username, password) // what SessionManager.Login checks
	}
	svc.Listen = &listen
	svc.ServeMux = http.NewServeMux()
	svc.RegisterSDK(simulator.Map)
	svc.ServeMux.HandleFunc("/sdk/vimServiceVersions.xml", svc.ServiceVersions)
	simulator.Map.SessionManager().ServiceHostName = u.Host
	l.mux = svc.ServeMux
	return u
}

// ServeHTTP passes every request to the simulator, except that a RelocateVM_Task moving a VM
// to another host becomes a migration: the "being migrated" event is posted, the call
// waits --vmotion-delay, the simulator relocates the VM (runtime.host update), and the
// VmMigratedEvent is posted before the response is sent.
func (l *lab) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/sdk" {
		l.mux.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	m := l.migration(r, body)
	if m == nil {
		l.mux.ServeHTTP(w, r)
		return
	}
	m.start()
	time.Sleep(l.delay)
	rec := httptest.NewRecorder()
	r.Body = io.NopCloser(bytes.NewReader(body))
	l.mux.ServeHTTP(rec, r)
	m.finish()
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

type migration struct {
	lab      *lab
	user     string
	vm       *simulator.VirtualMachine
	src, dst *simulator.HostSystem
	pool     types.ManagedObjectReference
}

// migration returns the migration an authenticated RelocateVM_Task request asks for, or nil.
func (l *lab) migration(r *http.Request, body []byte) *migration {
	if !bytes.Contains(body, []byte("RelocateVM_Task")) {
		return nil
	}
	method, err := simulator.UnmarshalBody(types.TypeFunc(), body)
	if err != nil {
		return nil
	}
	req, ok := method.Body.(*types.RelocateVM_Task)
	if !ok || req.Spec.Host == nil {
		return nil
	}
	m := &migration{lab: l}
	m.vm, ok = simulator.Map.Get(method.This).(*simulator.VirtualMachine)
	if !ok {
		return nil
	}
	if m.dst, ok = simulator.Map.Get(*req.Spec.Host).(*simulator.HostSystem); !ok {
		return nil
	}
	simulator.Map.WithLock(m.vm, func() {
		m.src, _ = simulator.Map.Get(*m.vm.Runtime.Host).(*simulator.HostSystem)
		if m.vm.ResourcePool != nil {
			m.pool = *m.vm.ResourcePool
		}
	})
	if m.src == nil || m.src == m.dst {
		return nil
	}
	if m.user, ok = l.sessionUser(r); !ok {
		return nil // the simulator answers NotAuthenticated
	}
	return m
}

// sessionUser asks the simulator for the request's session (SessionManager.currentSession).
func (l *lab) sessionUser(r *http.Request) (string, bool) {
	content := simulator.Map.Get(vim25.ServiceInstance).(*simulator.ServiceInstance).Content
	probe := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>
<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">%s</_this><specSet>
<propSet><type>SessionManager</type><pathSet>currentSession</pathSet></propSet>
<objectSet><obj type="SessionManager">%s</obj></objectSet></specSet><options></options></RetrievePropertiesEx>
</soapenv:Body></soapenv:Envelope>`, content.PropertyCollector.Value, content.SessionManager.Value)
	req := httptest.NewRequest(http.MethodPost, "/sdk", strings.NewReader(probe))
	req.Header["Cookie"] = r.Header["Cookie"]
	req.RemoteAddr = r.RemoteAddr
	rec := httptest.NewRecorder()
	l.mux.ServeHTTP(rec, req)
	dec := xml.NewDecoder(rec.Body)
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "userName" {
			var name string
			return name, dec.DecodeElement(&name, &se) == nil
		}
	}
}

func hostArg(h *simulator.HostSystem) *types.HostEventArgument {
	return &types.HostEventArgument{EntityEventArgument: types.EntityEventArgument{Name: h.Name}, Host: h.Self}
}

func (m *migration) dcArg() *types.DatacenterEventArgument {
	return &types.DatacenterEventArgument{EntityEventArgument: types.EntityEventArgument{Name: m.lab.dc.Name}, Datacenter: m.lab.dc.Self}
}

func (m *migration) vmEvent(host *simulator.HostSystem) types.VmEvent {
	cluster := simulator.Map.Get(*host.Parent).(mo.Entity).Entity()
	return types.VmEvent{Event: types.Event{
		Datacenter:      m.dcArg(),
		ComputeResource: &types.ComputeResourceEventArgument{EntityEventArgument: types.EntityEventArgument{Name: cluster.Name}, ComputeResource: cluster.Self},
		Host:            hostArg(host),
		Vm:              &types.VmEventArgument{EntityEventArgument: types.EntityEventArgument{Name: m.vm.Name}, Vm: m.vm.Self},
	}}
}

func (m *migration) post(event types.BaseEvent) {
	ctx := &simulator.Context{
		Context: context.Background(),
		Session: &simulator.Session{UserSession: types.UserSession{UserName: m.user}, Registry: simulator.NewRegistry()},
		Map:     simulator.Map,
	}
	em := simulator.Map.EventManager()
	simulator.Map.WithLock(em, func() { em.PostEvent(ctx, &types.PostEvent{EventToPost: event}) })
}

func (m *migration) start() {
	var hot bool
	simulator.Map.WithLock(m.vm, func() { hot = m.vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn })
	if hot {
		m.post(&types.VmBeingHotMigratedEvent{VmEvent: m.vmEvent(m.src), DestHost: *hostArg(m.dst), DestDatacenter: m.dcArg()})
	} else {
		m.post(&types.VmBeingMigratedEvent{VmEvent: m.vmEvent(m.src), DestHost: *hostArg(m.dst), DestDatacenter: m.dcArg()})
	}
}

// finish repairs the hosts' and pools' VM lists (the simulator's relocation leaves the VM
// listed on its source) and posts the outcome.
func (m *migration) finish() {
	var host, pool types.ManagedObjectReference
	simulator.Map.WithLock(m.vm, func() {
		host = *m.vm.Runtime.Host
		if m.vm.ResourcePool != nil {
			pool = *m.vm.ResourcePool
		}
	})
	if host != m.dst.Self {
		m.post(&types.VmFailedMigrateEvent{
			VmEvent: m.vmEvent(m.src), DestHost: *hostArg(m.dst), DestDatacenter: m.dcArg(),
			Reason: types.LocalizedMethodFault{Fault: &types.SystemError{Reason: "relocation failed"}, LocalizedMessage: "relocation failed"},
		})
		return
	}
	remove := func(list []types.ManagedObjectReference) []types.ManagedObjectReference {
		return withoutRef(list, m.vm.Self)
	}
	add := func(list []types.ManagedObjectReference) []types.ManagedObjectReference {
		return withRef(list, m.vm.Self)
	}
	updateRefs(m.src, "vm", &m.src.Vm, remove)
	updateRefs(m.dst, "vm", &m.dst.Vm, add)
	if pool != m.pool {
		if old, ok := simulator.Map.Get(m.pool).(*simulator.ResourcePool); ok {
			updateRefs(old, "vm", &old.Vm, remove)
		}
		if cur, ok := simulator.Map.Get(pool).(*simulator.ResourcePool); ok {
			updateRefs(cur, "vm", &cur.Vm, add)
		}
	}
	m.post(&types.VmMigratedEvent{VmEvent: m.vmEvent(m.dst), SourceHost: *hostArg(m.src), SourceDatacenter: m.dcArg()})
}

// newFlagSet returns a flag set whose usage names the subcommand.
func newFlagSet(name, args, help string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: vmfabric-vcsim %s %s\n  %s\n", name, args, help)
		fs.PrintDefaults()
	}
	return fs
}

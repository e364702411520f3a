package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/vmware/govmomi/vim25/types"
)

// Topology is the lab description shared with the EOS fabric emulator; the format is
// specified in tests/sim/TOPOLOGY.md.
type Topology struct {
	Fabric   Fabric    `json:"fabric"`
	Vcenters []Vcenter `json:"vcenters"`
}

type Fabric struct {
	AdminVlans   []AdminVlan   `json:"admin_vlans"`
	Switches     []Switch      `json:"switches"`
	Links        []Link        `json:"links"`
	Mlag         []Mlag        `json:"mlag"`
	PortChannels []PortChannel `json:"port_channels"`
}

type AdminVlan struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

type Switch struct {
	Name          string `json:"name"`
	Role          string `json:"role"`
	Model         string `json:"model"`
	Serial        string `json:"serial"`
	SystemMac     string `json:"system_mac"`
	EthernetPorts int    `json:"ethernet_ports"`
}

type Link struct {
	A string `json:"a"`
	B string `json:"b"`
}

type Mlag struct {
	Domain    string   `json:"domain"`
	Peers     []string `json:"peers"`
	PeerLink  string   `json:"peer_link"`
	Members   []string `json:"members"`
	LocalVlan int      `json:"local_vlan"`
}

type PortChannel struct {
	Switch  string   `json:"switch"`
	Name    string   `json:"name"`
	Members []string `json:"members"`
	Mlag    int      `json:"mlag"`
}

type Vcenter struct {
	Name       string     `json:"name"`
	Datacenter string     `json:"datacenter"`
	DVSwitches []DVSwitch `json:"dvswitches"`
	Clusters   []Cluster  `json:"clusters"`
	VMs        []VM       `json:"vms"`
}

type DVSwitch struct {
	Name       string        `json:"name"`
	Portgroups []DVPortgroup `json:"portgroups"`
}

// DVPortgroup carries either an access VLAN id or an EOS-style trunk range.
type DVPortgroup struct {
	Name  string `json:"name"`
	Vlan  *int   `json:"vlan"`
	Trunk string `json:"trunk"`
}

type Cluster struct {
	Name      string      `json:"name"`
	VSwitches []VSwitch   `json:"vswitches"`
	DVS       []DVSMember `json:"dvs"`
	VMKnics   []VMKnic    `json:"vmknics"`
	Hosts     []Host      `json:"hosts"`
}

type VSwitch struct {
	Name       string      `json:"name"`
	Uplinks    []string    `json:"uplinks"`
	Portgroups []Portgroup `json:"portgroups"`
}

type Portgroup struct {
	Name string `json:"name"`
	Vlan int    `json:"vlan"`
}

type DVSMember struct {
	Name    string   `json:"name"`
	Uplinks []string `json:"uplinks"`
}

type VMKnic struct {
	Device    string   `json:"device"`
	Portgroup string   `json:"portgroup"`
	Services  []string `json:"services"`
}

type Host struct {
	Name  string `json:"name"`
	Pnics []Pnic `json:"pnics"`
}

type Pnic struct {
	Device    string `json:"device"`
	Mac       string `json:"mac"`
	Switch    string `json:"switch"`
	Interface string `json:"interface"`
	LLDP      bool   `json:"lldp"`
}

type VM struct {
	Name  string  `json:"name"`
	Host  string  `json:"host"`
	Power string  `json:"power"`
	Nics  []VMNic `json:"nics"`
}

type VMNic struct {
	Portgroup string `json:"portgroup"`
	Mac       string `json:"mac"`
}

// vmkServices are the VirtualNicManager nic types a vmknic may carry.
var vmkServices = map[string]bool{
	"management": true, "vmotion": true, "vSphereProvisioning": true, "faultToleranceLogging": true,
	"vSphereReplication": true, "vSphereReplicationNFC": true, "vsan": true, "vsanWitness": true,
	"vSphereBackupNFC": true, "ptp": true,
}

var (
	ethernetRE = regexp.MustCompile(`^Ethernet([1-9][0-9]*)(/[1-9][0-9]*)?$`)
	vmkRE      = regexp.MustCompile(`^vmk[0-9]+$`)
)

// LoadTopology reads, decodes and validates a topology file. Every problem found is
// reported, one per line, as "FILE: field.path: message".
func LoadTopology(path string) (*Topology, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw interface{}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %s", path, jsonError(data, err))
	}
	var problems []string
	unknownFields(reflect.TypeOf(Topology{}), raw, "", &problems)
	if len(problems) == 0 {
		var t Topology
		if err := json.Unmarshal(data, &t); err != nil {
			return nil, fmt.Errorf("%s: %s", path, jsonError(data, err))
		}
		problems = t.validate()
		if len(problems) == 0 {
			return &t, nil
		}
	}
	for i := range problems {
		problems[i] = path + ": " + problems[i]
	}
	return nil, errors.New(strings.Join(problems, "\n"))
}

// jsonError adds the line and column to syntax and type errors.
func jsonError(data []byte, err error) string {
	var offset int64
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		offset = syntax.Offset
	case errors.As(err, &typ):
		offset = typ.Offset
		if typ.Field != "" {
			return fmt.Sprintf("line %d: %s: expected %s, got JSON %s", lineOf(data, offset), typ.Field, typ.Type, typ.Value)
		}
	default:
		return err.Error()
	}
	return fmt.Sprintf("line %d: %s", lineOf(data, offset), err)
}

func lineOf(data []byte, offset int64) int {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

// unknownFields reports JSON object keys that have no matching field (typos would otherwise
// be silently ignored by encoding/json).
func unknownFields(t reflect.Type, v interface{}, path string, problems *[]string) {
	for t.Kind() == reflect.Ptr {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]interface{})
		if !ok {
			return // a type mismatch, reported by json.Unmarshal
		}
		fields := map[string]reflect.Type{}
		for i := 0; i < t.NumField(); i++ {
			fields[strings.Split(t.Field(i).Tag.Get("json"), ",")[0]] = t.Field(i).Type
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if ft, ok := fields[k]; ok {
				unknownFields(ft, obj[k], p, problems)
			} else {
				*problems = append(*problems, fmt.Sprintf("%s: unknown field", p))
			}
		}
	case reflect.Slice:
		if arr, ok := v.([]interface{}); ok {
			for i, e := range arr {
				unknownFields(t.Elem(), e, fmt.Sprintf("%s[%d]", path, i), problems)
			}
		}
	}
}

// NormalizeMAC returns the lower-case colon form of a 48-bit MAC address.
func NormalizeMAC(s string) (string, error) {
	hw, err := net.ParseMAC(s)
	if err != nil || len(hw) != 6 {
		return "", fmt.Errorf("invalid MAC address %q", s)
	}
	return hw.String(), nil
}

// ParseTrunk parses an EOS-style VLAN range list such as "200-210" or "100,200-210".
func ParseTrunk(s string) ([]types.NumericRange, error) {
	var ranges []types.NumericRange
	for _, item := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(item), "-")
		start, err1 := strconv.Atoi(lo)
		end, err2 := start, error(nil)
		if isRange {
			end, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || start < 0 || end > 4094 || start > end {
			return nil, fmt.Errorf("invalid VLAN range %q in %q (want N or N-M, 0-4094)", item, s)
		}
		ranges = append(ranges, types.NumericRange{Start: int32(start), End: int32(end)})
	}
	return ranges, nil
}

// FormatTrunk is the inverse of ParseTrunk.
func FormatTrunk(ranges []types.NumericRange) string {
	items := make([]string, len(ranges))
	for i, r := range ranges {
		items[i] = strconv.Itoa(int(r.Start))
		if r.End != r.Start {
			items[i] += "-" + strconv.Itoa(int(r.End))
		}
	}
	return strings.Join(items, ",")
}

// Vcenter returns the vCenter with the given name, or the first one when name is empty.
func (t *Topology) Vcenter(name string) (*Vcenter, error) {
	if name == "" {
		return &t.Vcenters[0], nil
	}
	for i := range t.Vcenters {
		if t.Vcenters[i].Name == name {
			return &t.Vcenters[i], nil
		}
	}
	return nil, fmt.Errorf("no vcenter named %q in the topology", name)
}

func (t *Topology) Switch(name string) *Switch {
	for i := range t.Fabric.Switches {
		if t.Fabric.Switches[i].Name == name {
			return &t.Fabric.Switches[i]
		}
	}
	return nil
}

// StdPortgroup finds a standard portgroup on the cluster's vSwitches.
func (c *Cluster) StdPortgroup(name string) (*VSwitch, *Portgroup) {
	for i := range c.VSwitches {
		for j := range c.VSwitches[i].Portgroups {
			if c.VSwitches[i].Portgroups[j].Name == name {
				return &c.VSwitches[i], &c.VSwitches[i].Portgroups[j]
			}
		}
	}
	return nil, nil
}

// Member returns the cluster's membership of the named distributed switch.
func (c *Cluster) Member(dvs string) *DVSMember {
	for i := range c.DVS {
		if c.DVS[i].Name == dvs {
			return &c.DVS[i]
		}
	}
	return nil
}

// DVPortgroup finds a distributed portgroup by name.
func (v *Vcenter) DVPortgroup(name string) (*DVSwitch, *DVPortgroup) {
	for i := range v.DVSwitches {
		for j := range v.DVSwitches[i].Portgroups {
			if v.DVSwitches[i].Portgroups[j].Name == name {
				return &v.DVSwitches[i], &v.DVSwitches[i].Portgroups[j]
			}
		}
	}
	return nil, nil
}

// HostCluster finds a host and the cluster it belongs to.
func (v *Vcenter) HostCluster(name string) (*Cluster, *Host) {
	for i := range v.Clusters {
		for j := range v.Clusters[i].Hosts {
			if v.Clusters[i].Hosts[j].Name == name {
				return &v.Clusters[i], &v.Clusters[i].Hosts[j]
			}
		}
	}
	return nil, nil
}

// LLDPPeer applies TOPOLOGY.md's LLDP rule: a cabled pnic exchanges LLDP with its switch
// port when it is a distributed switch uplink or sets "lldp": true.
func (t *Topology) LLDPPeer(c *Cluster, p *Pnic) *Switch {
	if p.Switch == "" {
		return nil
	}
	speaks := p.LLDP
	for _, m := range c.DVS {
		for _, u := range m.Uplinks {
			speaks = speaks || u == p.Device
		}
	}
	if !speaks {
		return nil
	}
	return t.Switch(p.Switch)
}

// validator accumulates problems, each prefixed with the JSON path of the bad field.
type validator struct {
	problems []string
}

func (v *validator) errorf(path, format string, args ...interface{}) {
	v.problems = append(v.problems, path+": "+fmt.Sprintf(format, args...))
}

// unique reports a duplicate name within a scope; seen maps names to their first path.
func (v *validator) unique(seen map[string]string, name, path, what string) {
	if name == "" {
		v.errorf(path, "%s name is empty", what)
	} else if first, dup := seen[name]; dup {
		v.errorf(path, "duplicate %s %q (first at %s)", what, name, first)
	} else {
		seen[name] = path
	}
}

func (v *validator) mac(seen map[string]string, mac, path string) {
	norm, err := NormalizeMAC(mac)
	if err != nil {
		v.errorf(path, "%v", err)
	} else if first, dup := seen[norm]; dup {
		v.errorf(path, "MAC %s is already used at %s", norm, first)
	} else {
		seen[norm] = path
	}
}

func (t *Topology) validate() []string {
	v := &validator{}
	cabled := map[string]string{} // "switch:Interface" -> path of its user
	seen := map[string]string{}
	for i, sw := range t.Fabric.Switches {
		p := fmt.Sprintf("fabric.switches[%d]", i)
		v.unique(seen, sw.Name, p+".name", "switch")
		if _, err := NormalizeMAC(sw.SystemMac); err != nil {
			v.errorf(p+".system_mac", "%v", err)
		}
	}
	// port records a use of a switch interface; swPath and intfPath locate the two names.
	port := func(sw, intf, swPath, intfPath string) {
		s := t.Switch(sw)
		m := ethernetRE.FindStringSubmatch(intf)
		switch {
		case s == nil:
			v.errorf(swPath, "unknown switch %q", sw)
		case m == nil:
			v.errorf(intfPath, "invalid interface %q (want EthernetN or EthernetN/M)", intf)
		case s.EthernetPorts > 0 && atoi(m[1]) > s.EthernetPorts:
			v.errorf(intfPath, "%s has only %d ethernet ports", sw, s.EthernetPorts)
		default:
			key := sw + ":" + intf
			if first, dup := cabled[key]; dup {
				v.errorf(intfPath, "%s is already cabled at %s", key, first)
			}
			cabled[key] = intfPath
		}
	}
	for i, l := range t.Fabric.Links {
		for _, end := range []struct{ side, value string }{{"a", l.A}, {"b", l.B}} {
			p := fmt.Sprintf("fabric.links[%d].%s", i, end.side)
			if sw, intf, ok := strings.Cut(end.value, ":"); ok {
				port(sw, intf, p, p)
			} else {
				v.errorf(p, "invalid link end %q (want switch:Interface)", end.value)
			}
		}
	}
	for i, m := range t.Fabric.Mlag {
		for j, peer := range m.Peers {
			for k, member := range m.Members {
				port(peer, member, fmt.Sprintf("fabric.mlag[%d].peers[%d]", i, j), fmt.Sprintf("fabric.mlag[%d].members[%d]", i, k))
			}
		}
	}
	if len(t.Vcenters) == 0 {
		v.errorf("vcenters", "at least one vcenter is required")
	}
	vcNames := map[string]string{}
	macs := map[string]string{}
	for i := range t.Vcenters {
		p := fmt.Sprintf("vcenters[%d]", i)
		v.unique(vcNames, t.Vcenters[i].Name, p+".name", "vcenter")
		t.validateVcenter(v, &t.Vcenters[i], p, macs, port)
	}
	return v.problems
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func (t *Topology) validateVcenter(v *validator, vc *Vcenter, path string, macs map[string]string, port func(sw, intf, swPath, intfPath string)) {
	if vc.Datacenter == "" {
		v.errorf(path+".datacenter", "datacenter name is empty")
	}
	dvsNames, dvpgNames := map[string]string{}, map[string]string{}
	for i, d := range vc.DVSwitches {
		p := fmt.Sprintf("%s.dvswitches[%d]", path, i)
		v.unique(dvsNames, d.Name, p+".name", "dvswitch")
		for j, pg := range d.Portgroups {
			pp := fmt.Sprintf("%s.portgroups[%d]", p, j)
			v.unique(dvpgNames, pg.Name, pp+".name", "DV portgroup")
			switch {
			case (pg.Vlan == nil) == (pg.Trunk == ""):
				v.errorf(pp, "exactly one of vlan and trunk is required")
			case pg.Vlan != nil && (*pg.Vlan < 0 || *pg.Vlan > 4094):
				v.errorf(pp+".vlan", "VLAN %d out of range 0-4094", *pg.Vlan)
			case pg.Trunk != "":
				if _, err := ParseTrunk(pg.Trunk); err != nil {
					v.errorf(pp+".trunk", "%v", err)
				}
			}
		}
	}
	clusterNames, hostNames := map[string]string{}, map[string]string{}
	for i := range vc.Clusters {
		c := &vc.Clusters[i]
		p := fmt.Sprintf("%s.clusters[%d]", path, i)
		v.unique(clusterNames, c.Name, p+".name", "cluster")
		for j, h := range c.Hosts {
			hp := fmt.Sprintf("%s.hosts[%d]", p, j)
			v.unique(hostNames, h.Name, hp+".name", "host")
			devices := map[string]string{}
			for k, n := range h.Pnics {
				np := fmt.Sprintf("%s.pnics[%d]", hp, k)
				v.unique(devices, n.Device, np+".device", "pnic")
				v.mac(macs, n.Mac, np+".mac")
				switch {
				case (n.Switch == "") != (n.Interface == ""):
					v.errorf(np, "switch and interface must be given together")
				case n.Switch != "":
					port(n.Switch, n.Interface, np+".switch", np+".interface")
				case n.LLDP:
					v.errorf(np+".lldp", "an unplugged pnic cannot exchange LLDP")
				}
			}
		}
		uplinkOf := map[string]string{} // pnic -> path of the switch using it
		uplinks := func(list []string, p string) {
			for k, u := range list {
				up := fmt.Sprintf("%s.uplinks[%d]", p, k)
				if first, dup := uplinkOf[u]; dup {
					v.errorf(up, "pnic %q is already an uplink at %s", u, first)
				}
				uplinkOf[u] = up
				for _, h := range c.Hosts {
					if !hasPnic(h, u) {
						v.errorf(up, "host %q has no pnic %q", h.Name, u)
					}
				}
			}
		}
		vsNames, pgNames := map[string]string{}, map[string]string{}
		for j, vs := range c.VSwitches {
			vp := fmt.Sprintf("%s.vswitches[%d]", p, j)
			v.unique(vsNames, vs.Name, vp+".name", "vswitch")
			uplinks(vs.Uplinks, vp)
			for k, pg := range vs.Portgroups {
				pp := fmt.Sprintf("%s.portgroups[%d]", vp, k)
				v.unique(pgNames, pg.Name, pp+".name", "portgroup")
				if pg.Vlan < 0 || pg.Vlan > 4095 {
					v.errorf(pp+".vlan", "VLAN %d out of range 0-4095", pg.Vlan)
				}
				if _, dup := dvpgNames[pg.Name]; dup {
					v.errorf(pp+".name", "%q is also the name of a DV portgroup (the simulator looks networks up by name)", pg.Name)
				}
			}
		}
		members := map[string]string{}
		for j, m := range c.DVS {
			mp := fmt.Sprintf("%s.dvs[%d]", p, j)
			v.unique(members, m.Name, mp+".name", "dvswitch membership")
			if _, ok := dvsNames[m.Name]; !ok && m.Name != "" {
				v.errorf(mp+".name", "unknown dvswitch %q", m.Name)
			}
			uplinks(m.Uplinks, mp)
		}
		vmks := map[string]string{}
		for j, k := range c.VMKnics {
			kp := fmt.Sprintf("%s.vmknics[%d]", p, j)
			v.unique(vmks, k.Device, kp+".device", "vmknic")
			if !vmkRE.MatchString(k.Device) {
				v.errorf(kp+".device", "invalid vmknic device %q (want vmkN)", k.Device)
			}
			if err := vc.checkPortgroup(c, k.Portgroup); err != nil {
				v.errorf(kp+".portgroup", "%v", err)
			}
			for s, svc := range k.Services {
				if !vmkServices[svc] {
					v.errorf(fmt.Sprintf("%s.services[%d]", kp, s), "unknown service %q", svc)
				}
			}
		}
	}
	vmNames := map[string]string{}
	for i, vm := range vc.VMs {
		p := fmt.Sprintf("%s.vms[%d]", path, i)
		v.unique(vmNames, vm.Name, p+".name", "VM")
		if vm.Power != "" && vm.Power != "on" && vm.Power != "off" {
			v.errorf(p+".power", "invalid power %q (want on or off)", vm.Power)
		}
		c, _ := vc.HostCluster(vm.Host)
		if c == nil {
			v.errorf(p+".host", "unknown host %q", vm.Host)
		}
		for j, n := range vm.Nics {
			np := fmt.Sprintf("%s.nics[%d]", p, j)
			if c != nil {
				if err := vc.checkPortgroup(c, n.Portgroup); err != nil {
					v.errorf(np+".portgroup", "%v", err)
				}
			}
			if n.Mac != "" {
				v.mac(macs, n.Mac, np+".mac")
			}
		}
	}
}

func hasPnic(h Host, device string) bool {
	for _, p := range h.Pnics {
		if p.Device == device {
			return true
		}
	}
	return false
}

// checkPortgroup resolves a portgroup name the way TOPOLOGY.md specifies for VM nics:
// a standard portgroup of the cluster, else a DV portgroup of a switch the cluster is on.
func (v *Vcenter) checkPortgroup(c *Cluster, name string) error {
	if _, pg := c.StdPortgroup(name); pg != nil {
		return nil
	}
	dvs, pg := v.DVPortgroup(name)
	switch {
	case pg == nil:
		return fmt.Errorf("unknown portgroup %q", name)
	case c.Member(dvs.Name) == nil:
		return fmt.Errorf("DV portgroup %q is on dvswitch %q, which cluster %q is not a member of", name, dvs.Name, c.Name)
	}
	return nil
}

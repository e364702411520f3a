package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testTopology = "testdata/topology.json"

func TestTopologyLoads(t *testing.T) {
	topo, err := LoadTopology(testTopology)
	if err != nil {
		t.Fatal(err)
	}
	if vc, err := topo.Vcenter(""); err != nil || vc.Name != "vc1" {
		t.Fatalf("default vcenter = %v, %v; want vc1", vc, err)
	}
	if _, err := topo.Vcenter("vc9"); err == nil {
		t.Error("Vcenter(vc9) succeeded")
	}
}

func TestTopologyErrors(t *testing.T) {
	base, err := os.ReadFile(testTopology)
	if err != nil {
		t.Fatal(err)
	}
	vlan := 5000
	cases := []struct {
		name   string
		mutate func(*Topology)
		want   string
	}{
		{"unknown VM host", func(tp *Topology) { tp.Vcenters[0].VMs[3].Host = "esx-9" },
			`vcenters[0].vms[3].host: unknown host "esx-9"`},
		{"duplicate MAC", func(tp *Topology) { tp.Vcenters[0].Clusters[1].Hosts[0].Pnics[1].Mac = "00:50:56:A1:00:00" },
			`vcenters[0].clusters[1].hosts[0].pnics[1].mac: MAC 00:50:56:a1:00:00 is already used at vcenters[0].clusters[0].hosts[0].pnics[0].mac`},
		{"bad MAC", func(tp *Topology) { tp.Vcenters[0].Clusters[0].Hosts[0].Pnics[0].Mac = "00:50:56" },
			`vcenters[0].clusters[0].hosts[0].pnics[0].mac: invalid MAC address "00:50:56"`},
		{"missing MAC", func(tp *Topology) { tp.Vcenters[0].Clusters[0].Hosts[0].Pnics[0].Mac = "" },
			`vcenters[0].clusters[0].hosts[0].pnics[0].mac: invalid MAC address ""`},
		{"unknown switch", func(tp *Topology) { tp.Vcenters[0].Clusters[0].Hosts[1].Pnics[2].Switch = "leaf9" },
			`vcenters[0].clusters[0].hosts[1].pnics[2].switch: unknown switch "leaf9"`},
		{"port cabled twice", func(tp *Topology) { tp.Vcenters[0].Clusters[0].Hosts[1].Pnics[0].Interface = "Ethernet1" },
			`vcenters[0].clusters[0].hosts[1].pnics[0].interface: leaf1a:Ethernet1 is already cabled at vcenters[0].clusters[0].hosts[0].pnics[0].interface`},
		{"host on an inter-switch link", func(tp *Topology) { tp.Vcenters[0].Clusters[0].Hosts[0].Pnics[0].Interface = "Ethernet49" },
			`leaf1a:Ethernet49 is already cabled at fabric.links[0].b`},
		{"interface beyond the switch", func(tp *Topology) { tp.Vcenters[0].Clusters[0].Hosts[0].Pnics[0].Interface = "Ethernet60" },
			`pnics[0].interface: leaf1a has only 52 ethernet ports`},
		{"switch without interface", func(tp *Topology) { tp.Vcenters[0].Clusters[0].Hosts[0].Pnics[0].Interface = "" },
			`vcenters[0].clusters[0].hosts[0].pnics[0]: switch and interface must be given together`},
		{"missing uplink", func(tp *Topology) {
			tp.Vcenters[0].Clusters[1].Hosts[1].Pnics = tp.Vcenters[0].Clusters[1].Hosts[1].Pnics[:1]
		},
			`vcenters[0].clusters[1].dvs[0].uplinks[0]: host "esx-b2.lab.local" has no pnic "vmnic1"`},
		{"uplink of two switches", func(tp *Topology) { tp.Vcenters[0].Clusters[1].DVS[0].Uplinks[0] = "vmnic0" },
			`vcenters[0].clusters[1].dvs[0].uplinks[0]: pnic "vmnic0" is already an uplink at vcenters[0].clusters[1].vswitches[0].uplinks[0]`},
		{"bad trunk", func(tp *Topology) { tp.Vcenters[0].DVSwitches[0].Portgroups[1].Trunk = "210-200" },
			`vcenters[0].dvswitches[0].portgroups[1].trunk: invalid VLAN range "210-200"`},
		{"vlan and trunk", func(tp *Topology) { tp.Vcenters[0].DVSwitches[0].Portgroups[0].Trunk = "1-2" },
			`vcenters[0].dvswitches[0].portgroups[0]: exactly one of vlan and trunk is required`},
		{"DV VLAN out of range", func(tp *Topology) { tp.Vcenters[0].DVSwitches[0].Portgroups[0].Vlan = &vlan },
			`vcenters[0].dvswitches[0].portgroups[0].vlan: VLAN 5000 out of range 0-4094`},
		{"standard VLAN out of range", func(tp *Topology) { tp.Vcenters[0].Clusters[0].VSwitches[0].Portgroups[1].Vlan = 4096 },
			`vcenters[0].clusters[0].vswitches[0].portgroups[1].vlan: VLAN 4096 out of range 0-4095`},
		{"unknown VM portgroup", func(tp *Topology) { tp.Vcenters[0].VMs[0].Nics[0].Portgroup = "pg-nope" },
			`vcenters[0].vms[0].nics[0].portgroup: unknown portgroup "pg-nope"`},
		{"DV portgroup off the cluster's switches", func(tp *Topology) { tp.Vcenters[0].Clusters[1].DVS = nil },
			`vcenters[0].vms[3].nics[1].portgroup: DV portgroup "dv-web" is on dvswitch "dvs-prod", which cluster "cluster-b" is not a member of`},
		{"unknown vmknic portgroup", func(tp *Topology) { tp.Vcenters[0].Clusters[0].VMKnics[0].Portgroup = "pg-nope" },
			`vcenters[0].clusters[0].vmknics[0].portgroup: unknown portgroup "pg-nope"`},
		{"unknown vmknic service", func(tp *Topology) { tp.Vcenters[0].Clusters[0].VMKnics[0].Services = []string{"mgmt"} },
			`vcenters[0].clusters[0].vmknics[0].services[0]: unknown service "mgmt"`},
		{"duplicate host", func(tp *Topology) { tp.Vcenters[0].Clusters[1].Hosts[0].Name = "esx-a1.lab.local" },
			`vcenters[0].clusters[1].hosts[0].name: duplicate host "esx-a1.lab.local" (first at vcenters[0].clusters[0].hosts[0].name)`},
		{"bad power", func(tp *Topology) { tp.Vcenters[0].VMs[0].Power = "up" },
			`vcenters[0].vms[0].power: invalid power "up" (want on or off)`},
		{"unknown dvswitch", func(tp *Topology) { tp.Vcenters[0].Clusters[0].DVS[0].Name = "dvs-nope" },
			`vcenters[0].clusters[0].dvs[0].name: unknown dvswitch "dvs-nope"`},
		{"standard and DV portgroup with one name", func(tp *Topology) { tp.Vcenters[0].Clusters[0].VSwitches[0].Portgroups[1].Name = "dv-web" },
			`vcenters[0].clusters[0].vswitches[0].portgroups[1].name: "dv-web" is also the name of a DV portgroup`},
		{"no vcenters", func(tp *Topology) { tp.Vcenters = nil }, `vcenters: at least one vcenter is required`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var topo Topology
			if err := json.Unmarshal(base, &topo); err != nil {
				t.Fatal(err)
			}
			tc.mutate(&topo)
			data, err := json.Marshal(&topo)
			if err != nil {
				t.Fatal(err)
			}
			checkLoadError(t, string(data), tc.want)
		})
	}
}

func TestTopologyDecodeErrors(t *testing.T) {
	cases := []struct{ name, json, want string }{
		{"syntax", "{\n\"vcenters\": [\n}", "line 3: invalid character '}'"},
		{"unknown field", `{"vcenters": [{"name": "vc", "datacenter": "DC", "vms": [{"name": "a", "host": "h", "nics": [{"vlan": 3}]}]}]}`,
			"vcenters[0].vms[0].nics[0].vlan: unknown field"},
		{"wrong type", "{\"vcenters\": [{\"name\": \"vc\",\n \"datacenter\": 7}]}", "line 2: vcenters.datacenter: expected string, got JSON number"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { checkLoadError(t, tc.json, tc.want) })
	}
}

// checkLoadError writes a topology file and expects LoadTopology to report want for it.
func checkLoadError(t *testing.T, content, want string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "topology.json")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadTopology(path)
	if err == nil {
		t.Fatalf("LoadTopology succeeded, want an error containing %q", want)
	}
	if !strings.Contains(err.Error(), path+": ") || !strings.Contains(err.Error(), want) {
		t.Errorf("error:\n%v\nwant it to contain %q (prefixed with the file name)", err, want)
	}
}

func TestTrunkRanges(t *testing.T) {
	for in, want := range map[string]string{"200-210": "200-210", "1,5-6,4094": "1,5-6,4094", " 7 , 8-9": "7,8-9", "0-4094": "0-4094"} {
		ranges, err := ParseTrunk(in)
		if err != nil || FormatTrunk(ranges) != want {
			t.Errorf("ParseTrunk(%q) = %v, %v; formatted %q, want %q", in, ranges, err, FormatTrunk(ranges), want)
		}
	}
	for _, in := range []string{"", "a", "1-", "5-4", "4095", "-1", "1,,2"} {
		if _, err := ParseTrunk(in); err == nil {
			t.Errorf("ParseTrunk(%q) succeeded", in)
		}
	}
}

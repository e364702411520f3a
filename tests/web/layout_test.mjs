// The viewer's layered layout (northbound/web/src/layout.js), pure: tiers top to bottom, MLAG
// peers side by side, hosts in their cluster's box, and stability: a VM moving between hosts
// moves only VMs drawn under those two hosts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { layout } from '../../northbound/web/src/layout.js';
import { buildModel } from '../../northbound/web/src/model.js';

function fabric() {
  const sw = (name, tier, peer, domain) => ({ id: `switch:${name}`, kind: 'switch', name, tier, reachability: 'reachable', mlag_peer: peer, mlag_domain: domain, pending_changes: 0 });
  const host = (n, cluster) => ({ id: `host:vc1/host-${n}`, kind: 'host', name: `esx-${n}`, vcenter: 'vc1', cluster, connection: 'connected' });
  const vm = (n, h) => ({ id: `vm:vc1/vm-${n}`, kind: 'vm', name: `vm-${n}`, vcenter: 'vc1', host: `host:vc1/host-${h}`, state: 'running', vlans: [120] });
  const uplink = (h, leaf, port) => ({ id: `uplink:vc1/host-${h}:vmnic0`, kind: 'uplink', source: `host:vc1/host-${h}`, source_interface: 'vmnic0', target: `switch:${leaf}`, target_interface: port, port_channel: null, learned: 'lldp' });
  return {
    graph_version: 1,
    nodes: [sw('spine1', 'spine', null, null), sw('spine2', 'spine', null, null),
      sw('leaf2a', 'leaf', 'leaf2b', 'pod2'), sw('leaf1b', 'leaf', 'leaf1a', 'pod1'), sw('leaf1a', 'leaf', 'leaf1b', 'pod1'), sw('leaf2b', 'leaf', 'leaf2a', 'pod2'),
      { id: 'cluster:vc1/c1', kind: 'cluster', name: 'a', vcenter: 'vc1' }, { id: 'cluster:vc1/c2', kind: 'cluster', name: 'b', vcenter: 'vc1' },
      host(1, 'cluster:vc1/c1'), host(2, 'cluster:vc1/c1'), host(3, 'cluster:vc1/c2'), vm(1, 1), vm(2, 1), vm(3, 3)],
    edges: [uplink(1, 'leaf2a', 'Ethernet11'), uplink(2, 'leaf2b', 'Ethernet12'), uplink(3, 'leaf1a', 'Ethernet11')],
  };
}

test('spines above leaves above hosts, MLAG peers adjacent, clusters under their leaves', () => {
  const model = buildModel(fabric());
  const pos = layout(model, new Set());
  const y = (id) => pos.get(id).y;
  const x = (id) => pos.get(id).x;
  assert.equal(y('switch:spine1'), y('switch:spine2'));
  assert.ok(y('switch:spine1') < y('switch:leaf1a'));
  assert.ok(y('switch:leaf1a') < y('host:vc1/host-1'));
  const leaves = ['leaf1a', 'leaf1b', 'leaf2a', 'leaf2b'].map((n) => `switch:${n}`).sort((a, b) => x(a) - x(b));
  assert.deepEqual(leaves, ['switch:leaf1a', 'switch:leaf1b', 'switch:leaf2a', 'switch:leaf2b']);
  assert.ok(x('switch:leaf1b') - x('switch:leaf1a') < x('switch:leaf2a') - x('switch:leaf1b'), 'a pair is closer than two pairs');
  // Cluster c2's host uplinks to pod1 (left), c1's to pod2 (right).
  assert.ok(x('host:vc1/host-3') < x('host:vc1/host-1'));
  const box = pos.get('cluster:vc1/c1');
  for (const h of ['host:vc1/host-1', 'host:vc1/host-2']) {
    assert.ok(Math.abs(x(h) - box.x) < box.w / 2 && Math.abs(y(h) - box.y) < box.h / 2, `${h} inside its cluster`);
  }
  assert.equal(pos.has('vm:vc1/vm-1'), false, 'VMs of a collapsed host are not placed');
});

test('the same fabric gives the same positions, and a vMotion moves only VMs of the two hosts', () => {
  const expanded = new Set(['host:vc1/host-1', 'host:vc1/host-3']);
  const before = layout(buildModel(fabric()), expanded);
  assert.deepEqual(layout(buildModel(fabric()), expanded), before);
  const moved = fabric();
  moved.nodes.find((n) => n.id === 'vm:vc1/vm-2').host = 'host:vc1/host-3';
  const after = layout(buildModel(moved), expanded);
  const changed = [...after.keys()].filter((id) => JSON.stringify(after.get(id)) !== JSON.stringify(before.get(id)));
  // vm-3 makes room for vm-2 in its host's grid (by name); nothing else moves.
  assert.deepEqual(changed, ['vm:vc1/vm-2', 'vm:vc1/vm-3']);
  const vm = after.get('vm:vc1/vm-2');
  const host = after.get('host:vc1/host-3');
  assert.ok(vm.y > host.y && Math.abs(vm.x - host.x) < 100, 'drawn under its new host');
});

// The side panel: what the API says about the selected VLAN, VM, host, switch, cluster or link.
// `go(kind, ref)` navigates to another element (a VLAN id, a node id).
import { formatTime, h, table } from './dom.js';

const link = (text, onclick) => h('button', { class: 'link', type: 'button', onclick }, text);
const vlanTags = (ranges, go) => String(ranges ?? '').split(',').filter(Boolean).map((r) =>
  (/^\d+$/.test(r) ? link(r, () => go('vlan', r)) : h('span', { class: 'tag' }, r)));
const list = (items) => h('ul', null, items.map((i) => h('li', null, i)));
const yes = (b, good = 'yes', bad = 'no') => h('span', { class: `tag ${b ? 'ok' : 'bad'}` }, b ? good : bad);

// `vmState(name)` is the VM's state as /topology says ("running", "moving", "powered-off"): only
// VMs that run (or move) need the VLAN; powered-off ones are listed apart.
export function vlanPanel(vlan, go, vmIds, vmState) {
  const needing = vlan.vms.filter((n) => vmState(n) !== 'powered-off');
  const idle = vlan.vms.filter((n) => vmState(n) === 'powered-off');
  const vmLinks = (names) => (names.length
    ? h('p', null, names.map((n) => [link(n, () => go('node', vmIds(n))), ' ']))
    : h('p', null, 'none'));
  const rows = [];
  // The interfaces the plan manages first, then those that merely allow the VLAN.
  const order = (i) => (i.role === 'other' ? 1 : 0);
  for (const sw of vlan.switches) {
    for (const i of [...sw.interfaces].sort((a, b) => order(a) - order(b))) {
      // Observed only on a port the planner does not manage: allowed there, and left alone.
      const state = i.desired && i.observed ? h('span', { class: 'tag ok' }, 'carried')
        : i.desired ? h('span', { class: 'tag warn' }, 'to add')
          : i.role === 'other' ? h('span', { class: 'tag' }, 'allowed (unmanaged)') : h('span', { class: 'tag bad' }, 'to remove');
      rows.push([link(sw.name, () => go('node', `switch:${sw.name}`)), i.name, i.role, state,
        i.reasons.length ? h('div', { class: 'reasons' }, list(i.reasons)) : '']);
    }
  }
  return [
    h('h2', null, `VLAN ${vlan.id}`, vlan.name ? ` · ${vlan.name}` : ''),
    h('p', { class: 'sub' }, vlan.managed ? 'managed by vmfabric' : 'outside the managed range: never changed'),
    h('h3', null, 'Portgroups'), vlan.portgroups.length ? list(vlan.portgroups) : h('p', null, 'none'),
    h('h3', null, `VMs that need it (${needing.length})`),
    vmLinks(needing),
    ...(idle.length ? [h('h3', null, `Powered-off VMs on it (${idle.length})`), vmLinks(idle)] : []),
    h('h3', null, `Interfaces (${rows.length})`),
    rows.length ? table(['switch', 'interface', 'role', 'state', 'why (planner)'], rows) : h('p', null, 'on no interface'),
    h('h3', null, 'VLAN database'),
    list(vlan.switches.map((s) => [s.name, ': ', s.in_database ? `present${s.database_name ? ` (${s.database_name})` : ''}` : 'absent',
      s.planned_in_database && !s.in_database ? ' · to create' : ''])),
  ];
}

export function vmPanel(vm, node, ports, go) {
  return [
    h('h2', null, vm.name),
    h('p', { class: 'sub' }, `VM · ${vm.vcenter} · ${vm.id}`),
    table(['', ''], [
      ['state', h('span', { class: `tag ${vm.state === 'running' ? 'ok' : vm.state === 'moving' ? 'warn' : ''}` }, vm.state)],
      ['host', vm.host && node?.host ? link(vm.host, () => go('node', node.host)) : (vm.host ?? 'none')],
      ['cluster', vm.cluster ?? '—'],
      ...(vm.migrating_to ? [['moving to', vm.migrating_to]] : []),
    ]),
    h('h3', null, 'vNICs'),
    table(['vNIC', 'MAC', 'portgroup', 'VLANs'], vm.nics.map((n) => [
      `${n.label}${n.connected ? '' : ' (disconnected)'}`, h('code', null, n.mac),
      n.portgroup ? `${n.portgroup}${n.distributed ? ' (dvs)' : ''}` : '—',
      n.vlans ? [n.vlan_mode === 'trunk' ? 'trunk ' : '', vlanTags(n.vlans, go)] : '—',
    ])),
    h('h3', null, 'Switch ports it depends on'),
    ports.length ? table(['switch', 'interface', 'host uplink'], ports.map((p) => [
      link(p.switch, () => go('node', `switch:${p.switch}`)),
      p.port_channel ? `${p.port_channel} (${p.interface})` : p.interface, p.uplink,
    ])) : h('p', null, 'none known (the host has no located uplink)'),
  ];
}

export function hostPanel(host, node, expanded, toggle, go) {
  return [
    h('h2', null, host.name),
    h('p', { class: 'sub' }, `ESX host · ${host.vcenter} · ${host.cluster ?? 'no cluster'}`),
    table(['', ''], [
      ['connection', yes(host.connection === 'connected', host.connection, host.connection)],
      ['maintenance', host.maintenance ? 'yes' : 'no'],
      ['ESXi', `${host.esx_version} (${host.esx_build})`],
    ]),
    h('h3', null, 'Uplinks'),
    table(['pNIC', 'MAC', 'switch port', 'learned'], host.uplinks.map((u) => [
      u.pnic, h('code', null, u.mac),
      u.located ? [link(u.switch, () => go('node', `switch:${u.switch}`)), ` ${u.interface}`,
        u.attachment !== u.interface ? ` (${u.attachment})` : ''] : h('span', { class: 'tag bad' }, u.problem || 'not located'),
      u.learned_by ?? '',
    ])),
    h('h3', null, `VMs (${host.vm_list.length})`, ' ',
      host.vm_list.length ? link(expanded ? 'hide in graph' : 'show in graph', toggle) : ''),
    list(host.vm_list.map((v) => [link(v.name, () => go('vm-name', { name: v.name, vcenter: node.vcenter })), ` · ${v.state}`])),
  ];
}

export function switchPanel(node, sw, interfaces, go) {
  const rows = interfaces.filter((i) => i.role !== 'other' || i.allowed_vlans.observed).map((i) => {
    const a = i.allowed_vlans;
    return [
      i.name + (i.oper_up ? '' : ' (down)'), i.role,
      a.observed ?? (i.access_vlan ? `access ${i.access_vlan}` : '—'),
      a.desired ?? '—',
      [a.to_add ? h('span', { class: 'add' }, `+${a.to_add} `) : '', a.to_remove ? h('span', { class: 'remove' }, `−${a.to_remove}`) : ''],
    ];
  });
  return [
    h('h2', null, node.name),
    h('p', { class: 'sub' }, `${node.tier} switch · ${sw.model || 'EOS'} ${sw.eos_version || ''} · ${sw.address}`),
    table(['', ''], [
      ['reachability', yes(sw.reachability === 'reachable', sw.reachability, sw.reachability)],
      ...(sw.last_error ? [['last error', sw.last_error]] : []),
      ['MLAG', sw.mlag ? `${sw.mlag.domain} with ${sw.mlag.peer} over ${sw.mlag.peer_link}` : '—'],
      ['pending changes', String(node.pending_changes ?? 0)],
    ]),
    h('h3', null, 'Interfaces: observed vs desired VLANs'),
    rows.length ? table(['interface', 'role', 'observed', 'desired', 'drift'], rows) : h('p', null, 'no ESX-facing or inter-switch interface'),
  ];
}

export function clusterPanel(node, hosts, go) {
  return [
    h('h2', null, node.name), h('p', { class: 'sub' }, `cluster · ${node.vcenter}`),
    h('h3', null, `Hosts (${hosts.length})`),
    list(hosts.map((n) => link(n.name, () => go('node', n.id)))),
  ];
}

export function edgePanel(edge, model, go) {
  const end = (id, iface) => [link(model.nodes.get(id)?.name ?? id, () => go('node', id)), ` ${iface ?? ''}`];
  return [
    h('h2', null, edge.kind === 'uplink' ? 'ESX uplink' : edge.kind === 'mlag-peer' ? 'MLAG peer-link' : 'Fabric link'),
    table(['', ''], [
      ['from', end(edge.source, edge.source_interface)],
      ['to', end(edge.target, edge.target_interface)],
      ...(edge.port_channel ? [['port-channel', edge.port_channel]] : []),
      ...(edge.learned ? [['learned by', edge.learned]] : []),
    ]),
  ];
}

// One audit finding: its kind, where (switch, interface, host, uplink: links to them), the VLANs,
// what differs and what to do, whether someone undid vmfabric's own change, and the planner's
// reasons.
function findingItem(f, go) {
  const where = [
    f.switch ? [link(f.switch, () => go('node', `switch:${f.switch}`)), f.interface ? ` ${f.interface}` : ' (VLAN database)'] : '',
    f.switch && f.host ? ' · ' : '',
    f.host ? [link(f.host, () => go('host-name', f.host)), f.uplink ? ` ${f.uplink}` : ''] : '',
  ];
  const last = f.last_change;
  return h('li', { class: 'finding', 'data-kind': f.kind },
    h('span', { class: 'tag kind' }, f.kind), ' ', where,
    f.vlans ? [' · VLANs ', vlanTags(f.vlans, go)] : '',
    f.detail ? h('div', { class: 'detail' }, f.detail) : '',
    f.undone ? h('div', { class: 'undone' }, h('span', { class: 'tag warn' }, 'changed outside vmfabric'),
      ` VLANs ${f.undone}: vmfabric had ${(last?.added ?? f.kind !== 'vlan-unneeded') ? 'added' : 'removed'} them`,
      last ? ` (${formatTime(last.at)}, session ${last.session})` : '') : '',
    f.why.length ? h('div', { class: 'reasons' }, list(f.why)) : '');
}

// The "Drift" section of a switch, host or link panel: what the last finished audit found there.
export function driftSection(findings, audit, go) {
  if (!audit) return [];
  return [h('section', { id: 'drift', class: 'drift' },
    h('h3', null, `Drift (${findings.length})`),
    h('p', { class: 'sub' }, `found by audit #${audit.id}, ${formatTime(audit.finished)}`),
    findings.length ? h('ul', { class: 'findings' }, findings.map((f) => findingItem(f, go))) : h('p', null, 'none'))];
}

// The last finished audit (null: none yet) and the one running, if any.
export function auditPanel(audit, running, go) {
  const runningNote = running ? h('p', { class: 'sub' }, `Audit #${running.id} is running since ${formatTime(running.started)}: ` +
    'its findings show here when it is done.') : '';
  if (!audit) return [h('h2', null, 'Drift audits'), runningNote, h('p', null, 'No audit has finished yet.')];
  return [
    h('h2', null, `Audit #${audit.id}`),
    runningNote,
    table(['', ''], [
      ['status', yes(audit.status === 'done', audit.status, audit.status)],
      ...(audit.error ? [['error', audit.error]] : []),
      ['started', `${formatTime(audit.started)} by ${audit.trigger === 'api' ? (audit.actor ?? 'the API') : 'the schedule'}`],
      ['finished', formatTime(audit.finished)],
      ['switches', `${audit.switches} audited${audit.unreadable ? `, ${audit.unreadable} unreadable` : ''}`],
      ['remediate', audit.remediate],
      ...(audit.repairs.length ? [['repairs', `journal entries ${audit.repairs.join(', ')}`]] : []),
    ]),
    ...driftSection(audit.findings, audit, go),
  ];
}

// The search box: VMs, hosts, switches, clusters by name, VLANs by id or name, VMs and hosts by
// MAC. Keyboard: "/" focuses it, the arrows move through the results, Enter selects, Escape
// closes.
import { $, h } from './dom.js';

const MAX_RESULTS = 30;
const KIND_LABEL = { switch: 'switch', host: 'host', vm: 'VM', cluster: 'cluster', vlan: 'VLAN', mac: 'MAC' };

export class Search {
  // `entries()` gives [{kind, label, extra, target}] to search; `choose(entry)` acts on one.
  constructor(entries, choose) {
    this.entries = entries;
    this.choose = choose;
    this.input = $('search');
    this.list = $('results');
    this.results = [];
    this.active = -1;
    this.input.addEventListener('input', () => this.update());
    this.input.addEventListener('keydown', (ev) => this.key(ev));
    this.input.addEventListener('blur', () => setTimeout(() => { this.list.hidden = true; }, 150));
    document.addEventListener('keydown', (ev) => {
      const typing = ['INPUT', 'TEXTAREA'].includes(document.activeElement?.tagName);
      if (ev.key === '/' && !typing && !this.input.disabled) {
        ev.preventDefault();
        this.input.focus();
        this.input.select();
      }
    });
  }

  enable() {
    this.input.disabled = false;
  }

  find(text) {
    const q = text.trim().toLowerCase();
    if (!q) return [];
    const vlanQuery = q.replace(/^vlan\s*/, '');
    const scored = [];
    for (const e of this.entries()) {
      const name = e.label.toLowerCase();
      let score = -1;
      if (e.kind === 'vlan') {
        if (e.key === vlanQuery) score = 0;
        else if (name.includes(q)) score = 3;
      } else if (e.kind === 'mac') {
        if (q.length >= 4 && name.includes(q.replace(/-/g, ':'))) score = name === q ? 0 : 2;
      } else if (name === q) score = 0;
      else if (name.startsWith(q)) score = 1;
      else if (name.includes(q)) score = 2;
      if (score >= 0) scored.push([score, e]);
    }
    // A VLAN id nothing names yet: the API answers for it (or says it is unknown).
    if (/^\d{1,4}$/.test(vlanQuery) && !scored.some(([, e]) => e.kind === 'vlan' && e.key === vlanQuery)) {
      scored.push([0, { kind: 'vlan', key: vlanQuery, label: `VLAN ${vlanQuery}`, target: vlanQuery }]);
    }
    scored.sort((a, b) => a[0] - b[0] || (a[1].label < b[1].label ? -1 : a[1].label > b[1].label ? 1 : 0));
    return scored.slice(0, MAX_RESULTS).map(([, e]) => e);
  }

  update() {
    this.results = this.find(this.input.value);
    this.active = this.results.length ? 0 : -1;
    this.render();
  }

  render() {
    this.list.replaceChildren(...this.results.map((e, i) => h('li', {
      role: 'option', 'aria-selected': i === this.active ? 'true' : 'false',
      onmousedown: (ev) => { ev.preventDefault(); this.pick(i); },
    }, h('span', { class: 'kind' }, KIND_LABEL[e.kind]), h('span', null, e.label), e.extra ? h('span', { class: 'extra' }, e.extra) : '')));
    this.list.hidden = this.results.length === 0;
    this.list.children[this.active]?.scrollIntoView({ block: 'nearest' });
  }

  key(ev) {
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      if (!this.results.length) return;
      const step = ev.key === 'ArrowDown' ? 1 : -1;
      this.active = (this.active + step + this.results.length) % this.results.length;
      this.render();
    } else if (ev.key === 'Enter') {
      ev.preventDefault();
      if (this.active < 0) this.update();
      if (this.active >= 0) this.pick(this.active);
    } else if (ev.key === 'Escape') {
      this.input.value = '';
      this.results = [];
      this.render();
      this.input.blur();
    }
  }

  pick(i) {
    const e = this.results[i];
    this.list.hidden = true;
    this.input.value = e.label;
    this.choose(e);
  }
}

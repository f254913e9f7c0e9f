// Fleet: every host, whether vr can reach its Supervisor (and why not), and its ports.
import { get } from '../api.js';
import { h, table, badge, section } from '../dom.js';
import { page } from './common.js';

/** The fleet page. */
export default function fleet(ctx) {
  const p = page('page-fleet', 'Fleet', async () => {
    const [hosts, ports] = await Promise.all([get('/api/hosts'), get('/api/ports')]);
    const list = Array.isArray(hosts) ? hosts : hosts.hosts ?? [];
    const free = new Map(ports.filter((r) => 'free' in r).map((r) => [r.host, r]));
    const used = ports.filter((r) => !('free' in r));
    const hostTable = table('hosts', [
      ['Host', (x) => h('strong', null, x.name ?? x.host)],
      ['Squad', (x) => x.squad ?? ''],
      ['Address', (x) => x.address ?? ''],
      ['Reachable', (x) => (x.reachable
        ? badge('reachable', 'host-reachable')
        : [badge('unreachable', 'host-reachable'), ' ', h('span', { test: 'host-why' }, x.unreachable_reason ?? '')])],
      ['Port range', (x) => x.port_range ?? free.get(x.name ?? x.host)?.range ?? ''],
      ['Ports used', (x) => portUse(x, free.get(x.name ?? x.host))],
    ], list, (x) => ({ test: 'host-row', data: { host: x.name ?? x.host, reachable: x.reachable } }));
    const portTable = table('ports', [
      ['Host', (r) => r.host],
      ['Port', (r) => String(r.port)],
      ['Used by', (r) => h('code', null, r.used_by)],
      ['State', (r) => (r.state ? badge(r.state) : '')],
      ['Locked by run', (r) => [r.locked_by, r.lock_stale ? h('span', { class: 'muted' }, ` (stale: ${r.lock_stale})`) : '']],
    ], used, (r) => ({ test: 'port-row', data: { host: r.host, port: r.port } }), 'no port in use');
    return [section('Hosts', 'hosts-card', hostTable), section('Ports in use', 'ports-card', portTable)];
  });
  ctx.onEvent((e) => {
    if (/^(run_done|run_failed|proc_started|proc_stopped|reconcile_)/.test(e.type)) p.reload();
  });
  return p.root;
}

function portUse(host, free) {
  if (host.reachable === false) return h('span', { class: 'muted' }, 'unknown');
  const used = host.ports_used ?? host.used;
  if (free && typeof free.free === 'number') {
    const [from, to] = String(free.range).split('-').map(Number);
    const size = to - from;
    return h('span', { test: 'host-ports' }, `${size - free.free} of ${size} used`);
  }
  return h('span', { test: 'host-ports' }, Array.isArray(used) ? `${used.length} used` : String(used ?? ''));
}

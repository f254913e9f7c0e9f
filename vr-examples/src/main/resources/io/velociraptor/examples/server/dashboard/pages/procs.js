// Procs: every program in Supervisor on every host, vr's own, legacy and foreign. vr's procs get
// start/stop/restart (admin); legacy and foreign ones are shown and labelled, never touched.
import { api, get, path } from '../api.js';
import { h, table, badge, link, duration, section } from '../dom.js';
import { page } from './common.js';

/** The procs page. */
export default function procs(ctx) {
  const message = h('p', { test: 'proc-action-result', role: 'status' });
  const act = async (pr, action) => {
    try {
      await api('POST', path('/api/procs', pr.host, pr.name, action));
      message.textContent = `${action} ${pr.host}/${pr.name}: ok`;
    } catch (e) {
      message.textContent = `${action} ${pr.host}/${pr.name}: ${e.message}`;
    }
    p.reload();
  };
  const p = page('page-procs', 'Procs', async () => {
    const data = await get('/api/procs');
    const down = (data.hosts ?? []).filter((x) => !x.reachable);
    return [
      down.length ? section('Unreachable hosts', 'unreachable-card', down.map((x) => h('p', { class: 'error', test: 'host-unreachable' },
        `${x.host}: ${x.unreachable_reason ?? ''} (its procs are unknown)`))) : '',
      message,
      section('Every proc on every host', 'procs-card', table('procs', [
        ['Host', (r) => r.host],
        ['Proc', (r) => h('code', { test: 'proc-name' }, r.name)],
        ['Kind', (r) => h('span', { class: 'kind ' + r.kind, test: 'proc-kind', title: r.kind === 'ours' ? '' : 'not dispatched by vr: shown, never touched' },
          r.kind === 'ours' ? 'vr' : r.kind)],
        ['State', (r) => badge(r.state, 'proc-state')],
        ['Port', (r) => String(r.port ?? '')],
        ['Swarm', (r) => (r.swarm_id ? link(r.swarm_id, 'swarms', r.swarm_id) : '')],
        ['Uptime', (r) => duration(r.uptime_seconds)],
        ['', (r) => (r.kind === 'ours'
          ? h('span', { class: 'row-actions', test: 'proc-actions' }, ['start', 'stop', 'restart'].map((a) =>
            h('button', { type: 'button', test: 'proc-' + a, onclick: () => act(r, a) }, a)))
          : h('span', { class: 'muted' }, 'not vr\'s'))],
      ], data.procs ?? [], (r) => ({ test: 'proc-row', data: { host: r.host, name: r.name, kind: r.kind, state: r.state } }))),
    ];
  });
  ctx.onEvent((e) => {
    if (/^(proc_|run_done|run_failed|reconcile_)/.test(e.type)) p.reload();
  });
  return p.root;
}

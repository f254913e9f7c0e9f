// Swarms: every stored swarm with its size, the release its procs run, its update policy and
// how many of its procs are running.
import { get } from '../api.js';
import { h, table, badge, link, section } from '../dom.js';
import { page, swarmName, releaseOf, policy, running } from './common.js';

/** The swarms page. */
export default function swarms(ctx) {
  const p = page('page-swarms', 'Swarms', async () => {
    const [list, procs, runs] = await Promise.all([get('/api/swarms'), get('/api/procs'), get('/api/runs')]);
    const bySwarm = new Map();
    for (const pr of procs.procs ?? []) {
      if (!pr.swarm_id) continue;
      if (!bySwarm.has(pr.swarm_id)) bySwarm.set(pr.swarm_id, []);
      bySwarm.get(pr.swarm_id).push(pr);
    }
    const lastRun = new Map();
    for (const r of runs) {
      const prev = lastRun.get(r.swarm_id);
      if (!prev || r.created_at >= prev.created_at) lastRun.set(r.swarm_id, r);
    }
    const sorted = [...list].sort((a, b) => swarmName(a).localeCompare(swarmName(b)));
    return section('Stored swarms', 'swarms-card', table('swarms', [
      ['Swarm', (s) => link(swarmName(s), 'swarms', s.id)],
      ['Id', (s) => h('code', null, s.id)],
      ['Squad', (s) => s.squad],
      ['Size', (s) => (s.one_per_host ? 'one per host' : String(s.size))],
      ['Version', (s) => s.version],
      ['Release', (s) => h('code', { test: 'swarm-release' },
        [...new Set((bySwarm.get(s.id) ?? []).filter(running).map((x) => releaseOf(x.name)))].sort().join(', ') || '-')],
      ['Policy', (s) => policy(s)],
      ['Health', (s) => health(s, bySwarm.get(s.id) ?? [])],
      ['Last run', (s) => {
        const r = lastRun.get(s.id);
        return r ? [link(r.id, 'runs', r.id), ' ', badge(r.state)] : '';
      }],
    ], sorted, (s) => ({ test: 'swarm-row', data: { swarm: s.id, name: swarmName(s) } }), 'no swarm is stored yet'));
  });
  ctx.onEvent((e) => {
    if (/^(run_started|run_done|run_failed|run_paused|proc_started|proc_stopped|proc_failed|reconcile_)/.test(e.type)) p.reload();
  });
  return p.root;
}

function health(s, procs) {
  const up = procs.filter(running).length;
  const want = s.one_per_host ? null : s.size;
  const state = want === null ? (up > 0 ? 'ok' : 'down') : up >= want ? 'ok' : up === 0 && want > 0 ? 'down' : 'degraded';
  const text = want === null ? `${up} running` : `${up}/${want} running`;
  return h('span', { class: 'badge ' + (state === 'ok' ? 'ok' : state === 'down' ? 'bad' : 'busy'), test: 'swarm-health' }, text);
}

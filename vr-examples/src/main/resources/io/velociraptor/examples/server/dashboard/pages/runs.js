// Runs: every dispatch run, newest first, live.
import { get } from '../api.js';
import { h, table, badge, link, time, section } from '../dom.js';
import { page } from './common.js';

/** The runs table, for this page and a swarm's. */
export function runTable(runs) {
  const sorted = [...runs].sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)) || String(b.id).localeCompare(String(a.id)));
  return table('runs', [
    ['Run', (r) => link(r.id, 'runs', r.id)],
    ['Swarm', (r) => link(r.swarm_id, 'swarms', r.swarm_id)],
    ['State', (r) => [badge(r.state, 'run-row-state'), r.stale ? h('span', { class: 'muted' }, ` stale: ${r.stale}`) : '']],
    ['Created', (r) => time(r.created_at)],
    ['Finished', (r) => time(r.finished_at)],
    ['Failure', (r) => r.failure_reason ?? ''],
  ], sorted, (r) => ({ test: 'run-row', data: { run: r.id, swarm: r.swarm_id, state: r.state } }), 'no run yet');
}

/** The runs page. */
export default function runs(ctx) {
  const p = page('page-runs', 'Runs', async () => section('Every run', 'runs-card', runTable(await get('/api/runs'))));
  ctx.onEvent((e) => {
    if (/^(run_started|state_changed|run_done|run_failed|run_paused)$/.test(e.type)) p.reload();
  });
  return p.root;
}

// A run: its state (live), steps, transitions, the plan it executes, and its events as they come.
import { get, path } from '../api.js';
import { h, fill, table, badge, link, time, section } from '../dom.js';
import { stream, describe } from '../live.js';
import { renderPlan } from '../plan.js';
import { page } from './common.js';


/** A step's duration: seconds as a number, or an ISO-8601 duration. */
function seconds(d) {
  if (typeof d === 'number') return `${d.toFixed(1)} s`;
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?$/.exec(String(d ?? ''));
  if (!m) return String(d ?? '');
  return `${(Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)).toFixed(1)} s`;
}

/**
 * The live progress of one run: a state badge and a list of its events, fed by a stream that
 * first replays the retained events (so the run's past shows too), then follows it.
 * @returns {state, list, follow(event)}
 */
export function progress(runId, onChange) {
  const state = h('span', { test: 'run-state', data: { state: '' } }, '');
  const list = h('ol', { class: 'progress', test: 'run-progress' });
  const seen = new Set();
  const setState = (s) => {
    if (!s || state.dataset.state === s) return;
    state.dataset.state = s;
    fill(state, badge(s));
    state.dataset.states = (state.dataset.states ? state.dataset.states + ' ' : '') + s;
  };
  const follow = (e) => {
    if (e.run_id !== runId) return;
    if (e.sse_id && seen.has(e.sse_id)) return;
    if (e.sse_id) seen.add(e.sse_id);
    if (e.type === 'state_changed') setState(String(e.state).toLowerCase());
    if (e.type === 'run_done') setState('done');
    if (e.type === 'run_failed') setState(String(e.state ?? 'failed').toLowerCase() === 'reverted' ? 'reverted' : 'failed');
    if (e.type !== 'build_log' || list.childElementCount < 400) {
      list.append(h('li', { data: { type: e.type } }, `${String(e.at ?? '').slice(11, 19)}  ${describe(e)}`));
      list.scrollTop = list.scrollHeight;
    }
    onChange?.(e);
  };
  return { state, list, follow, setState };
}

/** The run page. */
export default function run(ctx) {
  const [id] = ctx.params;
  const live = progress(id, () => p.reload());
  const details = h('div');
  const p = page('page-run', `Run ${id}`, async () => {
    const r = await get(path('/api/runs', id));
    live.setState(r.state);
    let plan = null;
    try {
      plan = r.plan ? JSON.parse(r.plan) : null;
    } catch {
      plan = null;
    }
    fill(details,
      h('dl', { class: 'grid' },
        h('dt', null, 'Swarm'), h('dd', null, link(r.swarm_id, 'swarms', r.swarm_id)),
        h('dt', null, 'Release'), h('dd', null, h('code', null, r.release ?? '-')),
        h('dt', null, 'Created'), h('dd', null, time(r.created_at)),
        h('dt', null, 'Finished'), h('dd', null, time(r.finished_at) || '-'),
        h('dt', null, 'Trace'), h('dd', null, h('code', null, r.trace_id ?? '')),
        h('dt', null, 'Failure'), h('dd', { test: 'run-failure', class: r.failure_reason ? 'error' : '' }, r.failure_reason ?? '-')));
    return [
      section('Steps', 'run-steps-card', table('run-steps', [
        ['Step', (s) => s.name],
        ['Host', (s) => s.host ?? ''],
        ['Target', (s) => h('code', null, s.target ?? '')],
        ['Outcome', (s) => badge(s.outcome === 'ok' ? 'ok' : s.outcome)],
        ['Took', (s) => seconds(s.duration)],
        ['Detail', (s) => h('span', { class: 'mono' }, s.detail ?? '')],
      ], r.steps ?? [], (s) => ({ test: 'run-step', data: { step: s.name, outcome: s.outcome } }), 'no step yet')),
      section('Transitions', 'run-history-card', table('run-history', [
        ['At', (t) => time(t.at)],
        ['State', (t) => badge(t.state)],
        ['Why', (t) => t.message],
      ], r.history ?? [], (t) => ({ test: 'run-transition', data: { state: t.state } }))),
      plan ? section('Plan', 'run-plan-card', renderPlan(plan)) : '',
    ];
  });
  const es = stream('/api/events?after=0', live.follow);
  ctx.onLeave(() => es.close());
  p.heading.append(' ', live.state);
  p.root.insertBefore(h('section', { class: 'card' }, details,
    h('h2', null, 'Live progress'), live.list), p.root.lastChild);
  return p.root;
}

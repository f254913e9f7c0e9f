// A swarm: its procs across hosts (state, port, uptime, uptests), releases and runs, and a form
// that plans a change (a swarm file, or size and version edits), shows the diff, and dispatches
// it, following the run live.
import { api, get, path } from '../api.js';
import { h, fill, table, badge, link, duration, time, section } from '../dom.js';
import { renderPlan } from '../plan.js';
import { page, swarmName, policy, releaseOf } from './common.js';
import { runTable } from './runs.js';
import { progress } from './run.js';

/** The uptest results of one proc from /api/uptests, oldest first. */
function uptestsOf(uptests, pr) {
  const rows = Array.isArray(uptests) ? uptests : uptests?.procs ?? uptests?.results ?? [];
  const mine = rows.find((u) => (u.proc ?? u.name) === pr.name && (!u.host || u.host === pr.host));
  return mine?.results ?? mine?.history ?? [];
}

/** The swarm page. */
export default function swarm(ctx) {
  const [id] = ctx.params;
  const runIds = new Set();
  let stored = null;
  const p = page('page-swarm', `Swarm ${id}`, async () => {
    const s = await get(path('/api/swarms', id));
    const [procs, uptests, releases, runs] = await Promise.all([
      get('/api/procs?swarm=' + encodeURIComponent(s.id)),
      get('/api/uptests?swarm=' + encodeURIComponent(s.id)).catch(() => []),
      get(path('/api/swarms', s.id, 'releases')),
      get(path('/api/swarms', s.id, 'runs')),
    ]);
    runs.forEach((r) => runIds.add(r.id));
    if (!stored) {
      stored = s;
      p.heading.textContent = `Swarm ${swarmName(s)}`;
      form.size.value = String(s.size);
      form.version.value = s.version;
    }
    return [
      h('dl', { class: 'grid card', test: 'swarm-summary' },
        [['Id', s.id], ['App', s.app], ['Config', s.config], ['Proc', s.proc_type], ['Squad', s.squad],
          ['Size', s.one_per_host ? 'one per host' : String(s.size)], ['Version', s.version],
          ['Pool', s.pool ? `${s.balancer ?? ''}/${s.pool}` : '-'], ['Policy', policy(s)]]
          .map(([k, v]) => [h('dt', null, k), h('dd', { test: 'swarm-' + k.toLowerCase() }, v)])),
      section('Procs', 'swarm-procs-card', table('swarm-procs', [
        ['Host', (r) => r.host],
        ['Proc', (r) => h('code', null, r.name)],
        ['Release', (r) => h('code', null, releaseOf(r.name))],
        ['State', (r) => badge(r.state, 'proc-state')],
        ['Port', (r) => String(r.port ?? '')],
        ['Uptime', (r) => duration(r.uptime_seconds)],
        ['Uptests', (r) => h('span', { class: 'uptests', test: 'proc-uptests' }, uptestsOf(uptests, r).slice(-20).map((u) =>
          h('span', { class: u.passed ? 'pass' : 'fail', title: `${u.at ?? ''} ${u.passed ? 'passed' : 'failed'} ${u.output ?? u.detail ?? ''}` })))],
      ], procs.procs ?? [], (r) => ({ test: 'proc-row', data: { host: r.host, name: r.name, state: r.state } }), 'no proc')),
      section('Releases', 'swarm-releases-card', table('releases', [
        ['Release', (r) => [h('code', null, r.release), r.current ? h('span', { class: 'badge ok' }, 'current') : '']],
        ['Version', (r) => r.version],
        ['Run', (r) => link(r.run_id, 'runs', r.run_id)],
        ['Dispatched', (r) => time(r.dispatched_at)],
        ['State', (r) => badge(r.state)],
      ], releases, (r) => ({ test: 'release-row', data: { release: r.release, current: r.current } }), 'no release yet')),
      section('Runs', 'swarm-runs-card', runTable(runs)),
    ];
  });

  // plan a change, see the diff, dispatch it
  const form = h('form', { class: 'plan', test: 'plan-form' },
    h('label', { for: 'size' }, 'Size'), h('input', { id: 'size', name: 'size', type: 'number', min: 0, test: 'plan-size' }),
    h('label', { for: 'version' }, 'Version'), h('input', { id: 'version', name: 'version', test: 'plan-version' }),
    h('label', { for: 'file' }, 'or a swarm file'),
    h('textarea', { id: 'file', name: 'file', test: 'plan-file', placeholder: 'YAML or JSON, as `vr dispatch FILE` reads; empty: the stored swarm with the size and version above' }),
    h('span'), h('span', { class: 'actions' },
      h('button', { type: 'submit', test: 'plan-button' }, 'Plan'),
      h('button', { type: 'button', class: 'primary', test: 'dispatch-button', disabled: true }, 'Dispatch')));
  const planOut = h('div', { test: 'plan-result' });
  const runOut = h('div', { test: 'dispatch-result' });
  const dispatchButton = form.querySelector('[data-test="dispatch-button"]');
  let planned = null;

  const body = () => {
    const text = form.file.value.trim();
    if (text) return [text, text.startsWith('{') ? 'application/json' : 'application/yaml'];
    if (Object.keys(stored.env ?? {}).length > 0) {
      // the API redacts env values: a file built from them would plan another release
      throw new Error('this swarm has env values the API does not show: paste its swarm file to plan a change');
    }
    const s = { ...stored };
    s.size = Number(form.size.value);
    s.version = form.version.value.trim();
    return [JSON.stringify(s), 'application/json'];
  };
  form.addEventListener('input', () => {
    planned = null;
    dispatchButton.disabled = true;
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    fill(planOut, h('p', { class: 'muted' }, 'planning…'));
    try {
      const [text, type] = body();
      const plan = await api('POST', path('/api/swarms', stored.id, 'plan'), text, type);
      fill(planOut, renderPlan(plan));
      planned = [text, type];
      dispatchButton.disabled = false;
    } catch (e) {
      fill(planOut, h('p', { class: 'error', test: 'plan-error' }, e.message));
    }
  });
  dispatchButton.addEventListener('click', async () => {
    if (!planned) return;
    dispatchButton.disabled = true;
    try {
      const res = await api('PUT', path('/api/swarms', stored.id), planned[0], planned[1]);
      runIds.add(res.run);
      const live = progress(res.run);
      follow = live.follow;
      live.setState('pending');
      fill(runOut, h('p', null, 'Run ', link(res.run, 'runs', res.run), ' ', live.state), live.list);
      runOut.dataset.run = res.run;
      p.reload();
    } catch (e) {
      fill(runOut, h('p', { class: 'error', test: 'dispatch-error' }, e.message,
        e.run ? [' (', link(e.run, 'runs', e.run), ')'] : ''));
    }
  });
  let follow = () => {};

  ctx.onEvent((e) => {
    follow(e);
    const mine = e.swarm_id === id || (stored && e.swarm_id === stored.id) || runIds.has(e.run_id)
      || (stored && e.swarm === swarmName(stored));
    if (e.type === 'run_started' && mine) runIds.add(e.run_id);
    if (mine && e.type !== 'build_log') p.reload();
  });
  p.root.append(section('Plan a change', 'plan-card', form, planOut, runOut));
  return p.root;
}

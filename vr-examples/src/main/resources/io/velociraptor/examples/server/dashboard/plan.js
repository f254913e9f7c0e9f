// A plan (`vr plan --json`: one swarm plan, or a rollout plan of waves) as a diff for people:
// + start, - stop, keep, route changes, what cannot be placed and what cannot be seen.
import { h } from './dom.js';

const lower = (s) => String(s ?? '').toLowerCase().replace(/_/g, ' ');
const ref = (r) => (r ? `${r.host}/${r.name}` : '');

function line(kind, ...text) {
  return h('div', { class: kind, test: 'plan-line', data: { kind } }, text.join(''));
}

/** The lines of one swarm plan. */
function swarmPlanLines(p) {
  const out = [];
  const release = p.build_pending ? `build of version ${p.version} pending: a dispatch builds it first`
    : `release ${p.release_hash ?? ''} (version ${p.version ?? ''})`;
  out.push(line('head', `swarm ${p.swarm_name ?? ''} (${p.swarm_id ?? ''}) ${p.deleting ? 'deleted' : `to ${p.target ?? '?'} procs`}, ${release}`));
  for (const s of p.starts ?? []) {
    out.push(line('add', `+   start ${s.host}:${s.port} ${s.name}  (${lower(s.reason)}${s.replaces ? ', replaces ' + ref(s.replaces) : ''})`));
  }
  for (const s of p.stops ?? []) {
    out.push(line('remove', `-   stop  ${s.host} ${s.name} [${s.state ?? ''}]  (${lower(s.reason)}${s.detail ? ': ' + s.detail : ''})`));
  }
  for (const k of p.keeps ?? []) {
    out.push(line('keep', `    keep  ${k.host} ${k.name}  (${lower(k.reason)})`));
  }
  const pool = (r) => (r.pool ? `${r.pool.balancer}/${r.pool.pool}` : '');
  for (const r of p.route_adds ?? []) {
    out.push(line('add', `+   route ${pool(r)} ${r.member}  (${lower(r.reason)})`));
  }
  for (const r of p.route_removes ?? []) {
    out.push(line('remove', `-   route ${pool(r)} ${r.member}  (${lower(r.reason)})`));
  }
  for (const u of p.unplaced ?? []) {
    out.push(line('warn', `!   ${u.count} not placed: ${lower(u.reason)}${u.detail ? ': ' + u.detail : ''}`));
  }
  for (const u of p.unreachable ?? []) {
    out.push(line('warn', `?   host ${u.host} unreachable: ${u.reason}${u.procs?.length ? ` (${u.procs.length} procs unknown)` : ''}`));
  }
  return out;
}

/** Counts of a swarm plan: what a dispatch would change. */
export function summary(plan) {
  const p = plan?.plan ?? plan ?? {};
  const n = (k) => (p[k] ?? []).length;
  const changes = n('starts') + n('stops') + n('route_adds') + n('route_removes');
  return {
    changes,
    text: changes === 0 && !p.build_pending ? 'No change: the swarm is as the file says.'
      : `Plan: ${n('starts')} to start, ${n('stops')} to stop, ${n('keeps')} to keep, `
        + `${n('route_adds')} routes to add, ${n('route_removes')} to remove.`,
  };
}

/** The diff of a plan, one line per change, with a summary line. */
export function renderPlan(plan) {
  const lines = [];
  if (plan && Array.isArray(plan.waves)) {
    lines.push(...swarmPlanLines(plan.plan ?? {}));
    for (const w of plan.waves) {
      const p = w.plan ?? {};
      lines.push(line('head', `wave ${w.number}${w.canary ? ' (canary, then a pause for promote or revert)' : ''}: `
        + `${(p.starts ?? []).length} to start, ${(p.stops ?? []).length} to stop, ${w.in_service ?? '?'} in service`));
    }
  } else {
    lines.push(...swarmPlanLines(plan ?? {}));
  }
  const s = summary(plan);
  return h('div', { class: 'diff', test: 'plan-diff', data: { changes: s.changes } },
    lines, h('div', { class: 'head', test: 'plan-summary' }, s.text));
}

// What every page does: a root element that says when it has loaded (data-loaded, and
// data-renders counting renders, for tests and people alike) and shows a failed load.
import { h, fill } from '../dom.js';
import { refresher } from '../live.js';

/**
 * A page: render() fetches and returns the page's content; it runs now and again on reload().
 * @returns {root, reload}
 */
export function page(test, title, render) {
  const heading = h('h1', null, title);
  const body = h('div');
  const error = h('p', { class: 'error', test: 'page-error', role: 'alert' });
  const root = h('div', { test, data: { loaded: 'false', renders: 0 } }, heading, error, body);
  const reload = refresher(async () => {
    try {
      const content = await render();
      fill(body, content);
      error.textContent = '';
      root.dataset.loaded = 'true';
      root.dataset.renders = String(Number(root.dataset.renders) + 1);
    } catch (e) {
      if (e?.status === 401) return; // the login page replaces this one
      error.textContent = e.message;
    }
  });
  reload();
  return { root, reload, heading };
}

/** A swarm's name as vr forms it: app-config-proc. */
export function swarmName(s) {
  return `${s.app}-${s.config}-${s.proc_type ?? s.proc}`;
}

/** The release hash of one of vr's proc names (app-version-config-hash-proc-port-swarmid). */
export function releaseOf(procName) {
  const f = String(procName).split('-');
  return f.length === 7 ? f[3] : '';
}

/** A swarm's update policy in a few words. */
export function policy(s) {
  const u = s.update;
  if (!u) return 'all at once';
  const parts = [];
  if (u.canary) parts.push(`canary ${u.canary}`);
  if (u.max_parallel) parts.push(`${u.max_parallel} at a time`);
  if (u.max_surge !== undefined) parts.push(`surge ${u.max_surge}`);
  if (u.min_in_service !== undefined) parts.push(`min in service ${u.min_in_service}`);
  if (u.on_failure) parts.push(`on failure ${String(u.on_failure).toLowerCase()}`);
  if (u.auto_revert) parts.push('auto-revert');
  return parts.join(', ') || 'rolling';
}

/** Whether a proc state counts as healthy. */
export const running = (p) => p.state === 'RUNNING';

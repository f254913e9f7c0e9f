// The dashboard of `vr serve`: one page, hash routes, each route a module under pages/.
import { onUnauthorized, login, logout, get, ApiError } from './api.js';
import { h, fill } from './dom.js';
import * as live from './live.js';
import fleet from './pages/fleet.js';
import swarms from './pages/swarms.js';
import swarm from './pages/swarm.js';
import runs from './pages/runs.js';
import run from './pages/run.js';
import procs from './pages/procs.js';
import events from './pages/events.js';

const ROUTES = [
  [/^fleet$/, fleet, 'fleet'],
  [/^swarms$/, swarms, 'swarms'],
  [/^swarms\/([^/]+)$/, swarm, 'swarms'],
  [/^runs$/, runs, 'runs'],
  [/^runs\/([^/]+)$/, run, 'runs'],
  [/^procs$/, procs, 'procs'],
  [/^events$/, events, 'events'],
];

const view = document.getElementById('view');
const nav = document.querySelector('[data-test="nav"]');
const logoutButton = document.querySelector('[data-test="logout"]');
const status = document.querySelector('[data-test="sse-status"]');
let disposers = [];
let loggedOut = false;

/**
 * What a page gets: its route parameters, onEvent(fn) to follow live events while it is shown,
 * and onLeave(fn) for anything else to end when it is left.
 */
function context(params) {
  const ctx = {
    params,
    onEvent: (fn) => disposers.push(live.subscribe(fn)),
    onLeave: (fn) => disposers.push(fn),
  };
  return ctx;
}

function leave() {
  disposers.forEach((d) => d());
  disposers = [];
}

function route() {
  leave();
  const hash = decodeURIComponent(location.hash.replace(/^#\/?/, '')) || 'fleet';
  // a param is matched encoded, then decoded, so an id with a slash stays one param
  const raw = location.hash.replace(/^#\/?/, '') || 'fleet';
  for (const [pattern, page, section] of ROUTES) {
    const m = raw.match(pattern);
    if (m) {
      nav.querySelectorAll('a').forEach((a) => a.classList.toggle('current', a.dataset.route === section));
      const params = m.slice(1).map(decodeURIComponent);
      fill(view, page(context(params)));
      return;
    }
  }
  fill(view, h('section', { class: 'card', test: 'page-missing' }, h('h1', null, 'No such page'),
    h('p', null, 'There is no page ', h('code', null, hash), '. ', h('a', { href: '#/fleet' }, 'Go to the fleet.'))));
}

function showLogin(message) {
  leave();
  live.disconnect();
  nav.hidden = true;
  logoutButton.hidden = true;
  status.hidden = true;
  const token = h('input', {
    type: 'password', name: 'token', id: 'token', test: 'login-token', autocomplete: 'off',
    required: true, spellcheck: 'false', 'aria-label': 'API token',
  });
  const error = h('p', { class: 'error', test: 'login-error', role: 'alert' }, message ?? '');
  const submit = h('button', { type: 'submit', class: 'primary', test: 'login-submit' }, 'Log in');
  // method=post: even if this script failed, the token would go in a body, never in the URL
  const form = h('form', { method: 'post', class: 'card login', test: 'page-login' },
    h('h1', null, 'Log in to vr'),
    h('label', { for: 'token' }, 'API token'), token, submit, error);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    error.textContent = '';
    const value = token.value;
    token.value = '';
    try {
      await login(value);
      await start();
    } catch (e) {
      error.textContent = e instanceof ApiError && e.status === 401
        ? 'That token is not valid: ' + e.message : 'Could not log in: ' + e.message;
      submit.disabled = false;
      token.focus();
    }
  });
  fill(view, form);
  token.focus();
}

/** Shows the pages once the session is known to be good (a 401 shows the login instead). */
async function start() {
  try {
    await get('/api/swarms');
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) {
      fill(view, h('p', { class: 'error', test: 'page-error' }, 'The server did not answer: ' + e.message));
    }
    return;
  }
  loggedOut = false;
  nav.hidden = false;
  logoutButton.hidden = false;
  status.hidden = false;
  live.connect();
  route();
}

onUnauthorized(() => {
  if (!loggedOut) {
    loggedOut = true;
    showLogin('');
  }
});

live.onStatus((s) => {
  status.dataset.state = s;
  status.textContent = s === 'live' ? 'live' : s;
  status.title = s === 'live' ? 'receiving events' : 'live events: ' + s;
});

logoutButton.addEventListener('click', async () => {
  loggedOut = true;
  try {
    await logout();
  } catch {
    // the session is gone either way
  }
  showLogin('Logged out.');
});

window.addEventListener('hashchange', () => {
  if (!loggedOut) route();
});

start();

// The live event stream: one EventSource on /api/events (the session cookie authenticates it).
// When the connection drops the browser reconnects by itself and sends Last-Event-ID, so the
// server replays what was missed. Pages subscribe; each gets every event as parsed JSON.

// SSE delivers a named event only to a listener of that name: these are the names vr sends.
export const EVENT_TYPES = [
  'run_started', 'state_changed', 'build_started', 'build_log', 'build_finished', 'planned',
  'proc_starting', 'proc_started', 'proc_failed', 'uptest_passed', 'uptest_failed', 'routed',
  'unrouted', 'proc_stopped', 'wave_started', 'wave_done', 'warning', 'run_paused', 'run_done',
  'run_failed',
  'reconcile_action', 'reconcile_skipped', 'reconcile_backoff', 'reconcile_error', 'host_lost', 'host_back',
  'periodic_uptest_passed', 'periodic_uptest_failed', 'housekeeping',
];

const subscribers = new Set();
const statusListeners = new Set();
let source = null;
let lastId = '';
let state = 'off';

/**
 * Opens a stream of events: EVENT_TYPES and unnamed ones, each given to onEvent with its SSE id
 * as `sse_id`. The browser reconnects with Last-Event-ID itself.
 * @param url '/api/events' (live) or '/api/events?after=0' (every retained event first)
 */
export function stream(url, onEvent, onState = () => {}) {
  const es = new EventSource(url);
  const deliver = (msg) => {
    let data;
    try {
      data = JSON.parse(msg.data);
    } catch {
      data = { type: msg.type, text: String(msg.data) };
    }
    if (data === null || typeof data !== 'object') data = { type: msg.type, value: data };
    data.type ??= msg.type;
    data.sse_id = msg.lastEventId;
    onEvent(data, msg.lastEventId);
  };
  EVENT_TYPES.forEach((t) => es.addEventListener(t, deliver));
  es.onmessage = deliver;
  es.onopen = () => onState('live');
  es.onerror = () => onState(es.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
  return es;
}

/** Opens the dashboard's stream, once; after a re-login it resumes after the last event seen. */
export function connect() {
  if (source) return;
  const url = lastId ? '/api/events?after=' + encodeURIComponent(lastId) : '/api/events';
  source = stream(url, (e, id) => {
    if (id) lastId = id;
    subscribers.forEach((fn) => fn(e));
  }, setState);
}

/** Closes the stream (at logout). */
export function disconnect() {
  source?.close();
  source = null;
  setState('off');
}

/** fn(event) for every event from now on. @returns the unsubscribe function */
export function subscribe(fn) {
  subscribers.add(fn);
  return () => subscribers.delete(fn);
}

/** fn(state) on every change: 'live', 'reconnecting', 'closed' or 'off'. */
export function onStatus(fn) {
  statusListeners.add(fn);
  fn(state);
}

function setState(s) {
  state = s;
  statusListeners.forEach((fn) => fn(s));
}

/**
 * Runs load() now, and again when asked while it ran (at most one more): many events in a burst
 * cause one reload in flight and one after, not one each.
 */
export function refresher(load) {
  let running = null;
  let again = false;
  const run = async () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await load();
        } while (again);
      } finally {
        running = null;
      }
    })();
    return running;
  };
  return run;
}

/** One line for people saying what an event is, like `vr events` prints. */
export function describe(e) {
  const p = (x) => x ?? '';
  switch (e.type) {
    case 'run_started': return `run ${p(e.run_id)} started for swarm ${p(e.swarm)} (${p(e.swarm_id)})`;
    case 'state_changed': return `${p(e.state)}: ${p(e.message)}`;
    case 'build_started': return `building ${p(e.app)} ${p(e.version)}`;
    case 'build_log': return `  | ${p(e.line)}`;
    case 'build_finished': return `build of ${p(e.app)} ${p(e.version)} ${String(p(e.status)).toLowerCase()}`;
    case 'planned': return `plan: ${p(e.summary)}`;
    case 'proc_starting': return `starting ${p(e.proc)} on ${p(e.host)}:${p(e.port)}`;
    case 'proc_started': return `started ${p(e.proc)} on ${p(e.host)}`;
    case 'proc_failed': return `FAILED ${p(e.proc)} on ${p(e.host)}: ${p(e.reason)}`;
    case 'uptest_passed': return `uptests passed for ${p(e.proc)} on ${p(e.host)}`;
    case 'uptest_failed': return `uptests FAILED for ${p(e.proc)} on ${p(e.host)}`;
    case 'routed': return `routed ${p(e.pool)} to ${p(e.member)}`;
    case 'unrouted': return `removed ${p(e.member)} from ${p(e.pool)}`;
    case 'proc_stopped': return `stopped ${p(e.proc)} on ${p(e.host)} (${p(e.reason)})`;
    case 'wave_started': return `wave ${p(e.wave)}/${p(e.waves)}: ${p(e.summary)}`;
    case 'wave_done': return `wave ${p(e.wave)}/${p(e.waves)} done: ${p(e.summary)}`;
    case 'warning': return `warning: ${p(e.message)}`;
    case 'run_paused': return `paused: ${p(e.message)}`;
    case 'run_done': return `done: ${p(e.summary)}`;
    case 'run_failed': return `FAILED in ${p(e.state)}: ${p(e.reason)}`;
    default: {
      // reconciler and uptest events: say what they carry, in a stable order
      const skip = new Set(['type', 'sse_id', 'at']);
      return Object.keys(e).filter((k) => !skip.has(k)).sort()
        .map((k) => `${k}=${typeof e[k] === 'object' ? JSON.stringify(e[k]) : e[k]}`).join(' ');
    }
  }
}

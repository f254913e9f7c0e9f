// Building DOM from data. Every value goes in as a Text node or an attribute, never as HTML:
// there is no innerHTML anywhere in the dashboard, so a hostile proc or swarm name stays text.

/**
 * An element: h('td', {class: 'x', test: 'proc-state'}, 'RUNNING').
 * Props: class, test (data-test), data (other data-* attributes), on* (listeners), or attributes.
 * Children: nodes, strings, numbers or arrays of them; null, undefined and false are skipped.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'test') el.dataset.test = v;
    else if (k === 'data') Object.entries(v).forEach(([dk, dv]) => { el.dataset[dk] = String(dv); });
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  add(el, children);
  return el;
}

function add(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces the children of el. */
export function fill(el, ...children) {
  el.replaceChildren();
  add(el, children);
  return el;
}

/** A link to a dashboard route; the parts are encoded, so the href is always '#/...'. */
export function link(text, ...parts) {
  return h('a', { href: '#/' + parts.map((p) => encodeURIComponent(String(p))).join('/') }, text);
}

/**
 * A table: columns are [title, cell] where cell(row) gives a node or text; rowProps(row) gives
 * the row's props (its data-test and keys). An empty list says so instead of showing no rows.
 */
export function table(test, columns, rows, rowProps = () => ({}), empty = '(none)') {
  const head = h('tr', null, columns.map(([title]) => h('th', null, title)));
  const body = rows.length === 0
    ? [h('tr', null, h('td', { colspan: columns.length, class: 'empty' }, empty))]
    : rows.map((r) => h('tr', rowProps(r), columns.map(([title, cell]) =>
      h('td', { data: { col: title.toLowerCase().replace(/\W+/g, '-') } }, cell(r)))));
  return h('table', { test }, h('thead', null, head), h('tbody', null, body));
}

/** A state badge: its class says ok, bad, busy or idle, its text is the state. */
export function badge(state, test) {
  const s = String(state ?? '');
  const cls = /^(running|done|ok|success|passed|reachable|true)$/i.test(s) ? 'ok'
    : /^(fatal|exited|backoff|failed|unknown|unreachable|false|reverted)$/i.test(s) ? 'bad'
      : /^(stopped|)$/i.test(s) ? 'idle' : 'busy';
  return h('span', { class: 'badge ' + cls, test }, s || '-');
}

/** 3725 -> '1h2m'; '' or null -> ''. */
export function duration(seconds) {
  if (typeof seconds !== 'number') return '';
  const t = Math.max(0, Math.floor(seconds));
  if (t >= 3600) return `${Math.floor(t / 3600)}h${Math.floor((t % 3600) / 60)}m`;
  if (t >= 60) return `${Math.floor(t / 60)}m${t % 60}s`;
  return `${t}s`;
}

/** An ISO time as the browser's local date and time, with the ISO text as its title. */
export function time(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return h('time', { datetime: iso, title: iso }, d.toLocaleString());
}

/** A section with a heading. */
export function section(title, test, ...children) {
  return h('section', { class: 'card', test }, h('h2', null, title), children);
}

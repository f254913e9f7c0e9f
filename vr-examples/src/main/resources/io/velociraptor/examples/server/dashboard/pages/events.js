// Events: the server's retained events, then live ones, newest first.
import { h, link } from '../dom.js';
import { stream, describe } from '../live.js';

const KEEP = 500;

/** The events page. */
export default function events(ctx) {
  const filter = h('input', { type: 'search', placeholder: 'filter by type or text', test: 'events-filter' });
  const list = h('tbody');
  const root = h('div', { test: 'page-events', data: { loaded: 'false', count: 0 } },
    h('h1', null, 'Events'),
    h('section', { class: 'card' }, filter,
      h('table', { test: 'events' }, h('thead', null, h('tr', null,
        ['Id', 'At', 'Type', 'Run', 'What'].map((t) => h('th', null, t)))), list)));
  const matches = (row) => !filter.value || row.textContent.toLowerCase().includes(filter.value.toLowerCase());
  filter.addEventListener('input', () => {
    for (const row of list.children) row.hidden = !matches(row);
  });
  const es = stream('/api/events?after=0', (e) => {
    const row = h('tr', { test: 'event-row', data: { type: e.type, id: e.sse_id ?? '' } },
      h('td', null, e.sse_id ?? ''), h('td', null, String(e.at ?? '').replace('T', ' ').slice(0, 19)),
      h('td', null, h('code', null, e.type)), h('td', null, e.run_id ? link(e.run_id, 'runs', e.run_id) : ''),
      h('td', { class: 'mono' }, describe(e)));
    row.hidden = !matches(row);
    list.prepend(row);
    while (list.childElementCount > KEEP) list.lastChild.remove();
    root.dataset.count = String(Number(root.dataset.count) + 1);
  }, (s) => {
    if (s === 'live') root.dataset.loaded = 'true';
  });
  ctx.onLeave(() => es.close());
  return root;
}

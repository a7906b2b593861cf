/*
 * The live feed, newest first, capped at MAX_ROWS. Each row shows the
 * id, topic (when known: the frame's "topic:" line, or the only topic
 * subscribed), type, data, arrival time and the verdicts: replayed, gap,
 * duplicate, out of order. Notices (resets, reconnects, topic changes)
 * are rows of their own.
 *
 * "Load earlier events" asks props.onEarlier(before) for a page of
 * history (GET /events, newest first) below the oldest event shown and
 * adds it at the bottom, marked "earlier"; next === null means there is
 * nothing older (or retention removed it).
 *
 * props: {onEarlier(before) => Promise<{events, next}>, cursor()};
 * state: {topics}, {watching} (an element shown under the title).
 */
import { Component, h } from './component.js';

const MAX_ROWS = 200;

export class EventFeed extends Component {
  render() {
    /* Focusable, so the keyboard can scroll it. */
    this.list = h('ol', { class: 'feed', tabindex: 0,
        'aria-label': 'Events, newest first' });
    this.count = h('span', { class: 'muted' });
    this.earlier = h('button', { type: 'button', class: 'earlier',
        onclick: () => this.loadEarlier() }, 'Load earlier events');
    this.earlierStatus = h('span', { class: 'form-status',
        role: 'status' });
    this.cap = MAX_ROWS;
    this.oldest = null;	/* lowest event id shown */
    this.topicsShown = null;
    return h('section', { class: 'panel feed-panel',
        'aria-labelledby': 'feed-title' },
        h('h2', { id: 'feed-title' }, 'Live feed ', this.count),
        this.props.watching ?? null,
        this.list,
        h('div', { class: 'earlier-row' }, this.earlier,
      this.earlierStatus));
  }

  update() {
    this.count.textContent = `(${this.state.rendered ?? 0} events)`;
    /* Another topic set: its history starts over. */
    const key = JSON.stringify(this.state.topics ?? []);
    if (this.topicsShown !== key) {
      this.topicsShown = key;
      this.oldest = null;
      this.cap = MAX_ROWS;
      this.earlier.disabled = false;
      this.earlier.textContent = 'Load earlier events';
      this.earlierStatus.textContent = '';
    }
  }

  add(events) {
    for (const ev of events) {
      this.list.prepend(row(ev));
      this.noteOldest(ev.id);
    }
    this.trim();
    this.setState({ rendered: (this.state.rendered ?? 0) +
        events.length });
  }

  noteOldest(id) {
    if (this.oldest === null || id < this.oldest)
      this.oldest = id;
  }

  async loadEarlier() {
    const cursor = this.props.cursor?.();
    const before = this.oldest ?? (cursor === null ||
        cursor === undefined ? Number.MAX_SAFE_INTEGER : cursor + 1);
    this.earlier.disabled = true;
    this.earlier.textContent = 'Loading…';
    try {
      const page = await this.props.onEarlier(before);
      for (const ev of page.events) {
        this.list.append(row({ ...ev, earlier: true }));
        this.noteOldest(ev.id);
      }
      this.cap += page.events.length;
      this.earlierStatus.textContent = page.events.length ?
          `${page.events.length} earlier events loaded` : '';
      this.setState({ rendered: (this.state.rendered ?? 0) +
          page.events.length });
      this.earlier.disabled = page.next === null;
      this.earlier.textContent = page.next === null ?
          'No earlier events' : 'Load earlier events';
    } catch (err) {
      this.earlier.disabled = false;
      this.earlier.textContent = 'Load earlier events';
      this.earlierStatus.textContent = `Could not load: ${
          err.message}`;
    }
  }

  note(text) {
    this.list.prepend(h('li', { class: 'note' },
        h('time', null, clock(Date.now())), h('span', null, text)));
    this.trim();
  }

  trim() {
    while (this.list.children.length > this.cap)
      this.list.lastElementChild.remove();
  }
}

function row(ev) {
  const marks = [];
  if (ev.replayed)
    marks.push(h('span', { class: 'tag replayed' }, 'replayed'));
  if (ev.earlier)
    marks.push(h('span', { class: 'tag earlier' }, 'earlier'));
  if (ev.flag) {
    marks.push(h('span', { class: 'tag flag' },
        `${ev.flag}: ${ev.detail}`));
  }
  return h('li', { class: ev.flag ? 'event flagged' : 'event',
      'data-id': ev.id },
      h('span', { class: 'id' }, `#${ev.id}`),
      h('span', { class: 'kind' }, ev.topic ? [h('span',
    { class: 'topic' }, ev.topic), ' · '] : null, ev.event),
      ev.at ? h('time', { datetime: new Date(ev.at).toISOString() },
    clock(ev.at)) : h('span', { class: 'stored' }, 'stored'),
      h('span', { class: 'data' }, ev.data),
      marks.length ? h('span', { class: 'marks' }, marks) : null);
}

/* "14:03:07.123", local time: arrival to the millisecond. */
function clock(ms) {
  const d = new Date(ms);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:` +
      `${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/*
 * Connection state as this browser sees it (the client library's
 * 'state' events), and this tab's counters. While reconnecting a
 * one-second timer keeps "down for" honest even when no message arrives.
 */
import { Component, h } from './component.js';

/*
 * The protocol this page came over: the stream shares the origin, so over
 * an HTTP/2 front it is one more stream of the same h2 connection.
 */
function pageProtocol() {
  const nav = performance.getEntriesByType?.('navigation')[0];
  return nav?.nextHopProtocol || 'unknown';
}

const LABEL = {
  connecting: 'Connecting',
  open: 'Open',
  reconnecting: 'Reconnecting',
  closed: 'Closed',
};

export class StatusPanel extends Component {
  render() {
    /* Only the phase is a live region: the timer would chatter. */
    this.badge = h('span', { class: 'badge', role: 'status' });
    this.detail = h('span', { class: 'badge-detail' });
    this.values = {};
    const row = (key, label) => [h('dt', null, label),
        this.values[key] = h('dd', { 'data-stat': key })];
    return h('section', { class: 'panel status',
        'aria-labelledby': 'status-title' },
        h('h2', { id: 'status-title' }, 'Connection'),
        h('p', { class: 'state' },
      this.badge, this.detail),
        h('dl', { class: 'stats' },
      row('lastId', 'Last event id'),
      row('heartbeats', 'Heartbeats seen'),
      row('gaps', 'Gaps flagged'),
      row('disorder', 'Dup / out of order'),
      row('drops', 'Drops'),
      row('mode', 'Stream'),
      row('protocol', 'Protocol')));
  }

  update() {
    const s = this.state;
    const state = s.state ?? 'closed';
    /* Upper case, as the tests and the style sheet know it. */
    this.el.dataset.phase = state.toUpperCase();
    this.badge.textContent = LABEL[state];
    this.detail.textContent = this.detailText(s);
    this.values.lastId.textContent = s.lastId ?? '—';
    this.values.heartbeats.textContent = s.heartbeats ?? 0;
    this.values.gaps.textContent = s.gaps ?? 0;
    this.values.disorder.textContent = s.disorder ?? 0;
    this.values.drops.textContent = s.drops ?? 0;
    this.values.mode.textContent = s.mode === 'shared' ?
        'shared by tabs' : 'this tab only';
    this.values.protocol.textContent = pageProtocol();
    this.el.classList.toggle('alert', (s.gaps ?? 0) +
        (s.disorder ?? 0) > 0);
    this.tick(state === 'reconnecting');
  }

  detailText(s) {
    if (s.state !== 'reconnecting')
      return s.state === 'open' ? 'live' : s.error ?? '';
    const down = Math.round((Date.now() - s.since) / 1000);
    const why = s.error ? ` · ${s.error}` : '';
    return `attempt ${s.attempt} · down ${down} s${why}`;
  }

  tick(on) {
    if (on && this.timer === undefined)
      this.timer = setInterval(() => this.update(), 1000);
    else if (!on && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

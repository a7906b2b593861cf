/*
 * The live feed, newest first, capped at MAX_ROWS. Each row shows the
 * id, topic (when known: the frame's "topic:" line, or the only topic
 * subscribed), type, data, arrival time and the verdicts: replayed, gap,
 * duplicate, out of order. Notices (resets, reconnects, topic changes)
 * are rows of their own.
 */
import { Component, h } from './component.js';

const MAX_ROWS = 200;

export class EventFeed extends Component {
	render() {
		/* Focusable, so the keyboard can scroll it. */
		this.list = h('ol', { class: 'feed', tabindex: 0,
		    'aria-label': 'Events, newest first' });
		this.count = h('span', { class: 'muted' });
		return h('section', { class: 'panel feed-panel',
		    'aria-labelledby': 'feed-title' },
		    h('h2', { id: 'feed-title' }, 'Live feed ', this.count),
		    this.list);
	}

	update() {
		this.count.textContent = `(${this.state.rendered ?? 0} events)`;
	}

	add(events) {
		for (const ev of events)
			this.list.prepend(row(ev));
		this.trim();
		this.setState({ rendered: (this.state.rendered ?? 0) +
		    events.length });
	}

	note(text) {
		this.list.prepend(h('li', { class: 'note' },
		    h('time', null, clock(Date.now())), h('span', null, text)));
		this.trim();
	}

	trim() {
		while (this.list.children.length > MAX_ROWS)
			this.list.lastElementChild.remove();
	}
}

function row(ev) {
	const marks = [];
	if (ev.replayed)
		marks.push(h('span', { class: 'tag replayed' }, 'replayed'));
	if (ev.flag) {
		marks.push(h('span', { class: 'tag flag' },
		    `${ev.flag}: ${ev.detail}`));
	}
	return h('li', { class: ev.flag ? 'event flagged' : 'event',
	    'data-id': ev.id },
	    h('span', { class: 'id' }, `#${ev.id}`),
	    h('span', { class: 'kind' }, ev.topic ? [h('span',
		{ class: 'topic' }, ev.topic), ' · '] : null, ev.event),
	    h('time', { datetime: new Date(ev.at).toISOString() },
		clock(ev.at)),
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

/*
 * Serves one Stream to any number of tabs over MessagePorts. The
 * SharedWorker attaches every tab's port; without SharedWorker a tab
 * attaches one end of a MessageChannel to a hub of its own, so both
 * paths run this same code.
 *
 * Tab -> hub: {type: 'hello', topics, lastId}, {type: 'topics', topics},
 * {type: 'bye'}. Hub -> tab: what Stream emits.
 */
import { Stream } from './stream.js';

const RECENT_MAX = 500;

export function createHub() {
	const ports = new Set();
	/* The newest events, for a tab that (re)opens while we stream. */
	const recent = [];
	const stream = new Stream((msg) => {
		if (msg.type === 'events')
			keep(recent, msg.events);
		for (const port of ports)
			port.postMessage(msg);
	});

	function hello(port, { topics, lastId }) {
		stream.start(topics, lastId);
		port.postMessage({ type: 'state', state: stream.snapshot() });
		/*
		 * The tab's cursor (the last id any tab of this browser
		 * rendered) may be behind us, say across a reload: send
		 * what it missed from memory, as replayed events.
		 */
		const missed = lastId === null ? [] :
		    recent.filter((ev) => ev.id > lastId);
		if (missed.length > 0) {
			port.postMessage({ type: 'events', events: missed.map(
			    (ev) => ({ ...ev, replayed: true })) });
		}
	}

	/* A tab back from the back/forward cache says hello again. */
	function attach(port) {
		port.onmessage = ({ data }) => {
			if (data.type === 'hello') {
				ports.add(port);
				hello(port, data);
			} else if (data.type === 'topics') {
				stream.setTopics(data.topics);
			} else if (data.type === 'bye') {
				ports.delete(port);
			}
		};
	}

	return { attach };
}

function keep(recent, events) {
	recent.push(...events);
	if (recent.length > RECENT_MAX)
		recent.splice(0, recent.length - RECENT_MAX);
}

/*
 * The tab's handle on the stream: a port to the SharedWorker, or to a
 * hub of its own where SharedWorker is missing or fails to load. It also
 * remembers, across reloads, the last id this browser rendered and the
 * topics, so the next first load resumes there without a hole.
 */
import { createHub } from './stream-hub.js';

const KEY = 'ssehub.cursor';

export function connect(onMessage) {
	const saved = load();
	const conn = { mode: '', port: null };

	function use(port, mode) {
		conn.port = port;
		conn.mode = mode;
		port.onmessage = (e) => onMessage(e.data);
		port.postMessage({ type: 'hello', ...saved });
	}

	const worker = sharedWorker();
	if (worker !== null) {
		/* A worker script that cannot load fails here, later. */
		worker.onerror = () => use(localPort(), 'per-tab');
		use(worker.port, 'shared');
	} else {
		use(localPort(), 'per-tab');
	}
	addEventListener('pagehide', () => conn.port.postMessage(
	    { type: 'bye' }));
	addEventListener('pageshow', (e) => {
		if (e.persisted)
			conn.port.postMessage({ type: 'hello', ...saved });
	});

	return {
		get mode() { return conn.mode; },
		setTopics(topics) {
			conn.port.postMessage({ type: 'topics', topics });
		},
		/* Called after rendering, so the id was really shown. */
		remember(lastId, topics) {
			saved.lastId = lastId;
			saved.topics = topics;
			try {
				localStorage.setItem(KEY, JSON.stringify(saved));
			} catch {
				/* Storage off or full: resume is lost, not the page. */
			}
		},
	};
}

function sharedWorker() {
	if (typeof SharedWorker !== 'function')
		return null;
	try {
		return new SharedWorker(new URL('./stream-worker.js',
		    import.meta.url), { type: 'module', name: 'ssehub-stream' });
	} catch {
		return null;
	}
}

function localPort() {
	const channel = new MessageChannel();
	createHub().attach(channel.port1);
	return channel.port2;
}

function load() {
	try {
		const v = JSON.parse(localStorage.getItem(KEY));
		if (Number.isSafeInteger(v?.lastId) && Array.isArray(v.topics))
			return { lastId: v.lastId, topics: v.topics };
	} catch {
		/* Unreadable: start live, on all topics. */
	}
	return { lastId: null, topics: [] };
}

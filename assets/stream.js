/*
 * The one owner of the server connection. It reads /stream with fetch
 * (see sse-parser.js for why not EventSource), reconnects after the
 * server's retry delay with the last id as cursor, and judges every
 * event once (gap, duplicate, replayed) so all tabs show one verdict.
 * It runs in the SharedWorker, or in the tab when that is missing.
 *
 * Replayed or live? The server sends what a resumed cursor missed first,
 * back to back, then live events, but it does not mark the boundary
 * (heartbeats do not: they run on a per-worker timer and also reach
 * streams that are still catching up). So on a resumed connection the
 * events that arrive in the opening burst are marked replayed: each one
 * within REPLAY_QUIET_MS of the open or of the event before it. The
 * first pause ends the replay. It errs only at the edges: a live event
 * landing inside the burst is called replayed, and a replay that stalls
 * longer than REPLAY_QUIET_MS (a slow store) has its rest called live.
 *
 * Gaps: ids are global and consecutive, so with no topic filter a
 * skipped id is a real loss. With a filter only order can be checked.
 */
import { SseParser } from './sse-parser.js';

const REPLAY_QUIET_MS = 100;
const SEEN_MAX = 2048;	/* ids remembered to tell duplicates from disorder */

export class Stream {
	/* emit(msg) receives {type: 'state'|'events'|'notice', ...}. */
	constructor(emit) {
		this.emit = emit;
		this.topics = [];
		this.lastId = null;
		this.seen = new Set();
		this.retryMs = 2000;
		this.phase = 'IDLE';
		this.attempt = 0;	/* the reconnect under way or next */
		this.droppedAt = null;
		this.drops = 0;
		this.heartbeats = 0;
		this.gaps = 0;
		this.disorder = 0;
		this.error = '';
		this.abort = null;
	}

	/* Starts once; later calls (more tabs) leave the stream as it is. */
	start(topics, lastId) {
		if (this.abort !== null)
			return;
		this.topics = topics;
		this.lastId = lastId;
		this.restart();
	}

	setTopics(topics) {
		this.topics = topics;
		this.emit({ type: 'notice', text: topics.length === 0 ?
		    'Subscribed to all topics' :
		    `Subscribed to ${topics.join(', ')}` });
		this.restart();
	}

	snapshot() {
		const { phase, attempt, droppedAt, drops, topics, lastId,
		    heartbeats, gaps, disorder, error } = this;
		return { phase, attempt, droppedAt, drops, topics, lastId,
		    heartbeats, gaps, disorder, error };
	}

	restart() {
		this.abort?.abort();
		this.abort = new AbortController();
		this.run(this.abort.signal);
	}

	publishState() {
		this.emit({ type: 'state', state: this.snapshot() });
	}

	url() {
		const q = new URLSearchParams();
		for (const t of this.topics)
			q.append('topic', t);
		if (this.lastId !== null)
			q.set('last_event_id', String(this.lastId));
		const s = q.toString();
		return s ? `/stream?${s}` : '/stream';
	}

	async run(signal) {
		while (!signal.aborted) {
			this.phase = this.droppedAt === null ?
			    'CONNECTING' : 'RECONNECTING';
			this.publishState();
			try {
				await this.read(signal);
				this.error = 'the server ended the stream';
			} catch (err) {
				if (signal.aborted)
					return;
				this.error = err.message;
			}
			if (this.droppedAt === null) {
				this.droppedAt = Date.now();
				this.drops++;
			}
			this.attempt++;
			this.phase = 'RECONNECTING';
			this.publishState();
			await sleep(this.retryMs, signal);
		}
	}

	async read(signal) {
		const res = await fetch(this.url(), { signal, cache: 'no-store',
		    headers: { accept: 'text/event-stream' } });
		const type = res.headers.get('content-type') ?? '';
		if (!res.ok || !type.startsWith('text/event-stream')) {
			res.body?.cancel();	/* free the connection */
			throw new Error(`HTTP ${res.status}`);
		}

		this.opened();
		let batch = [];
		const parser = new SseParser({
			event: (ev) => this.accept(ev, batch),
			comment: (text) => this.comment(text),
			retry: (ms) => { this.retryMs = ms; },
		});
		const reader = res.body.pipeThrough(new TextDecoderStream())
		    .getReader();
		for (;;) {
			const { value, done } = await reader.read();
			if (done)
				return;
			parser.push(value);
			if (batch.length > 0) {
				this.emit({ type: 'events', events: batch });
				this.publishState();
				batch = [];
			}
		}
	}

	opened() {
		if (this.droppedAt !== null) {
			const s = ((Date.now() - this.droppedAt) / 1000).toFixed(1);
			this.emit({ type: 'notice', text: `Reconnected after ` +
			    `${s} s and ${this.attempt} attempt(s), resuming ` +
			    `after id ${this.lastId ?? 'none'}` });
		}
		this.replaying = this.lastId !== null;
		this.lastArrival = Date.now();
		this.phase = 'OPEN';
		this.attempt = 0;
		this.droppedAt = null;
		this.error = '';
		this.publishState();
	}

	comment(text) {
		if (text !== 'heartbeat')
			return;
		this.heartbeats++;
		this.publishState();
	}

	/* Judges one event and adds it to the batch the tabs will get. */
	accept(ev, batch) {
		const at = Date.now();
		const id = Number(ev.id);
		if (ev.type === 'reset')
			return this.reset(id, ev.data);

		this.replaying = this.replaying &&
		    at - this.lastArrival <= REPLAY_QUIET_MS;
		this.lastArrival = at;
		batch.push({ id, type: ev.type, data: ev.data, at,
		    replayed: this.replaying, ...this.verdict(id) });
		this.remember(id);
	}

	/* {flag, detail} when id breaks the order, or a gap is proven. */
	verdict(id) {
		const last = this.lastId;
		if (last === null || !Number.isSafeInteger(id))
			return {};
		if (id <= last) {
			this.disorder++;
			return this.seen.has(id) ?
			    { flag: 'duplicate', detail: `id ${id} again` } :
			    { flag: 'out of order',
			      detail: `id ${id} after ${last}` };
		}
		if (this.topics.length === 0 && id > last + 1) {
			this.gaps++;
			const n = id - last - 1;
			return { flag: 'gap', detail: n === 1 ?
			    `id ${last + 1} missing` :
			    `ids ${last + 1}–${id - 1} missing (${n})` };
		}
		return {};
	}

	remember(id) {
		if (!Number.isSafeInteger(id))
			return;
		if (this.lastId === null || id > this.lastId)
			this.lastId = id;
		this.seen.add(id);
		for (const old of this.seen) {
			if (this.seen.size <= SEEN_MAX)
				break;
			this.seen.delete(old);
		}
	}

	/*
	 * The server could not honour the cursor (too old, unknown or
	 * malformed): its frame's id is the cursor to go on from and its
	 * data the oldest id kept. Ids restart from there, so this is no
	 * gap and the ids after it are no disorder.
	 */
	reset(id, oldest) {
		this.emit({ type: 'notice', text: `The server reset the ` +
		    `cursor ${this.lastId ?? ''}: oldest kept id is ${oldest}` });
		this.lastId = Number.isSafeInteger(id) ? id : null;
		this.seen.clear();
	}
}

function sleep(ms, signal) {
	return new Promise((resolve) => {
		const t = setTimeout(resolve, ms);
		signal.addEventListener('abort', () => {
			clearTimeout(t);
			resolve();
		}, { once: true });
	});
}

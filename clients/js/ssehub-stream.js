/*
 * The one network stream: GET /stream read with fetch and parsed by
 * sse-parser.js, reopened after every failure with the cursor the hub
 * gives it. EventSource is not used: it cannot send a token in a header,
 * hides heartbeats, and waits forever on a half-open connection.
 *
 * - Watchdog: the server writes ": heartbeat" every SSEHUB_HEARTBEAT_MS,
 *   so no byte for 2.5 periods means the connection is dead, even if TCP
 *   has not noticed. The period is `heartbeatMs` (15 s, the server's
 *   default) until two heartbeats in a row have been seen on one
 *   connection; then the gap between them, which is the server's
 *   setting. Until then a watchdog that fires doubles the guess (up to
 *   5 min), so a server with a longer heartbeat costs one reconnect, not
 *   one every 2.5 guesses.
 * - Back-off: the server's `retry:` (2 s by default), doubled at each
 *   failed attempt up to 15 s (or `retry:` if longer), times a random
 *   factor in [0.5, 1.5) so that clients do not return all at once. An
 *   'online' event (the device got a network back) cuts the wait short.
 * - Tokens: `getToken()` is awaited before every connection. A 401 or 403
 *   with getToken retries with a fresh token; without it, it is final.
 * - Replayed or live: the server does not mark where a replay ends, so on
 *   a connection with a cursor, events that arrive back to back (each
 *   within REPLAY_QUIET_MS of the open or of the one before) are called
 *   replayed; the first pause ends the replay.
 */
import { SseParser } from './sse-parser.js';

const REPLAY_QUIET_MS = 100;
const BACKOFF_CAP_MS = 15000;
const WATCHDOG_PERIODS = 2.5;
const HEARTBEAT_MAX_MS = 300000;

/** The watchdog's verdict on a silent connection. */
class SilentError extends Error {}

/** An error after which reconnecting cannot help. */
class FinalError extends Error {}

export class Stream {
  /**
   * @param {object} o
   * @param {string} o.url the server's base URL
   * @param {() => Promise<?string>} o.getToken
   * @param {() => {topics: ?string[], cursor: ?number}} o.target
   *     where to (re)connect: asked before every attempt
   * @param {(topics: ?string[], cursor: ?number) => void} o.opened
   * @param {(ev: object) => void} o.event one parsed event, with
   *     id (a number), topic, type, data and replayed
   * @param {() => void} o.flush after the events of one read
   * @param {(state: object) => void} o.state
   * @param {number} [o.heartbeatMs]
   * @param {typeof fetch} [o.fetch]
   */
  constructor(o) {
    this.o = o;
    this.fetch = o.fetch ?? globalThis.fetch.bind(globalThis);
    this.heartbeatMs = o.heartbeatMs ?? 15000;
    this.retryMs = 2000;
    this.lastBeat = null;
    this.learned = false;	/* heartbeatMs seen on the wire */
    this.abort = null;
    this.wake = null;
    globalThis.addEventListener?.('online', () => this.wake?.());
    this.info = { state: 'closed', attempt: 0, since: null,
        error: '', heartbeats: 0, drops: 0, topics: null };
  }

  /** (Re)connects now, wherever target() says. */
  restart() {
    this.abort?.abort();
    this.abort = new AbortController();
    this.run(this.abort.signal);
  }

  close() {
    this.abort?.abort();
    this.abort = null;
    this.set({ state: 'closed' });
  }

  set(patch) {
    Object.assign(this.info, patch);
    this.o.state({ ...this.info });
  }

  async run(signal) {
    while (!signal.aborted) {
      this.set({ state: this.info.since === null ?
          'connecting' : 'reconnecting' });
      try {
        await this.read(signal);
        if (signal.aborted)
          return;	/* restarted or closed */
        this.info.error = 'the server ended the stream';
      } catch (err) {
        if (signal.aborted)
          return;
        if (err instanceof FinalError) {
          this.set({ state: 'closed',
              error: err.message });
          return;
        }
        this.info.error = err.message;
      }
      if (this.info.since === null)
        this.set({ since: Date.now(),
            drops: this.info.drops + 1 });
      this.set({ state: 'reconnecting',
          attempt: this.info.attempt + 1 });
      await new Promise((resolve) => {
        this.wake = resolve;
        sleep(this.backoff(), signal).then(resolve);
      });
      this.wake = null;
    }
  }

  /** @returns {number} ms before the next attempt */
  backoff() {
    const n = Math.min(this.info.attempt - 1, 10);
    const cap = Math.max(BACKOFF_CAP_MS, this.retryMs);
    return Math.min(cap, this.retryMs * 2 ** n) *
        (0.5 + Math.random());
  }

  url(topics, cursor, token) {
    const q = new URLSearchParams();
    for (const t of topics ?? [])
      q.append('topic', t);
    if (cursor !== null)
      q.set('last_event_id', String(cursor));
    const s = q.toString();
    return new URL(s ? `/stream?${s}` : '/stream', this.o.url);
  }

  async read(outer) {
    const token = await this.o.getToken();
    const { topics, cursor } = this.o.target();
    const ctl = new AbortController();
    const stop = () => ctl.abort();
    outer.addEventListener('abort', stop, { once: true });
    const dog = watchdog(() => this.deadline(), () => ctl.abort(
        new SilentError('no data for ' + Math.round(
        this.deadline() / 1000) + ' s: the connection is dead')));
    try {
      const headers = { accept: 'text/event-stream' };
      if (token)
        headers.authorization = `Bearer ${token}`;
      const res = await this.fetch(this.url(topics, cursor),
          { signal: ctl.signal, cache: 'no-store', headers,
          credentials: 'same-origin' });
      check(res, this.o.canRefresh?.());
      this.o.opened(topics, cursor);
      this.set({ state: 'open', attempt: 0, since: null,
          error: '', topics });
      await this.consume(res, cursor !== null, ctl.signal,
          dog.feed);
      if (ctl.signal.aborted && !outer.aborted)
        throw ctl.signal.reason;	/* the watchdog */
    } catch (err) {
      throw ctl.signal.reason instanceof Error &&
          !outer.aborted ? ctl.signal.reason : err;
    } finally {
      if (ctl.signal.reason instanceof SilentError &&
          !this.learned)
        this.heartbeatMs = Math.min(this.heartbeatMs * 2,
            HEARTBEAT_MAX_MS);
      dog.stop();
      outer.removeEventListener('abort', stop);
    }
  }

  deadline() {
    return this.heartbeatMs * WATCHDOG_PERIODS;
  }

  async consume(res, resumed, signal, feed) {
    this.lastBeat = null;
    let replaying = resumed;
    let last = Date.now();
    const parser = new SseParser({
      event: (ev) => {
        const now = Date.now();
        replaying = replaying &&
            now - last <= REPLAY_QUIET_MS;
        last = now;
        this.o.event({ ...ev, id: Number(ev.id),
            replayed: replaying });
      },
      comment: (text) => this.beat(text),
      retry: (ms) => { this.retryMs = ms; },
    });
    const reader = res.body.pipeThrough(new TextDecoderStream())
        .getReader();
    signal.addEventListener('abort', () => reader.cancel()
        .catch(() => {}), { once: true });
    for (;;) {
      const { value, done } = await reader.read();
      if (done || signal.aborted)
        return;
      feed();
      parser.push(value);
      this.o.flush();
    }
  }

  /* Learns the server's heartbeat period from two in a row. */
  beat(text) {
    if (text !== 'heartbeat')
      return;
    const now = Date.now();
    if (this.lastBeat !== null && now - this.lastBeat >= 50) {
      this.heartbeatMs = now - this.lastBeat;
      this.learned = true;
    }
    this.lastBeat = now;
    this.set({ heartbeats: this.info.heartbeats + 1 });
  }
}

/* Throws for an answer that is not an event stream. */
function check(res, canRefresh) {
  const type = res.headers.get('content-type') ?? '';
  if (res.ok && type.startsWith('text/event-stream'))
    return;
  res.body?.cancel().catch(() => {});	/* free the connection */
  const msg = `HTTP ${res.status}`;
  if (res.status === 400 || ((res.status === 401 ||
      res.status === 403) && !canRefresh))
    throw new FinalError(msg);
  throw new Error(msg);
}

/*
 * Calls fire() when feed() has not been called for deadline() ms; the
 * deadline is read again at each check, as it is learned.
 */
function watchdog(deadline, fire) {
  let fed = Date.now();
  let timer = null;
  const arm = () => {
    const left = fed + deadline() - Date.now();
    timer = left <= 0 ? null : setTimeout(arm, left);
    if (timer === null)
      fire();
  };
  arm();
  return {
    feed() { fed = Date.now(); },
    stop() { clearTimeout(timer); },
  };
}

function sleep(ms, signal) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/*
 * ssehub's client: one stream per browser and server, shared by every
 * tab and subscription, each event delivered exactly once to each
 * subscription of its topic, across reconnects, reloads and crashes.
 *
 *   import { connect } from '/ssehub.js';
 *   const hub = connect({ url: 'https://host:8443', token });
 *   const sub = hub.subscribe(['chat'], (ev) => show(ev), { last: 20 });
 *
 * The stream lives in a SharedWorker (ssehub-worker.js) that every tab of
 * the origin attaches to; where SharedWorker is missing or cannot load,
 * and in Node, this tab runs a hub of its own (ssehub-hub.js), the same
 * code. Each subscription's cursor is kept in localStorage (per origin,
 * per server and topic set), written after its callback returns, so a
 * page that reloads or crashes resumes right after the last event it
 * handled.
 */
import { createHub } from './ssehub-hub.js';
import { cursorKey, topicSet } from './ssehub-router.js';

/** The version of ssehub (the file VERSION) this client comes with. */
export const VERSION = '0.14.0';

/**
 * @typedef {object} ConnectOptions
 * @property {string} [url] the server, e.g. 'https://host:8443'; in a
 *     browser, the page's origin by default
 * @property {string} [token] a subscribe token for private topics
 * @property {() => Promise<string>} [getToken] called before each
 *     connection and after the server refused a token
 * @property {number} [heartbeatMs] the server's heartbeat until it is
 *     learned from the stream (15000)
 * @property {{getItem(k: string): ?string, setItem(k: string,
 *     v: string): void}} [storage] where cursors are kept
 *     (localStorage in a browser, memory in Node)
 * @property {boolean} [shared] false: no SharedWorker, a stream per tab
 * @property {typeof fetch} [fetch] for the tab's own hub (tests)
 */

/**
 * Opens the hub of one server. Nothing goes over the network until the
 * first subscription.
 * @param {ConnectOptions} [options]
 */
export function connect(options = {}) {
  const url = baseUrl(options.url);
  const store = options.storage ?? defaultStorage();
  const listeners = { state: new Set(), reset: new Set() };
  const subs = new Map();
  let nextSub = 1;
  let port = null;
  let mode = '';
  let last = { state: 'connecting', attempt: 0, since: null, error: '',
      mode: '' };

  const emit = (type, value) => listeners[type].forEach((fn) => fn(value));
  const hello = () => port.postMessage({ type: 'hello', url,
      token: options.token ?? null, refresh: !!options.getToken,
      heartbeatMs: options.heartbeatMs });

  function use(p, m) {
    port = p;
    mode = m;
    last = { ...last, mode };
    port.onmessage = ({ data }) => receive(data);
    hello();
    for (const [id, s] of subs)
      send(id, s, 0);
  }

  function send(id, s, lastN) {
    port.postMessage({ type: 'subscribe', sub: id, topics: s.topics,
        cursor: s.cursor, last: lastN });
  }

  function receive(msg) {
    if (msg.type === 'state') {
      last = { ...msg.state, mode };
      emit('state', last);
    } else if (msg.type === 'events') {
      msg.items.forEach(deliver);
    } else if (msg.type === 'reset') {
      for (const id of msg.subs)
        move(subs.get(id), msg.id);
      emit('reset', { id: msg.id, oldest: msg.oldest,
          topics: msg.subs.map((id) => subs.get(id)?.topics) });
    } else if (msg.type === 'token?') {
      refresh(msg.seq);
    }
  }

  /* The callback first, then the cursor: exactly once, not at most. */
  function deliver({ sub, events, cursor }) {
    const s = subs.get(sub);
    if (s === undefined)
      return;
    for (const ev of events) {
      if (subs.get(sub) !== s)
        return;		/* closed by its callback */
      if (s.cursor !== null && ev.id <= s.cursor)
        continue;
      try {
        s.fn(ev);
      } catch (err) {
        queueMicrotask(() => { throw err; });
      }
      s.cursor = ev.id;
    }
    move(s, Math.max(cursor ?? -1, s.cursor ?? -1));
  }

  function move(s, cursor) {
    if (s === undefined || cursor < 0 || cursor === null)
      return;
    s.cursor = cursor;
    try {
      store.setItem(s.key, String(cursor));
    } catch {
      /* Storage off or full: resuming is lost, not events. */
    }
  }

  async function refresh(seq) {
    let token = options.token ?? null;
    try {
      token = await options.getToken();
    } catch {
      /* The hub goes on with the token it has. */
    }
    port.postMessage({ type: 'token', seq, token });
  }

  const shared = options.shared !== false && sharedPort(url);
  if (shared) {
    /* A worker script that cannot load fails here, later. */
    shared.worker.onerror = () => use(localPort(options), 'local');
    use(shared.port, 'shared');
  } else {
    use(localPort(options), 'local');
  }
  if (typeof addEventListener === 'function' && !options.noPageEvents) {
    addEventListener('pagehide', () => port.postMessage(
        { type: 'bye' }));
    addEventListener('pageshow', (e) => {
      if (e.persisted)
        use(port, mode);
    });
  }

  return {
    /** 'shared' (one stream for every tab) or 'local'. */
    get mode() { return mode; },
    /** The last state reported. */
    get state() { return last; },
    /**
     * @param {null|string|string[]} topics names, or '*' or
     *     null for every topic
     * @param {(ev: {id: number, topic: ?string, event: string,
     *     data: string, replayed: boolean}) => void} fn
     * @param {{last?: number, key?: string, resume?: boolean}}
     *     [opts] last: up to this many recent events first, when
     *     there is no saved cursor; key: where the cursor is kept
     *     (default: the server and the topic set); resume: false
     *     to start from now, not from the saved cursor
     */
    subscribe(topics, fn, opts = {}) {
      const set = topicSet(topics);
      const key = opts.key ?? cursorKey(url, set);
      const id = String(nextSub++);
      const s = { topics: set, fn, key, cursor: opts.resume ===
          false ? null : load(store, key) };
      subs.set(id, s);
      send(id, s, s.cursor === null ? opts.last ?? 0 : 0);
      return {
        topics: set,
        get cursor() { return s.cursor; },
        close() {
          if (subs.delete(id))
            port.postMessage({ type:
                'unsubscribe', sub: id });
        },
      };
    },
    /** @param {'state'|'reset'} type */
    on(type, fn) {
      listeners[type].add(fn);
      if (type === 'state')
        fn(last);
      return () => listeners[type].delete(fn);
    },
    /** Ends every subscription of this hub in this tab. */
    close() {
      subs.clear();
      port.postMessage({ type: 'bye' });
      last = { ...last, state: 'closed' };
      emit('state', last);
    },
  };
}

function baseUrl(url) {
  const origin = globalThis.location?.origin;
  if (url === undefined && origin === undefined)
    throw new TypeError('ssehub: connect({ url }) is needed here');
  return new URL(url ?? origin).origin;
}

function load(store, key) {
  try {
    const n = Number(store.getItem(key) ?? NaN);
    return Number.isSafeInteger(n) && n >= 0 ? n : null;
  } catch {
    return null;
  }
}

function defaultStorage() {
  try {
    if (globalThis.localStorage)
      return globalThis.localStorage;
  } catch {
    /* Denied (sandboxed frame, privacy mode). */
  }
  const m = new Map();
  return { getItem: (k) => m.get(k) ?? null,
      setItem: (k, v) => m.set(k, v) };
}

function sharedPort(url) {
  if (typeof SharedWorker !== 'function')
    return null;
  try {
    const worker = new SharedWorker(new URL('./ssehub-worker.js',
        import.meta.url), { type: 'module', name: `ssehub ${url}` });
    return { worker, port: worker.port };
  } catch {
    return null;	/* e.g. a module from another origin */
  }
}

/* A hub of this tab's own, over an in-process pair of ports. */
function localPort(options) {
  const a = { onmessage: null };
  const b = { onmessage: null };
  a.postMessage = (data) => queueMicrotask(() => b.onmessage?.({ data }));
  b.postMessage = (data) => queueMicrotask(() => a.onmessage?.({ data }));
  createHub({ fetch: options.fetch }).attach(b);
  return a;
}

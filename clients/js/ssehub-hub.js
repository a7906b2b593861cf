/*
 * The hub: one Stream for any number of tabs, each talking over a port.
 * In the SharedWorker every tab's port is attached; without SharedWorker
 * (and in Node) the tab's own hub gets an in-process port, so both paths
 * run this same code.
 *
 * Tab -> hub: {type: 'hello', url, token, refresh}, {type: 'subscribe',
 *   sub, topics, cursor, last}, {type: 'unsubscribe', sub},
 *   {type: 'token', seq, token}, {type: 'bye'}.
 * Hub -> tab: {type: 'state', state}, {type: 'events', items: [{sub,
 *   events, cursor}]}, {type: 'reset', subs, id, oldest},
 *   {type: 'token?', seq}.
 *
 * Changes of the subscriptions are gathered for SETTLE_MS, so a page
 * that subscribes to several sets at load reconnects the stream once; a
 * narrower set waits NARROW_MS, so a reload (bye, then hello) does not
 * reconnect twice.
 */
import { Router, topicSet } from './ssehub-router.js';
import { Stream } from './ssehub-stream.js';

const SETTLE_MS = 30;
const NARROW_MS = 3000;
const RECENT_MAX = 500;	/* events kept for `last` */
const TOKEN_WAIT_MS = 10000;

/**
 * @param {{fetch?: typeof fetch}} [options]
 * @returns {{attach(port: object): void}}
 */
export function createHub(options = {}) {
  const ports = new Map();	/* port -> {no, refresh} */
  const router = new Router();
  const recent = [];
  const asked = new Map();	/* seq -> resolve */
  let nextPort = 1;
  let seq = 0;
  let config = { url: null, token: null, heartbeatMs: undefined };
  let stream = null;
  let state = null;
  let pending = null;	/* batched items per port */
  let timer = null;
  let behind = false;	/* a subscription needs the stream restarted */

  const send = (port, msg) => port.postMessage(msg);
  const portOf = (key) => [...ports.entries()].find(
      ([, p]) => key.startsWith(`${p.no}:`))?.[0];
  const subId = (key) => key.slice(key.indexOf(':') + 1);

  function makeStream() {
    return new Stream({
      url: config.url,
      heartbeatMs: config.heartbeatMs,
      fetch: options.fetch,
      getToken,
      canRefresh: () => [...ports.values()].some(
          (p) => p.refresh),
      target: () => router.wanted(),
      opened: (topics, cursor) => router.opened(topics,
          cursor),
      event: onEvent,
      flush,
      state: (s) => {
        state = s;
        for (const port of ports.keys())
          send(port, { type: 'state', state: s });
      },
    });
  }

  /* Asks a tab with getToken(), else uses the token given. */
  async function getToken() {
    const entry = [...ports.entries()].find(([, p]) => p.refresh);
    if (entry === undefined)
      return config.token;
    const n = ++seq;
    const answer = new Promise((resolve) => {
      asked.set(n, resolve);
      setTimeout(() => resolve(config.token), TOKEN_WAIT_MS);
    });
    send(entry[0], { type: 'token?', seq: n });
    const token = await answer;
    asked.delete(n);
    return token;
  }

  function onEvent(ev) {
    if (ev.type === 'reset')
      return onReset(ev);
    const to = router.route(ev);
    keep({ ...ev, replayed: true });
    pending ??= new Map();
    for (const { key, topic } of to) {
      const port = portOf(key);
      if (port === undefined)
        continue;
      const item = itemFor(port, subId(key));
      item.events.push({ id: ev.id, topic, event: ev.type,
          data: ev.data, replayed: ev.replayed });
    }
  }

  function itemFor(port, sub) {
    const items = pending.get(port) ?? new Map();
    pending.set(port, items);
    if (!items.has(sub))
      items.set(sub, { sub, events: [], cursor: null });
    return items.get(sub);
  }

  /* After each read: every tab gets its events and new cursors. */
  function flush() {
    for (const [port, p] of ports) {
      const items = pending?.get(port) ?? new Map();
      for (const key of router.subs.keys()) {
        if (!key.startsWith(`${p.no}:`))
          continue;
        const sub = subId(key);
        if (!items.has(sub) && !moved(key))
          continue;
        pending ??= new Map();
        pending.set(port, items);
        itemFor(port, sub).cursor = router.cursor(key);
      }
      if (items.size > 0)
        send(port, { type: 'events', items: [...items
            .values()] });
    }
    pending = null;
  }

  const sentCursor = new Map();
  function moved(key) {
    const c = router.cursor(key);
    if (sentCursor.get(key) === c)
      return false;
    sentCursor.set(key, c);
    return true;
  }

  function onReset(ev) {
    flush();	/* what came before the reset goes first */
    const keys = router.reset(ev.id);
    const oldest = Number(ev.data);
    for (const [port, p] of ports) {
      const subs = keys.filter((k) => k.startsWith(`${p.no}:`))
          .map(subId);
      if (subs.length > 0)
        send(port, { type: 'reset', subs, id: ev.id,
            oldest });
    }
  }

  function keep(ev) {
    recent.push({ ...ev, streamTopics: router.streamTopics });
    if (recent.length > RECENT_MAX)
      recent.splice(0, recent.length - RECENT_MAX);
  }

  /* Up to n recent events of these topics, for a new subscription. */
  function lastOf(topics, n) {
    const mine = recent.filter((ev) => ev.topic !== null ?
        topics === null || topics.includes(ev.topic) :
        JSON.stringify(ev.streamTopics) === JSON.stringify(topics));
    return mine.slice(-n).map(({ id, topic, type, data }) =>
        ({ id, topic: topic ?? (topics?.length === 1 ?
        topics[0] : null), event: type, data, replayed: true }));
  }

  /* Reconnects when the subscriptions need it, once per change. */
  function settle(delay = SETTLE_MS) {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      if (router.subs.size === 0) {
        stream?.close();
        stream = null;
      } else if (stream === null || behind ||
          router.wider()) {
        behind = false;
        stream ??= makeStream();
        stream.restart();
      }
    }, delay);
  }

  function subscribe(port, p, { sub, topics, cursor, last }) {
    const key = `${p.no}:${sub}`;
    const set = topicSet(topics);
    if (cursor === null && last > 0 && router.position !== null) {
      const events = lastOf(set, last);
      const top = events.at(-1)?.id ?? null;
      send(port, { type: 'events', items: [{ sub, events,
          cursor: top }] });
    }
    if (router.add(key, set, cursor) || stream === null) {
      behind = true;
      settle();
    }
  }

  function unsubscribe(p, sub) {
    const key = `${p.no}:${sub}`;
    router.remove(key);
    sentCursor.delete(key);
    if ((router.subs.size === 0 || router.wider()) && !behind)
      settle(NARROW_MS);
  }

  function bye(port) {
    const p = ports.get(port);
    if (p === undefined)
      return;
    for (const key of [...router.subs.keys()]) {
      if (key.startsWith(`${p.no}:`))
        unsubscribe(p, subId(key));
    }
    ports.delete(port);
    if (ports.size === 0)
      settle(0);	/* the last one: stop at once */
  }

  function hello(port, data) {
    if (!ports.has(port))
      ports.set(port, { no: nextPort++, refresh: false });
    ports.get(port).refresh = data.refresh === true;
    config = { url: config.url ?? data.url,
        token: data.token ?? config.token,
        heartbeatMs: config.heartbeatMs ?? data.heartbeatMs };
    if (state !== null)
      send(port, { type: 'state', state });
  }

  /** Serves one tab's port. */
  function attach(port) {
    port.onmessage = ({ data }) => {
      if (data.type === 'hello')
        return hello(port, data);
      const p = ports.get(port);
      if (data.type === 'token')
        asked.get(data.seq)?.(data.token);
      else if (data.type === 'bye')
        bye(port);
      else if (p === undefined)
        return;
      else if (data.type === 'subscribe')
        subscribe(port, p, data);
      else if (data.type === 'unsubscribe')
        unsubscribe(p, data.sub);
    };
  }

  return { attach };
}

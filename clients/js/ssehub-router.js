/*
 * The pure core of the client: which topics the one stream must carry
 * (the union of every subscription's), where the stream must start (the
 * lowest cursor of them all), and which subscription gets which event,
 * exactly once, in id order. No I/O: the hub feeds it and acts on what
 * it answers, and the unit tests drive it directly.
 *
 * A topic set is null (every topic) or a sorted array of names.
 *
 * A subscription's cursor is the last id it was given or passed over: the
 * stream carries all of its topics, so an event of another topic moves
 * it too, and a reconnect need not go back further than that. An event
 * goes to a subscription when its id is above the cursor and its topic is
 * one of the subscription's, so a stream restarted from a lower cursor
 * for someone else repeats nothing.
 *
 * Frames name their topic in a "topic:" line. Without one (a server from
 * before that line), an event's topic is known only when the stream
 * carries exactly the subscription's set; other subscriptions neither get
 * it nor move their cursor, so nothing is skipped, only held back.
 */

import { TOPIC, TOPICS_MAX } from './ssehub-limits.js';

/**
 * Normalizes what an application passes: null, '*', or [] mean every
 * topic; a name or a list of names is sorted and deduplicated.
 * @param {null|string|string[]} topics
 * @returns {?string[]}
 */
export function topicSet(topics) {
  if (topics === null || topics === undefined || topics === '*')
    return null;
  const list = typeof topics === 'string' ? [topics] : [...topics];
  for (const t of list) {
    if (typeof t !== 'string' || !TOPIC.test(t))
      throw new TypeError(`ssehub: bad topic name ${String(t)}`);
  }
  return list.length === 0 ? null : [...new Set(list)].sort();
}

/** @returns {boolean} whether two topic sets are the same */
export function sameSet(a, b) {
  if (a === null || b === null)
    return a === b;
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

/** @returns {boolean} whether set `outer` holds every topic of `inner` */
export function covers(outer, inner) {
  if (outer === null)
    return true;
  return inner !== null && inner.every((t) => outer.includes(t));
}

/**
 * The stream's topics for these subscriptions' sets: every topic when
 * one wants all or when the union passes the server's limit.
 * @param {Iterable<?string[]>} sets
 * @returns {?string[]}
 */
export function union(sets) {
  const all = new Set();
  for (const s of sets) {
    if (s === null)
      return null;
    s.forEach((t) => all.add(t));
  }
  return all.size > TOPICS_MAX ? null : [...all].sort();
}

/** The key a subscription's cursor is kept under, per server. */
export function cursorKey(url, topics) {
  return `ssehub:${url}:${topics === null ? '*' : topics.join(',')}`;
}

/**
 * Every subscription of one hub, and the stream they share.
 */
export class Router {
  constructor() {
    /** @type {Map<string, {key: string, topics: ?string[],
     *     cursor: ?number, covered: boolean}>} */
    this.subs = new Map();
    this.streamTopics = undefined;	/* undefined: no stream yet */
    this.position = null;	/* the last id the stream gave */
  }

  /**
   * Adds a subscription from its saved cursor (null: from now on).
   * @returns {boolean} whether the stream must restart for it
   */
  add(key, topics, cursor) {
    const sub = { key, topics, cursor, covered: false };
    this.subs.set(key, sub);
    if (this.streamTopics === undefined ||
        !covers(this.streamTopics, topics))
      return true;
    if (cursor !== null && this.position !== null &&
        cursor < this.position)
      return true;
    this.cover(sub);
    return false;
  }

  remove(key) {
    this.subs.delete(key);
  }

  /** @returns {{topics: ?string[], cursor: ?number}} what to open */
  wanted() {
    const cursors = [...this.subs.values()].map((s) => s.cursor)
        .filter((c) => c !== null);
    return { topics: union([...this.subs.values()].map(
        (s) => s.topics)),
        cursor: cursors.length > 0 ? Math.min(...cursors) :
        this.position };
  }

  /** @returns {boolean} whether the stream carries more than needed */
  wider() {
    return this.streamTopics !== undefined &&
        !sameSet(this.streamTopics, this.wanted().topics);
  }

  /** A stream of these topics is opening at this cursor. */
  opened(topics, cursor) {
    this.streamTopics = topics;
    this.position = cursor;
    for (const sub of this.subs.values())
      this.cover(sub);
  }

  cover(sub) {
    sub.covered = true;
    if (sub.cursor === null)
      sub.cursor = this.position;
  }

  /**
   * One event of the stream, with its topic if the frame named it.
   * @param {{id: number, topic: ?string}} ev
   * @returns {{key: string, topic: ?string}[]} who gets it, and as
   *     which topic
   */
  route(ev) {
    const out = [];
    this.position = ev.id;
    for (const sub of this.subs.values()) {
      if (!sub.covered || (sub.cursor !== null &&
          ev.id <= sub.cursor))
        continue;
      const known = ev.topic !== null ||
          sameSet(sub.topics, this.streamTopics);
      if (!known)
        continue;	/* held back, see above */
      sub.cursor = ev.id;
      if (ev.topic === null || sub.topics === null ||
          sub.topics.includes(ev.topic)) {
        out.push({ key: sub.key, topic: ev.topic ??
            (sub.topics?.length === 1 ?
            sub.topics[0] : null) });
      }
    }
    return out;
  }

  /**
   * The server could not serve from the stream's cursor: it goes on
   * from `id` (the events from `oldest` on follow). A cursor above the
   * server's head (the store was replaced) shows as a stream cursor
   * above id; a trimmed one as a cursor below it.
   * @returns {string[]} the subscriptions whose cursor moved
   */
  reset(id) {
    const from = this.position;
    const moved = [];
    this.position = id;
    for (const sub of this.subs.values()) {
      if (!sub.covered || sub.cursor === null)
        continue;
      const lost = from !== null && from > id ?
          sub.cursor > id : sub.cursor < id;
      if (lost) {
        sub.cursor = id;
        moved.push(sub.key);
      }
    }
    return moved;
  }

  /** @returns {?number} a subscription's cursor */
  cursor(key) {
    return this.subs.get(key)?.cursor ?? null;
  }
}

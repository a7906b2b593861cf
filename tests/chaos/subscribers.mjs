// Subscribers on raw sockets, parsed with the dashboard's parser. Each
// records every frame it gets (id, event name, a hash of the data, which
// stream) and reconnects with Last-Event-ID after any end. Modes:
//   fast  reads everything at once;
//   slow  reads in bursts with pauses of 2-20 s: it lags, is paced, and
//         the longer pauses get it cut off by the queue cap; some pauses
//         end in a drop of the unread stream; either way its cursor can
//         fall behind retention (a reset);
//   churn reads at once but drops its connection every 1-6 s.

import { SseConnection } from '../lib/sse.mjs';
import { config, rnd, between, pick, subset, now, log, violation, hash32 } from './common.mjs';
import { HTTP_PORT } from './http.mjs';

export class Subscriber {
  constructor(index, topics, mode, cursor) {
    this.index = index;
    this.topics = topics;      // null: every topic
    this.mode = mode;
    this.start = cursor;
    this.cursor = cursor;      // the highest id received (events and resets)
    // The recording, one entry per frame, in arrival order.
    this.ids = [];
    this.types = [];
    this.hashes = [];
    this.streams = [];         // stream number of each frame
    this.streamCursors = [];   // the cursor each stream was opened with
    this.resets = [];          // {id, data, cursor}: the cursor before it
    this.connects = 0;
    this.serverEnds = 0;       // streams that ended without our doing
    this.drops = 0;            // streams we dropped (churn)
    this.watchdog = 0;
    this.pausedUntil = 0;
    this.stopped = false;
    this.hurried = false;     // the end of the run: read at once
    this.connect();
    if (mode === 'slow') this.slowCycle();
    if (mode === 'churn') this.churnCycle();
  }

  label() {
    return `sub${this.index}/${this.mode}[${this.topics ? this.topics.join(',') : 'all'}]`;
  }

  connect() {
    if (this.stopped) return;
    this.connects++;
    const q = (this.topics ?? []).map((t) => `topic=${t}`);
    this.status = null;
    this.dropping = false;
    const sock = new SseConnection(HTTP_PORT, `/stream?${q.join('&')}`, { 'Last-Event-ID': this.cursor }, {
      event: (e) => this.frame(e),
      opened: (status) => this.opened(status),
      closed: () => this.onClose(sock),
      clock: now,
    });
    this.sock = sock;
    if (this.paused()) sock.pause();
  }

  onClose(sock) {
    if (this.sock !== sock) return;
    if (this.status === 200 && !this.dropping) this.serverEnds++;
    this.sock = null;
    if (!this.stopped) setTimeout(() => this.connect(), between(100, 300));
  }

  opened(status) {
    this.status = status;
    if (status !== 200) {
      violation(`${this.label()}: /stream answered ${status}`);
      this.sock.destroy();
      return;
    }
    this.streamCursors.push(this.cursor);
  }

  frame(f) {
    const id = /^\d+$/.test(f.id) ? Number(f.id) : NaN;
    this.ids.push(id);
    this.types.push(f.type);
    this.hashes.push(hash32(f.data));
    this.streams.push(this.streamCursors.length - 1);
    if (f.type === 'reset') this.resets.push({ id, data: f.data, cursor: this.cursor, at: this.ids.length - 1 });
    if (id > this.cursor) this.cursor = id;
  }

  paused() {
    return this.pausedUntil > now();
  }

  pause(ms) {
    this.pausedUntil = Math.max(this.pausedUntil, now() + ms);
    this.sock?.pause();
    setTimeout(() => {
      if (!this.paused()) this.sock?.resume();
    }, ms + 5);
  }

  // Bursts of reading and pauses; after some pauses it drops the stream
  // unread, as a client that lost its connection while behind, and
  // resumes from its stale cursor (behind retention after a long pause).
  async slowCycle() {
    while (!this.stopped && !this.hurried) {
      await new Promise((r) => setTimeout(r, between(500, 2000)));
      if (this.hurried) return;
      this.pause(between(2000, 20000));
      await new Promise((r) => setTimeout(r, Math.max(0, this.pausedUntil - now())));
      if (rnd() < 0.4) this.drop();
    }
  }

  drop() {
    if (!this.sock) return;
    this.drops++;
    this.dropping = true;
    this.sock.destroy();
  }

  async churnCycle() {
    while (!this.stopped && !this.hurried) {
      await new Promise((r) => setTimeout(r, between(1000, 6000)));
      if (!this.hurried) this.drop();
    }
  }

  // A stream silent for 4 heartbeats while we read: given up, reconnected.
  checkAlive() {
    const since = now() - Math.max(this.sock?.lastByte ?? 0, this.pausedUntil);
    if (this.sock && !this.paused() && this.status === 200 && since > 4 * config.heartbeatMs) {
      this.watchdog++;
      log(`${this.label()}: no byte for ${since} ms while reading, reconnecting`);
      this.dropping = true;
      this.sock.destroy();
    }
  }

  // For the end of the run: read everything at once from now on.
  hurry() {
    this.hurried = true;
    this.pausedUntil = 0;
    this.sock?.resume();
  }

  stop() {
    this.stopped = true;
    this.sock?.destroy();
  }
}

// Modes and topics in turn and at random: a quarter on every topic.
export function makeSubscribers(count, cursor) {
  const modes = ['fast', 'slow', 'churn', 'slow'];
  return Array.from({ length: count }, (_, i) => {
    const topics = i % 4 === 0 ? null : subset(config.topics, 3);
    return new Subscriber(i, topics, i < modes.length ? modes[i] : pick(modes), cursor);
  });
}

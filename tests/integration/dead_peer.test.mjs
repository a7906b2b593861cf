// A client that vanishes without a FIN (a dropped network, a sleeping
// laptop: its packets dropped) leaves ssehub_subscribers within three
// heartbeats. Without TCP_USER_TIMEOUT the kernel keeps taking heartbeats
// into the socket buffer and retransmits for ~15 minutes: the stream,
// its queue and its per-address count stay.
//
// Dropping packets on lo would hit everything on the host, so the server
// and its clients run in a network namespace of their own (dead-peer.mjs
// under unshare --net); PostgreSQL is reached over its Unix socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ROOT, netnsUnavailable, nodeInNetns } from './lib.mjs';

test('dead peer (no FIN, every packet dropped): its streams leave ssehub_subscribers within 3 heartbeats', async (t) => {
  const why = netnsUnavailable();
  if (why) {
    t.skip(why);
    return;
  }
  const r = await nodeInNetns(path.join(ROOT, 'tests/integration/dead-peer.mjs'));
  assert.equal(r.code, 0, `dead-peer.mjs exited ${r.code}: ${r.stdout}`);
  const m = JSON.parse(r.stdout.trim().split('\n').pop());
  t.diagnostic(`heartbeat ${m.heartbeat_ms} ms, ${m.streams} streams; subscribers per worker `
    + `before [${m.before}], after ${m.waited_ms} ms of 100% loss [${m.after}]; server sockets `
    + `${m.sockets_before} -> ${m.sockets_after} (all gone after ${m.sockets_gone_ms ?? 'never'} ms)`);
  assert.ok(m.before.every((n) => n > 0), `streams on every worker: [${m.before}]`);
  assert.equal(m.total_before, m.streams);
  assert.equal(m.total_after, 0,
    `${m.total_after} of ${m.total_before} vanished peers still subscribed after 3 heartbeats`);
});

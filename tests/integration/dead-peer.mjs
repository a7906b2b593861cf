// Run by dead_peer.test.mjs inside a network namespace of its own
// (unshare --net): only there may it drop every packet on lo. Starts a
// server with a 1 s heartbeat, opens streams on both workers, then makes
// every peer vanish without a FIN (every packet on lo dropped, loDrop), waits three
// heartbeats, lifts the loss and reads /metrics. Prints one JSON line.
import { execFileSync } from 'node:child_process';
import {
  startServer, stopServer, streamsOnEveryWorker, metrics, metric, sum, sleep, loDrop,
  ONE_ADDRESS_MANY_STREAMS,
} from './lib.mjs';

const NAME = 'dead-peer';
const HTTP = 19700;
const HTTPS = 19701;
const HEARTBEAT_MS = 1000;

const sh = (cmd, ...args) => execFileSync(cmd, args, { stdio: 'pipe' }).toString();
// Server-side sockets of the streams, from the kernel (netlink, not lo).
const established = () => sh('ss', '-Htn', 'state', 'established', `( sport = :${HTTP} )`)
  .split('\n').filter(Boolean).length;

sh('ip', 'link', 'set', 'lo', 'up');
startServer(NAME, HTTP, HTTPS, {
  SSEHUB_HEARTBEAT_MS: String(HEARTBEAT_MS), ...ONE_ADDRESS_MANY_STREAMS,
});
let subs = [];
let lossOn = false;
try {
  subs = await streamsOnEveryWorker(HTTP, '/stream?topic=dead-peer');
  await sleep(HEARTBEAT_MS * 1.5); // heartbeats flow and are acknowledged
  const before = metric(await metrics(HTTP), 'ssehub_subscribers');
  const socketsBefore = established();

  loDrop(true);
  lossOn = true;
  const t0 = Date.now();
  // Three heartbeats, plus a little for a busy machine's timers.
  const deadline = t0 + HEARTBEAT_MS * 3 + 300;
  let goneMs = null;
  while (Date.now() < deadline) {
    if (goneMs === null && established() === 0) goneMs = Date.now() - t0;
    await sleep(50);
  }
  const socketsAfter = established();
  loDrop(false);
  lossOn = false;
  const waitedMs = Date.now() - t0;
  const after = metric(await metrics(HTTP), 'ssehub_subscribers');
  console.log(JSON.stringify({
    heartbeat_ms: HEARTBEAT_MS, streams: subs.length, before, sockets_before: socketsBefore,
    waited_ms: waitedMs, sockets_gone_ms: goneMs, sockets_after: socketsAfter, after,
    total_before: sum(before), total_after: sum(after),
  }));
} finally {
  if (lossOn) loDrop(false);
  for (const s of subs) s.close();
  stopServer(NAME);
}

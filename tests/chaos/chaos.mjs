// Chaos run (issue 10): a long randomized run against one ssehub server
// and its PostgreSQL, with retention on.
//   - topics: CHAOS_TOPICS (6); subscribers (CHAOS_SUBSCRIBERS, 12) each on
//     1-3 of them or on every topic, fast, slow (paced, cut off by the
//     queue cap, behind retention) or churning (reconnecting at random);
//   - publishers: HTTP (events and arrays, Idempotency-Key, retried across
//     faults) and SQL (ssehub.publish in psql transactions, some held
//     open, some rolled back), each event tagged (publishers.mjs);
//   - faults at random times: a worker SIGKILLed, the whole server
//     SIGKILLed and restarted, PostgreSQL restarted (fast or immediate),
//     a subscriber stalled (faults.mjs);
//   - the table's history is recorded as it goes (history.mjs), since
//     retention deletes rows;
//   - then every stream is checked against it (verify.mjs): ids strictly
//     increasing, nothing missing unless under a reset, nothing twice,
//     data as stored; every acknowledged or committed event stored once,
//     nothing rolled back stored, ids in commit order.
// Exit status 1 on any violation. Run by tests/chaos/run.sh, which starts
// the PostgreSQL cluster and sets SSEHUB_DB and SSEHUB_TEST_VAR.
// Environment: CHAOS_SECONDS and the others in common.mjs, CHAOS_SEED.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { psql, sleep } from '../integration/lib.mjs';
import { config, now, log, violation, violations } from './common.mjs';
import { metric } from './http.mjs';
import { History, outboxCount, trimmedThrough } from './history.mjs';
import { startPublishers, stopPublishers, stats, ledger, firstAckAfter } from './publishers.mjs';
import { makeSubscribers } from './subscribers.mjs';
import { faults, server, startServer, stopServer, injectFaults } from './faults.mjs';
import { verify, lastOfTopics } from './verify.mjs';

async function waitFor(what, pred, ms) {
  const t = now();
  while (!(await pred())) {
    if (now() - t > ms) {
      violation(`${what}: not within ${ms} ms`);
      return;
    }
    await sleep(200);
  }
  log(`${what}: ${now() - t} ms`);
}

const drained = () => outboxCount().then((n) => n === 0, () => false);

// Every subscriber reads at full speed until it reached the last id of its
// topics in the history.
async function catchUp(subs, history) {
  subs.forEach((s) => s.hurry());
  const targets = subs.map((s) => lastOfTopics(s, history));
  await waitFor('subscribers caught up', () => subs.every((s, i) => s.cursor >= targets[i]), 60000);
}

function checkRecoveries() {
  for (const f of faults.filter((x) => x.kind !== 'stall' && x.back !== undefined)) {
    const ack = firstAckAfter(f.back);
    f.publishMs = ack === Infinity ? null : ack - f.back;
    if (f.publishMs === null || f.publishMs > config.recoveryLimitMs) {
      violation(`${f.kind} at ${f.t} ms: no publish acknowledged within ${config.recoveryLimitMs} ms of it being back`);
    }
  }
}

// ' (while the server was down)' and the like, for the order findings.
function during(t) {
  const f = faults.find((x) => x.kind !== 'stall' && x.kind !== 'worker-kill' && t >= x.t && t <= x.back);
  return f ? ` (${f.kind} in progress)` : '';
}

function report({ subs, history, result }) {
  const { findings, perSub, totals } = result;
  const byKind = {};
  for (const f of faults) {
    const k = f.mode ? `${f.kind}(${f.mode})` : f.kind;
    byKind[k] = (byKind[k] ?? 0) + 1;
  }
  const sum = (k) => perSub.reduce((a, s) => a + s[k], 0);
  const c = findings.counts;
  const sqlEvents = (o) => ledger.sql.filter((t) => t.outcome === o).reduce((a, t) => a + t.tags.length, 0);
  console.log('\n=== chaos summary');
  console.log(`duration ${config.seconds} s, seed ${config.seed}, ${config.topics.length} topics, retention ${config.retain} events, `
    + `${subs.length} subscribers (${['fast', 'slow', 'churn'].map((m) => `${subs.filter((s) => s.mode === m).length} ${m}`).join(', ')})`);
  console.log(`acknowledged (HTTP): ${stats.httpAcked} events in ${ledger.http.length} requests; attempts ${stats.httpAttempts}, `
    + `retries ${stats.httpRetried}, failures ${JSON.stringify(stats.byError)}`);
  console.log(`committed (SQL): ${sqlEvents('committed')} events in ${stats.sqlCommitted} transactions; rolled back ${stats.sqlRolledBack} `
    + `(${sqlEvents('rolledback')} events), aborted by a fault ${stats.sqlAborted}, ambiguous ${stats.sqlAmbiguous} `
    + `(${totals.ambiguousStored} of their events stored); psql sessions ${stats.sqlSessions}`);
  console.log(`table: ids ${history.after + 1}..${history.head}, ${history.rows.size} rows seen, trimmed through ${history.trimmed}, `
    + `trimmed before seen ${history.unobserved.size}, holes ${history.holes.length}; history polls ${history.polls} (failed ${history.failures})`);
  console.log(`delivered ${sum('delivered')} events, resets ${sum('resets')}, gaps under resets ${sum('underReset')} events, `
    + `slow-consumer cut-offs ${server.slowCuts} (server metric, summed over server lives)`);
  console.log(`faults: ${Object.entries(byKind).map(([k, n]) => `${k} ${n}`).join(', ')}; server start retries ${server.startRetries}`);
  for (const f of faults) console.log(`  at ${(f.t / 1000).toFixed(1)} s ${f.kind}: ${f.detail}${f.publishMs != null ? `, publishing again ${f.publishMs} ms after` : ''}`);
  console.log(`missing ${c.missing ?? 0}, duplicated ${c.duplicated ?? 0}, reordered ${c.reordered ?? 0}, mismatched ${c.mismatch ?? 0}; `
    + `all violations by kind: ${JSON.stringify(c)}`);
  subs.forEach((s, i) => {
    const p = perSub[i];
    console.log(`  ${p.label.padEnd(34)} delivered ${String(p.delivered).padStart(6)}, resets ${p.resets}, missing ${p.missing}, `
      + `duplicated ${p.duplicated}, reordered ${p.reordered}, mismatched ${p.mismatched}; streams ${s.streamCursors.length}, `
      + `server ends ${s.serverEnds}, drops ${s.drops}, watchdog ${s.watchdog}`);
  });
  for (const [k, ex] of Object.entries(findings.examples)) {
    console.log(`${k}, e.g.:`);
    ex.forEach((e) => console.log(`    ${e}`));
  }
  return findings.total();
}

// A worker that caught itself in a move its state machine lacks aborts
// (Kore starts another and its clients resume): no client may notice,
// so only the log tells. Any such line fails the run.
function checkServerLog() {
  const file = path.join(process.env.SSEHUB_TEST_VAR, 'chaos', 'log');
  const bad = readFileSync(file, 'utf8').split('\n')
    .filter((l) => /is not a move it can make|window: id/.test(l));
  for (const l of bad) violation(`server log: ${l}`);
}

async function main() {
  log(`chaos run: ${config.seconds} s, seed ${config.seed}`);
  await stopServer().catch(() => {});
  await startServer();
  const start = Number(psql('SELECT ssehub.last_id()'));
  const history = new History(start);
  const following = history.follow();
  const subs = makeSubscribers(config.subscribers, start);
  await sleep(500);
  startPublishers();
  const watchdog = setInterval(() => subs.forEach((s) => s.checkAlive()), 500);

  await injectFaults(subs, now() + config.seconds * 1000);

  log('publishers stop; draining');
  await stopPublishers();
  await waitFor('outbox drained', drained, 30000);
  history.stop();
  await following;
  await history.complete();
  await catchUp(subs, history);
  clearInterval(watchdog);
  server.slowCuts += (await metric('ssehub_slow_disconnects_total')) ?? 0;
  subs.forEach((s) => s.stop());
  await stopServer();
  // Retention went on while the subscribers caught up: their resets may
  // name a later trim point than the last poll saw.
  history.trimmed = await trimmedThrough();

  checkRecoveries();
  checkServerLog();
  const result = verify({ subs, ledger, history, during });
  const found = report({ subs, history, result });
  writeFileSync(path.join(process.env.CHAOS_PG_VAR ?? '.', 'last-run.json'),
    JSON.stringify({ config, stats, faults, counts: result.findings.counts, examples: result.findings.examples, perSub: result.perSub }, null, 1));
  if (found + violations.length) {
    console.log(`\nFAIL: ${found} stream/ledger violation(s), ${violations.length} during the run${violations.length ? `; first: ${violations.slice(0, 3).join(' | ')}` : ''}`);
    process.exit(1);
  }
  console.log('\nPASS: every stream matches the table (in order, nothing missing outside a reset, nothing twice); '
    + 'every acknowledged or committed event stored exactly once, nothing rolled back stored');
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});

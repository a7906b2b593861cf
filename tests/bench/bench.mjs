#!/usr/bin/env node
// Comparison benchmark: the same load against ssehub, nginx+nchan and the
// floor (tests/bench/floor.c, the least an SSE broadcaster can do here),
// driven by one load tool (tests/bench/ssebench.c). `make bench` runs it.
//
//   node tests/bench/bench.mjs               full run (about 20 minutes)
//   BENCH_QUICK=1 node tests/bench/bench.mjs smoke run (a few minutes)
//   BENCH_TARGETS="ssehub floor"              choose targets
//   BENCH_TESTS="burst nodes"                 choose tests (default: all of
//                                             idle fanout burst publish
//                                             storm xnode sql nodes)
//   BENCH_OUT=dir                             keep raw JSON and the table
//   BENCH_SRC_ADDRS=1                         subscribers from one address
//
// Every test gets a freshly started server. Everything is on loopback,
// ports 19100-19199; ssehub's PostgreSQL is var/bench-pg (port 19150),
// started if it is not running and then stopped at the end. Nothing
// else is touched.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

import { HERE, ROOT, stopAll } from './lib/procs.mjs';
import { loadavg, machineLine } from './lib/sys.mjs';
import { floor, nchan, pg, ssehub } from './lib/targets.mjs';
import { render } from './lib/tables.mjs';
import * as test from './lib/tests.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const TARGETS = (process.env.BENCH_TARGETS ?? 'ssehub floor nchan').split(/\s+/).filter(Boolean);
const TESTS = (process.env.BENCH_TESTS ?? 'idle fanout burst publish storm xnode sql nodes').split(/\s+/).filter(Boolean);

const conf = {
  idleCounts: QUICK ? [1000, 2000] : [10000, 20000],
  fanoutCounts: QUICK ? [100, 1000] : [1000, 10000],
  fanoutSecs: QUICK ? 8 : 30,
  fanoutRate: 10,
  burstSubs: QUICK ? 200 : 1000,
  burstRate: 1000,
  burstBatch: 50,
  burstPublishers: 50,
  burstSecs: QUICK ? 5 : 20,
  pubSecs: QUICK ? 4 : 15,
  // 16: the publish rows so far; 64: issue 16's goals (single and
  // batched) are set at 64.
  pubConns: [16, 64],
  pubBatch: 100,
  stormSubs: QUICK ? 1000 : 10000,
  stormBehind: 100,
  stormRamp: 1,
  xnodeSubs: QUICK ? 200 : 1000,
  xnodeRate: 10,
  xnodeSecs: QUICK ? 5 : 15,
  sqlSubs: QUICK ? 200 : 1000,
  sqlRate: 10,
  sqlSecs: QUICK ? 5 : 15,
  nodeCounts: [1, 2, 4],
  nodesSubs: QUICK ? 50 : 250,
  nodesRate: 200,
  nodesSecs: QUICK ? 5 : 15,
};

const want = (name) => TESTS.includes(name);
const rows = Object.fromEntries(TESTS.map((t) => [t, []]));

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ssebench.'));
const ctx = {
  work,
  out: process.env.BENCH_OUT ? path.resolve(process.env.BENCH_OUT) : path.join(work, 'out'),
  // Past ~14,000 connections from one address the kernel's ephemeral
  // port search makes connect() itself the bottleneck.
  srcAddrs: Number(process.env.BENCH_SRC_ADDRS ?? 4),
  smaps: true,
};
fs.mkdirSync(ctx.out, { recursive: true });
ctx.log = path.join(ctx.out, 'ssebench.log');

const TARGET = { ssehub: () => ssehub(), floor, nchan };

// Runs one test on a freshly started target; a target that does not
// start gets a row that says so.
async function fresh(make, table, fn) {
  const t = make();
  try {
    await t.start(ctx);
  } catch (e) {
    console.error(`[bench] ${t.name}: ${e.message}`);
    rows[table].push({ target: t.name, connected: 'not run' });
    return;
  }
  try {
    const row = await fn(t);
    if (row) rows[table].push(row);
  } finally {
    await t.stop();
  }
}

async function runTarget(name) {
  const make = TARGET[name];
  const probe = make();
  if (want('idle')) {
    for (const n of conf.idleCounts) await fresh(make, 'idle', (t) => test.idle(ctx, t, n));
    // Issue 16's memory goal is in make run's configuration.
    if (name === 'ssehub') {
      await fresh(() => ssehub({ runConf: true }), 'idle', (t) => test.idle(ctx, t, conf.idleCounts[0]));
    }
  }
  if (want('fanout')) {
    for (const n of conf.fanoutCounts) {
      await fresh(make, 'fanout', (t) => test.fanout(ctx, t, n, { rate: conf.fanoutRate, secs: conf.fanoutSecs }));
    }
  }
  if (want('burst')) {
    const base = { rate: conf.burstRate, secs: conf.burstSecs };
    const batch = probe.can.batch || name === 'floor' ? conf.burstBatch : 1;
    await fresh(make, 'burst', async (t) => ({
      row: 'batched', ...(await test.fanout(ctx, t, conf.burstSubs, { ...base, batch })),
    }));
    // The floor has no publishers: it sends each event as it comes.
    const conns = name === 'floor' ? 1 : conf.burstPublishers;
    await fresh(make, 'burst', async (t) => ({
      row: 'concurrent', ...(await test.fanout(ctx, t, conf.burstSubs, { ...base, conns, unordered: true })),
    }));
  }
  if (want('publish') && probe.can.publish) {
    for (const c of conf.pubConns) await fresh(make, 'publish', (t) => test.publishRate(ctx, t, c, 1, conf.pubSecs));
    if (probe.can.batch) {
      for (const c of conf.pubConns) {
        await fresh(make, 'publish', (t) => test.publishRate(ctx, t, c, conf.pubBatch, conf.pubSecs));
      }
    }
  }
  if (want('storm') && probe.can.storm) {
    await fresh(make, 'storm', (t) => test.storm(ctx, t, conf.stormSubs, conf.stormBehind, conf.stormRamp));
  }
  if (name !== 'ssehub') return;
  if (want('xnode')) {
    await fresh(make, 'xnode', (t) => test.crossNode(ctx, t, conf.xnodeSubs, conf.xnodeRate, conf.xnodeSecs));
  }
  if (want('sql')) await fresh(make, 'sql', (t) => test.sqlPublish(ctx, t, conf.sqlSubs, conf.sqlRate, conf.sqlSecs));
  if (want('nodes')) {
    for (const k of conf.nodeCounts) {
      await fresh(make, 'nodes', (t) => test.pgNodes(ctx, t, k, conf.nodesSubs, conf.nodesRate, conf.nodesSecs));
    }
  }
}

// ssehub's memory by mapping at the first idle count, summed over its
// processes: where the total goes.
function smapsTable() {
  const lines = [];
  for (const r of rows.idle ?? []) {
    if (!r.smaps || !r.target.startsWith('ssehub')) continue;
    lines.push(`#### ${r.target}, ${r.subs} idle subscribers: RSS by mapping (all processes)`, '',
      '| mapping | RSS KiB | KiB/sub |', '|---|---:|---:|');
    for (const m of r.smaps.slice(0, 8)) {
      lines.push(`| ${m.mapping} | ${m.kb} | ${(m.kb / r.connected).toFixed(2)} |`);
    }
    lines.push('');
  }
  if (lines.length > 0) {
    const z = JSON.parse(execFileSync(path.join(HERE, 'build/sizes')).toString());
    lines.push(`Per stream of one topic: ssehub's subscriber and its link ${z.sub} B (${z.sub_block} B as ` +
      `Kore allocates it), plus its topic literal (a small block); Kore's connection and receive netbuf ` +
      `${z.kore_per_conn} B in its pools (tests/bench/sizes.c). The rest of a stream is the kernel's ` +
      '(socket buffers), outside RSS.', '');
  }
  return lines.join('\n');
}

function command() {
  const vars = ['BENCH_QUICK', 'BENCH_TARGETS', 'BENCH_TESTS', 'BENCH_OUT', 'BENCH_SRC_ADDRS']
    .filter((v) => process.env[v]).map((v) => `${v}=${JSON.stringify(process.env[v])} `);
  return `${vars.join('')}node tests/bench/bench.mjs`;
}

async function main() {
  execFileSync('make', ['-s', '-C', HERE], { stdio: ['ignore', 2, 2] });
  if (TARGETS.includes('ssehub')) execFileSync('make', ['-s', '-C', ROOT, 'build'], { stdio: ['ignore', 2, 2] });
  const loadStart = os.loadavg()[0];
  if (loadStart > 0.5) console.error(`[bench] warning: load average ${loadStart} before start; results will be skewed`);
  const machine = machineLine();
  console.error(`[bench] machine: ${machine}`);
  for (const name of TARGETS) {
    console.error(`[bench] ${name} (load ${loadavg()})`);
    await runTarget(name);
  }
  const out = [`## SSE benchmark (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} CPUs, ` +
    `BENCH_QUICK=${QUICK ? 1 : 0}, load average at start ${loadStart.toFixed(2)})`, '',
  `Machine: ${machine}.`, `Command: \`${command()}\`.`, '',
  'Host CPU %: both cores, everything on the host. Other CPU %: processes outside this run (neither a ' +
    'server, the load tool nor ssehub\'s PostgreSQL); above a few percent the row is disturbed.', ''];
  for (const name of TESTS) {
    // Rows by target, in the order the targets were asked for.
    const ordered = TARGETS.flatMap((t) => rows[name].filter((r) => r.target.split(' ')[0] === t));
    if (ordered.length) out.push(render(name, conf, ordered));
    if (name === 'idle') out.push(smapsTable());
  }
  const text = out.join('\n');
  fs.writeFileSync(path.join(ctx.out, 'results.md'), text);
  process.stdout.write(text);
}

let failed = false;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    failed = true;
    stopAll().finally(() => process.exit(130));
  });
}
try {
  await main();
} catch (e) {
  failed = true;
  console.error(`[bench] ${e.stack}`);
} finally {
  await stopAll();
  try {
    pg.shutdown();
  } catch (e) {
    console.error(`[bench] PostgreSQL did not stop: ${e.message}`);
  }
  if (!process.env.BENCH_OUT) fs.rmSync(work, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;

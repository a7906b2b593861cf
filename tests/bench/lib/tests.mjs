// The measurements. Each takes a started target and returns one row (an
// object whose fields the tables in tables.mjs name); none prints.

import fs from 'node:fs';
import path from 'node:path';

import { publish, start, subscribe } from './procs.mjs';
import { pg } from './targets.mjs';
import { cpuSeconds, loadWatch, memKb, sleep, treePids } from './sys.mjs';

const log = (msg) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

function save(ctx, name, value) {
  fs.writeFileSync(path.join(ctx.out, name), typeof value === 'string' ? value : `${JSON.stringify(value)}\n`);
}

function watch(ctx) {
  const w = loadWatch([process.pid, pg.rootPid()]);
  return () => {
    const l = w.end();
    if (l.other !== null && l.other >= 10) log(`warning: other processes took ${l.other}% of the CPU during this test; rerun it`);
    return l;
  };
}

// The integrity and latency cells every delivery row has.
function delivery(sj, expected) {
  const ids = sj.ids > 0;
  return {
    connected: sj.connected,
    p50: sj.lat_p50_ms, p99: sj.lat_p99_ms, max: sj.lat_max_ms,
    delivered: `${sj.events}/${expected}`,
    complete: sj.events === expected,
    missing: sj.missing, dup: sj.dup, reordered: sj.unordered ? 'n/a' : sj.reordered,
    idMissing: ids ? sj.id_missing : 'n/a', idDup: ids ? sj.id_dup : 'n/a', idReordered: ids ? sj.id_reordered : 'n/a',
  };
}

// ssehub's fan-out histogram (ssehub_fanout_seconds) summed over workers:
// cumulative counts by bucket bound, and the sum in seconds.
async function fanoutHist(t) {
  const text = await (await fetch(`http://127.0.0.1:${t.port}/metrics`)).text();
  const buckets = new Map();
  let sum = 0;
  for (const line of text.split('\n')) {
    const b = line.match(/^ssehub_fanout_seconds_bucket\{.*le="([^"]*)".*\}\s+(\S+)/);
    if (b) buckets.set(b[1], (buckets.get(b[1]) ?? 0) + Number(b[2]));
    const s = line.match(/^ssehub_fanout_seconds_sum(\{.*\})?\s+(\S+)/);
    if (s) sum += Number(s[2]);
  }
  return { buckets, sum };
}

// Between two snapshots: p99 as the bound of the bucket that holds it,
// the mean, and the samples (each event once per worker).
function fanoutSummary(h0, h1) {
  const les = [...h1.buckets.keys()];
  const d = les.map((le) => h1.buckets.get(le) - (h0.buckets.get(le) ?? 0));
  const total = d[d.length - 1];
  if (!total) return { foP99: '-', foMean: '-' };
  const i = d.findIndex((v) => v >= 0.99 * total);
  const foP99 = les[i] === '+Inf' ? `>${Number(les[i - 1]) * 1000}` : `<=${Number(les[i]) * 1000}`;
  return { foP99, foMean: ((h1.sum - h0.sum) / total) * 1000 };
}

export async function idle(ctx, t, n) {
  log(`${t.name} idle: ${n} subscribers`);
  const before = memKb(t.pids());
  const subs = await subscribe(ctx, { port: t.port, path: t.subPath, conns: n, duration: 300 });
  await sleep(3000);	// the server's per-connection allocations settle
  const pids = t.pids();
  const after = memKb(pids);
  const smaps = ctx.smaps ? smapsByMapping(pids) : null;
  if (smaps) save(ctx, `${t.name}.idle${n}.smaps.json`, smaps);
  const sj = await subs.stop();
  save(ctx, `${t.name}.idle${n}.sub.json`, sj);
  const c = sj.connected || NaN;
  return {
    target: t.name, subs: n, connected: sj.connected, failed: sj.failed, connectMs: sj.ready_ms,
    growthRss: (after.rss - before.rss) / c, growthPss: (after.pss - before.pss) / c,
    totalRss: after.rss / c, totalPss: after.pss / c,
    rssMb: after.rss / 1024, pssMb: after.pss / 1024,
    smaps,
  };
}

// RSS by mapping, summed over the processes: where a server's memory is.
export function smapsByMapping(pids) {
  const by = new Map();
  for (const pid of pids) {
    let text;
    try {
      text = fs.readFileSync(`/proc/${pid}/smaps`, 'utf8');
    } catch {
      continue;
    }
    let name = null;
    for (const line of text.split('\n')) {
      const head = line.match(/^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/);
      if (head) {
        name = head[1] || '[anon]';
        continue;
      }
      const rss = line.match(/^Rss:\s+(\d+) kB/);
      if (rss && name) by.set(name, (by.get(name) ?? 0) + Number(rss[1]));
    }
  }
  return [...by].sort((a, b) => b[1] - a[1]).map(([mapping, kb]) => ({ mapping, kb }));
}

// N subscribers; events at `rate`/s for `secs`, in requests of `batch`
// over `conns` publishers. The fan-out and both burst rows.
export async function fanout(ctx, t, n, o) {
  const { rate, secs, batch = 1, conns = 1, unordered = false } = o;
  log(`${t.name} fan-out: ${n} subscribers, ${rate} events/s, batch ${batch}, ${conns} publishers, ${secs}s`);
  const subs = await subscribe(ctx, { port: t.port, path: t.subPath, conns: n, duration: secs + 60, unordered });
  await sleep(1000);
  const h0 = t.metrics ? await fanoutHist(t) : null;
  const cpu0 = cpuSeconds(t.pids());
  const done = watch(ctx);
  const pj = await t.publish(ctx, { rate, duration: secs, conns, batch });
  await sleep(2000);	// the last event still has to reach everyone
  const cpu = cpuSeconds(t.pids()) - cpu0;
  const load = done();
  const fo = t.metrics ? fanoutSummary(h0, await fanoutHist(t)) : { foP99: 'n/a', foMean: 'n/a' };
  const sj = { ...(await subs.stop()), unordered };
  save(ctx, `${t.name}.fanout${n}.r${rate}.b${batch}.c${conns}.json`, { pub: pj, sub: sj });
  return {
    target: t.name, subs: n, offered: rate, batch, publishers: conns,
    published: pj?.acked_per_s, posts: pj ? pj.acked_per_s / batch : null, pubP50: pj?.req_p50_ms,
    deliveredPerS: sj.events / secs,
    cpuUs: sj.events > 0 ? (cpu / sj.events) * 1e6 : null,
    ...fo,
    ...delivery(sj, (pj?.acked ?? 0) * sj.connected),
    ...load,
  };
}

// Publishers as fast as they go; for ssehub also where the CPU went.
export async function publishRate(ctx, t, conns, batch, secs) {
  log(`${t.name} publish: ${conns} publishers, ${batch} events/request, ${secs}s`);
  const cpu0 = cpuSeconds(t.pids());
  const pg0 = cpuSeconds(pg.pids());
  const done = watch(ctx);
  const pj = await t.publish(ctx, { rate: 0, duration: secs, conns, batch });
  const load = done();
  const cpu = cpuSeconds(t.pids()) - cpu0;
  const pgCpu = t.name === 'ssehub' ? cpuSeconds(pg.pids()) - pg0 : null;
  save(ctx, `${t.name}.publish.c${conns}.b${batch}.json`, pj);
  return {
    target: t.name, publishers: conns, batch, rate: pj?.acked_per_s, acked: pj?.acked, errors: pj?.errors,
    p50: pj?.req_p50_ms, p99: pj?.req_p99_ms,
    serverUs: pj?.acked ? (cpu / pj.acked) * 1e6 : null,
    pgUs: pj?.acked && pgCpu !== null ? (pgCpu / pj.acked) * 1e6 : null,
    ...load,
  };
}

// `behind` events on topic bench, then n subscribers within `ramp` s,
// each with a cursor just before them: each must get exactly those.
export async function storm(ctx, t, n, behind, ramp) {
  log(`${t.name} storm: ${n} subscribers within ${ramp}s, ${behind} events behind`);
  const cursor = await t.cursor(ctx);
  const pj = await t.publish(ctx, { rate: 0, conns: 1, batch: t.stormBatch, count: behind, duration: 30 });
  const cpu0 = cpuSeconds(t.pids());
  const done = watch(ctx);
  const subs = await subscribe(ctx, {
    port: t.port, path: t.subPath, conns: n, duration: 30, lastEventId: cursor,
    ramp: n / ramp, expect: pj?.acked ?? behind, wait: true,
  });
  const sj = await subs.result;
  const load = done();
  const cpu = cpuSeconds(t.pids()) - cpu0;
  save(ctx, `${t.name}.storm.json`, { pub: pj, sub: sj });
  return {
    target: t.name, subs: n, connected: sj.connected, behind: pj?.acked, ramp,
    allMs: sj.all_expect_ms, reached: `${sj.reached}/${n}`, range: `${sj.min_events}-${sj.max_events}`,
    cpuS: cpu, missing: sj.missing, dup: sj.dup, reordered: sj.reordered,
    idMissing: sj.ids ? sj.id_missing : 'n/a', idDup: sj.ids ? sj.id_dup : 'n/a', idReordered: sj.ids ? sj.id_reordered : 'n/a',
    ...load,
  };
}

// ssehub only: subscribers on node B, one publisher on node A.
export async function crossNode(ctx, t, n, rate, secs) {
  const portB = await t.addNode(ctx);
  log(`${t.name} cross-node: ${n} subscribers on node B, ${rate} events/s on node A, ${secs}s`);
  const subs = await subscribe(ctx, { port: portB, path: t.subPath, conns: n, duration: secs + 60 });
  await sleep(1000);
  const done = watch(ctx);
  const pj = await t.publish(ctx, { rate, duration: secs, conns: 1 });
  await sleep(2000);
  const load = done();
  const sj = await subs.stop();
  save(ctx, `${t.name}.xnode.json`, { pub: pj, sub: sj });
  return { target: t.name, subs: n, published: pj?.acked_per_s, ...delivery(sj, (pj?.acked ?? 0) * sj.connected), ...load };
}

// ssehub only: BEGIN; SELECT ssehub.publish(...); COMMIT; at `rate`/s
// through one psql session. The data carries "<seq> <unix us>" read from
// the database's clock just before COMMIT: commit-to-delivery latency.
export async function sqlPublish(ctx, t, n, rate, secs) {
  log(`${t.name} SQL publish: ${n} subscribers, ${rate} commits/s, ${secs}s`);
  const cursor = Number(pg.sql('SELECT ssehub.last_id()'));
  const subs = await subscribe(ctx, { port: t.port, path: t.subPath, conns: n, duration: secs + 60 });
  await sleep(1000);
  const done = watch(ctx);
  const psql = start('psql', ['-qtAX', '-v', 'ON_ERROR_STOP=1', pg.url],
    { input: 'pipe', err: path.join(ctx.out, 'sqlpub.psql.log') });
  const t0 = Date.now();
  for (let i = 1; i <= rate * secs; i++) {
    const wait = t0 + ((i - 1) * 1000) / rate - Date.now();
    if (wait > 0) await sleep(wait);
    psql.stdin.write(`BEGIN;\nSELECT ssehub.publish('bench', 'message', '${i} ' || ` +
      '(extract(epoch FROM clock_timestamp()) * 1000000)::bigint);\nCOMMIT;\n');
  }
  psql.stdin.end();
  await psql.done;
  const elapsed = (Date.now() - t0) / 1000 + 1 / rate;
  await sleep(2000);
  const committed = Number(pg.sql(`SELECT count(*) FROM ssehub.events WHERE topic = 'bench' AND id > ${cursor}`));
  const load = done();
  const sj = await subs.stop();
  save(ctx, `${t.name}.sqlpub.json`, sj);
  return {
    target: t.name, subs: n, committed, commitsPerS: committed / elapsed,
    ...delivery(sj, committed * sj.connected), ...load,
  };
}

// ssehub's backends by what they serve (application_name "ssehub log",
// "ssehub append", ...: src/db.c): kind -> pids.
function backendKinds() {
  const kinds = {};
  const rows = pg.sql("SELECT pid, application_name FROM pg_stat_activity WHERE application_name LIKE 'ssehub %'");
  for (const line of rows.split('\n').filter(Boolean)) {
    const [pid, app] = line.split('|');
    (kinds[app.slice('ssehub '.length)] ??= []).push(Number(pid));
  }
  return kinds;
}

// CPU seconds of each kind's backends ('log' and 'append' always there).
function kindCpu(kinds) {
  const out = { log: 0, append: 0 };
  for (const [kind, pids] of Object.entries(kinds)) out[kind] = cpuSeconds(pids);
  return out;
}

// ssehub only: k nodes (2 workers each) on one database, subsPerNode on
// each, one publisher on the first: what PostgreSQL spends per event.
export async function pgNodes(ctx, t, k, subsPerNode, rate, secs) {
  const ports = [t.port];
  while (ports.length < k) ports.push(await t.addNode(ctx));
  log(`${t.name} ${k} nodes: ${subsPerNode} subscribers each, ${rate} events/s, ${secs}s`);
  const subs = [];
  for (const port of ports) subs.push(await subscribe(ctx, { port, path: t.subPath, conns: subsPerNode, duration: secs + 60 }));
  await sleep(1000);
  const conns = Number(pg.sql('SELECT count(*) FROM pg_stat_activity WHERE backend_type = \'client backend\' ' +
    'AND pid <> pg_backend_pid()'));
  const kinds = backendKinds();
  const kinds0 = kindCpu(kinds);
  const pg0 = cpuSeconds(pg.pids());
  const cpu0 = cpuSeconds(t.allPids());
  const done = watch(ctx);
  const pj = await t.publish(ctx, { rate, duration: secs, conns: 1 });
  await sleep(2000);
  const pgCpu = cpuSeconds(pg.pids()) - pg0;
  const kinds1 = kindCpu(kinds);
  const cpu = cpuSeconds(t.allPids()) - cpu0;
  const load = done();
  const results = [];
  for (const s of subs) results.push(await s.stop());
  const sj = results.reduce((a, r) => ({
    ...a, connected: a.connected + r.connected, events: a.events + r.events,
    missing: a.missing + r.missing, dup: a.dup + r.dup, reordered: a.reordered + r.reordered,
    ids: a.ids + r.ids, id_missing: a.id_missing + r.id_missing, id_dup: a.id_dup + r.id_dup,
    id_reordered: a.id_reordered + r.id_reordered, lat_p99_ms: Math.max(a.lat_p99_ms, r.lat_p99_ms),
    lat_p50_ms: Math.max(a.lat_p50_ms, r.lat_p50_ms), lat_max_ms: Math.max(a.lat_max_ms, r.lat_max_ms),
  }));
  save(ctx, `${t.name}.nodes${k}.json`, { pub: pj, subs: results, pgCpu, conns });
  const acked = pj?.acked ?? 0;
  const perEvent = (kind) => (acked ? ((kinds1[kind] - kinds0[kind]) / acked) * 1e6 : null);
  return {
    target: t.name, nodes: k, workers: 2 * k, dbConns: conns, published: pj?.acked_per_s,
    pgUsPerEvent: acked ? (pgCpu / acked) * 1e6 : null,
    pgLogUs: perEvent('log'), pgAppendUs: perEvent('append'),
    pgOtherUs: acked ? (pgCpu / acked) * 1e6 - perEvent('log') - perEvent('append') : null,
    pgUsPerFrame: sj.events ? (pgCpu / sj.events) * 1e6 : null,
    nodeUsPerFrame: sj.events ? (cpu / sj.events) * 1e6 : null,
    ...delivery(sj, acked * sj.connected), ...load,
  };
}

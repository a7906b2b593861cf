// The servers under test. Each target starts fresh for every test (so
// memory an earlier test freed but kept cannot hide the next one's cost)
// and exposes the same face:
//
//   name, subPath (an SSE stream of topic "bench"), metrics (ssehub's
//   /metrics histogram), can (which tests apply), start(ctx) -> port,
//   pids() (the server and all its processes), publish(ctx, o) -> the
//   load tool's pub JSON, cursor(ctx) (the head: events published next
//   come after it), stop().

import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

import { FLOOR, ROOT, publish, start, stop } from './procs.mjs';
import { freePort, portInUse, sleep, treePids, waitPort } from './sys.mjs';

const TOKEN = 'ssebench-publish-token-0001';
const PG_PORT = 19150;
const PG_DIR = path.join(ROOT, 'var/bench-pg');
const APP = path.join(ROOT, 'build/ssehub');
const NGINX = '/usr/sbin/nginx';

// ---- PostgreSQL: started once per run, reused between tests ----

export const pg = {
  url: null,
  started: false,
  async ensure() {
    if (this.url) return this.url;
    this.started = !(await portInUse(PG_PORT));
    execFileSync(path.join(ROOT, 'tests/lib/pg.sh'), ['start', PG_DIR, String(PG_PORT)], { stdio: ['ignore', 2, 2] });
    this.url = execFileSync(path.join(ROOT, 'tests/lib/pg.sh'), ['url', PG_DIR, String(PG_PORT)]).toString().trim();
    return this.url;
  },
  // The postmaster and its backends: what the database spends.
  pids() {
    const pidFile = path.join(PG_DIR, 'pgdata/postmaster.pid');
    if (!fs.existsSync(pidFile)) return [];
    return treePids([Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0])]);
  },
  rootPid() {
    return this.pids()[0];
  },
  sql(query) {
    return execFileSync('psql', ['-qtAX', this.url, '-c', query]).toString().trim();
  },
  shutdown() {
    if (this.started) execFileSync(path.join(ROOT, 'tests/lib/pg.sh'), ['stop', PG_DIR], { stdio: ['ignore', 2, 2] });
  },
};

// ---- nchan: nginx with Debian's module, the nearest equivalent ----

export function nchan() {
  let child;
  let dir;
  const t = {
    name: 'nchan',
    subPath: '/sub?id=bench',
    metrics: false,
    can: { publish: true, batch: false, storm: true },
    stormBatch: 1,
    async start(ctx) {
      t.port = await freePort();
      dir = path.join(ctx.work, `nginx-${t.port}`);
      fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
      fs.mkdirSync(path.join(dir, 'tmp'), { recursive: true });
      const conf = fs.readFileSync(path.join(ROOT, 'conf/bench/nchan.conf'), 'utf8');
      fs.writeFileSync(path.join(dir, 'nchan.conf'), conf.replaceAll('@PORT@', t.port));
      child = start(NGINX, ['-p', dir, '-c', path.join(dir, 'nchan.conf'), '-e', path.join(dir, 'logs/error.log')],
        { out: path.join(dir, 'logs/stdout'), err: path.join(dir, 'logs/stdout') });
      if (!(await waitPort(t.port))) throw new Error(`nginx did not start (${dir}/logs)`);
      return t.port;
    },
    pids: () => treePids([child.pid]),
    publish: (ctx, o) => publish(ctx, { ...o, target: 'nchan', port: t.port }),
    // nchan's cursor is a message id ("time:tag"), known only once a
    // message exists: publish a marker (never counted) and resume after it.
    async cursor() {
      const r = await fetch(`http://127.0.0.1:${t.port}/pub?id=bench`,
        { method: 'POST', body: 'storm marker', headers: { Accept: 'text/json' } });
      return (await r.json()).last_message_id;
    },
    async stop() {
      await stop(child);
      const log = path.join(dir, 'logs/error.log');
      const alerts = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter((l) => /\[(alert|crit|emerg)\]/.test(l)) : [];
      if (alerts.length) console.error(`[bench] nchan logged ${alerts.length} alerts, e.g. ${alerts[0]}`);
    },
  };
  return t;
}

// ---- the floor: tests/bench/floor.c ----

export function floor() {
  let child;
  const t = {
    name: 'floor',
    subPath: '/sub',
    metrics: false,
    can: { publish: false, batch: false, storm: false },
    async start(ctx) {
      t.port = await freePort();
      child = start(FLOOR, ['--port', String(t.port), '--workers', '2'], { err: ctx.log });
      if (!(await waitPort(t.port))) throw new Error('floor did not start');
      return t.port;
    },
    pids: () => treePids([child.pid]),
    // The floor emits on its own schedule; the answer comes when all are out.
    async publish(ctx, o) {
      const count = o.count ?? Math.round(o.rate * o.duration);
      const r = await fetch(`http://127.0.0.1:${t.port}/emit?rate=${o.rate}&batch=${o.batch ?? 1}&count=${count}`,
        { method: 'POST' });
      const j = await r.json();
      return { ...j, sent: count, errors: 0, req_p50_ms: 'n/a' };
    },
    stop: () => stop(child),
  };
  return t;
}

// ---- ssehub ----

// One node (Kore parent and workers) with its config, log and state in
// dir; resolves once /healthz answers. conf: the bench's or make run's.
async function ssehubNode(ctx, dir, conf) {
  fs.mkdirSync(dir, { recursive: true });
  const ports = conf.ports.map(() => 0);
  for (let i = 0; i < ports.length; i++) ports[i] = await freePort();
  let text = fs.readFileSync(path.join(ROOT, conf.file), 'utf8');
  text = conf.ports.reduce((s, from, i) => s.replaceAll(from, String(ports[i])), text);
  text = text.replaceAll('@APP@', APP).replaceAll('./ssehub.so', path.join(APP, 'ssehub.so'));
  fs.writeFileSync(path.join(dir, 'kore.conf'), text);
  // Only these settings reach it, not the caller's SSEHUB_*.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SSEHUB_')));
  Object.assign(env, {
    SSEHUB_DB: await pg.ensure(), SSEHUB_TOKEN: TOKEN, SSEHUB_VAR: dir, ...conf.env,
  });
  // Kore resolves "include conf/routes.conf" against its cwd.
  const log = path.join(dir, 'log');
  const child = start('stdbuf', ['-oL', 'kore', '-fnrc', path.join(dir, 'kore.conf')],
    { out: log, err: log, env, cwd: APP });
  const port = ports[ports.length - 1];
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return { child, port };
    } catch {
      // not up yet
    }
    if (child.exitCode !== null) break;
    await sleep(100);
  }
  throw new Error(`ssehub on port ${port} did not come up; see ${log}`);
}

const BENCH_CONF = {
  file: 'conf/bench/ssehub.conf', ports: ['@PORT@'],
  env: { SSEHUB_TICK_MS: '0', SSEHUB_STREAMS_PER_IP: '0' },
};
// make run's configuration (conf/ssehub.conf: TLS and plain listeners);
// the plain one, listed last, is the one measured.
const RUN_CONF = { file: 'conf/ssehub.conf', ports: ['8443', '8080'], env: { SSEHUB_STREAMS_PER_IP: '0' } };

export function ssehub({ runConf = false } = {}) {
  let nodes = [];
  const t = {
    name: runConf ? 'ssehub (make run conf)' : 'ssehub',
    subPath: '/stream?topic=bench',
    metrics: true,
    can: { publish: true, batch: true, storm: true },
    stormBatch: 100,
    token: TOKEN,
    async start(ctx) {
      if (!fs.existsSync(path.join(APP, 'ssehub.so'))) throw new Error(`${APP}/ssehub.so missing (make build)`);
      const n = await ssehubNode(ctx, path.join(ctx.work, `ssehub-${Date.now()}`), runConf ? RUN_CONF : BENCH_CONF);
      nodes = [n];
      t.port = n.port;
      return t.port;
    },
    // Another node on the same database, for the cross-node tests.
    async addNode(ctx) {
      const n = await ssehubNode(ctx, path.join(ctx.work, `ssehub-${Date.now()}-${nodes.length}`), BENCH_CONF);
      nodes.push(n);
      return n.port;
    },
    pids: () => treePids([nodes[0].child.pid]),
    allPids: () => treePids(nodes.map((n) => n.child.pid)),
    publish: (ctx, o) => publish(ctx, { ...o, target: 'ssehub', port: o.port ?? t.port, token: TOKEN }),
    cursor: () => pg.sql('SELECT ssehub.last_id()'),
    async stop() {
      await Promise.all(nodes.map((n) => stop(n.child)));
      nodes = [];
    },
  };
  return t;
}

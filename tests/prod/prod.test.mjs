// The production deployment started by tests/prod/run.sh: Kore's sandbox
// seen from /proc, then the API over Kore's own TLS.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import { execFileSync } from 'node:child_process';
import { CurlStream, sleep } from '../h2/lib.mjs';

const PID = Number(process.env.PROD_PID);
const CHROOT = process.env.PROD_CHROOT;
const DEPLOY = process.env.PROD_DEPLOY;
const USER = process.env.PROD_USER || 'ssehub';
const HTTPS = Number(process.env.PROD_HTTPS);
const LOG = process.env.PROD_LOG;
const TOKEN = process.env.SSEHUB_TOKEN;
const TOPIC = `prod${process.pid}`;

const uidOf = (name) => Number(execFileSync('id', ['-u', name]).toString().trim());

function proc(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (k) => (new RegExp(`^${k}:\\s*(.*)$`, 'm').exec(status) || [])[1];
  return {
    pid,
    title: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').replace(/\0/g, ' '),
    uids: field('Uid').split(/\s+/).map(Number),
    gids: field('Gid').split(/\s+/).map(Number),
    seccomp: Number(field('Seccomp')),
    noNewPrivs: Number(field('NoNewPrivs')),
    root: fs.readlinkSync(`/proc/${pid}/root`),
  };
}

function children(pid) {
  return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

function workers() {
  return children(PID).map(proc).filter((p) => /\[wrk \d+\]/.test(p.title));
}

function publish(events) {
  const body = JSON.stringify(events);
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port: HTTPS, path: '/publish', method: 'POST', rejectUnauthorized: false, agent: false,
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode, json: JSON.parse(text), proto: res.socket.getProtocol?.() });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const stream = (query, headers = {}) =>
  new CurlStream(`https://127.0.0.1:${HTTPS}/stream?${query}`, { http: '--http1.1', headers, maxTime: 20 });

let before;

test('workers: uid of ssehub, chrooted, seccomp mode 2; parent stays root, key manager sandboxed too', () => {
  const uid = uidOf(USER);
  const parent = proc(PID);
  assert.match(parent.title, /kore \[parent\]/);
  assert.deepEqual(parent.uids, [0, 0, 0, 0]);

  before = workers();
  assert.equal(before.length, 2, `workers: ${JSON.stringify(before)}`);
  for (const w of before) {
    console.log(`# ${w.title} pid ${w.pid}: uid ${w.uids.join('/')} gid ${w.gids.join('/')} root ${w.root} Seccomp ${w.seccomp}`);
    assert.deepEqual(w.uids, [uid, uid, uid, uid], `${w.title} uids`);
    assert.equal(w.root, CHROOT, `${w.title} root`);
    assert.equal(w.seccomp, 2, `${w.title} Seccomp`);
  }
  assert.deepEqual(fs.readdirSync(CHROOT), [], 'the chroot is empty');

  const keymgr = children(PID).map(proc).find((p) => /\[keymgr\]/.test(p.title));
  assert.ok(keymgr, 'a key manager');
  console.log(`# ${keymgr.title} pid ${keymgr.pid}: uid ${keymgr.uids.join('/')} root ${keymgr.root} Seccomp ${keymgr.seccomp}`);
  assert.deepEqual(keymgr.uids, [uid, uid, uid, uid]);
  assert.equal(keymgr.root, DEPLOY);
  assert.equal(keymgr.seccomp, 2);
});

test('over Kore TLS: /publish, a live /stream, replay by Last-Event-ID', async () => {
  const live = stream(`topic=${TOPIC}`);
  await live.until((s) => s.blocks.some((b) => b.kind === 'retry'), 5000, 'retry:');

  const r = await publish([1, 2, 3].map((i) => ({ topic: TOPIC, event: 'prod', data: `p${i}` })));
  assert.equal(r.status, 201);
  assert.match(r.proto, /^TLSv1\.[23]$/);
  const ids = r.json.ids;
  assert.equal(ids.length, 3);

  await live.until((s) => s.frames().length >= 3, 5000, 'three live frames');
  assert.deepEqual(live.frames().map((f) => Number(f.id)), ids);
  assert.deepEqual(live.frames().map((f) => f.data), ['p1', 'p2', 'p3']);
  await live.until((s) => s.heartbeats().length >= 1, 3000, 'a heartbeat');

  const replay = stream(`topic=${TOPIC}`, { 'Last-Event-ID': String(ids[0]) });
  await replay.until((s) => s.frames().length >= 2, 5000, 'replay');
  assert.deepEqual(replay.frames().map((f) => Number(f.id)), ids.slice(1));

  // Both continue live; the ticker (worker 1, system topic) publishes too.
  const r2 = await publish({ topic: TOPIC, event: 'prod', data: 'p4' });
  await live.until((s) => s.frames().length >= 4, 3000, 'live p4');
  await replay.until((s) => s.frames().length >= 3, 3000, 'replay then live p4');
  assert.equal(Number(replay.frames().at(-1).id), r2.json.id);

  const sys = stream('topic=system');
  await sys.until((s) => s.frames().length >= 1, 5000, 'a ticker event');
  assert.match(sys.frames()[0].data, /System update/);
  for (const s of [live, replay, sys]) s.close();
});

// libpq reconnecting from inside the chroot and the seccomp filter: the
// system calls of a fresh connect, after the workers started.
test('PostgreSQL restart: publish answers 503, then works again; a live stream resumes', { timeout: 60000 }, async () => {
  const pg = ['tests/lib/pg.sh', process.env.PROD_PG_VAR, process.env.PROD_PG_PORT];
  const live = stream(`topic=${TOPIC}`);
  await live.until((s) => s.blocks.some((b) => b.kind === 'retry'), 5000, 'retry:');
  execFileSync(pg[0], ['stop', pg[1], pg[2]]);
  try {
    const down = await publish({ topic: TOPIC, data: 'while down' }).catch((e) => ({ status: String(e) }));
    assert.equal(down.status, 503);
  } finally {
    execFileSync(pg[0], ['start', pg[1], pg[2]]);
  }
  const t0 = Date.now();
  let up;
  for (;;) {
    up = await publish({ topic: TOPIC, event: 'prod', data: 'after restart' });
    if (up.status === 201 || Date.now() - t0 > 20000) break;
    await sleep(250);
  }
  console.log(`# publish answered 201 again ${Date.now() - t0} ms after PostgreSQL came back`);
  assert.equal(up.status, 201);
  await live.until((s) => s.frames().some((f) => f.data === 'after restart'), 10000, 'the event after the restart');
  live.close();
});

test('no worker died: same pids, no sandbox violation in the log', async () => {
  await sleep(1500);
  const after = workers();
  assert.deepEqual(after.map((w) => w.pid).sort(), before.map((w) => w.pid).sort());
  const log = fs.readFileSync(LOG, 'utf8');
  assert.doesNotMatch(log, /sandbox violation|seccomp violation|died/);
});

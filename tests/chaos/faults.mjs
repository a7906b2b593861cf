// The server under test, PostgreSQL, and the faults injected into them:
// SIGKILL of one Kore worker, SIGKILL of the whole server then a restart,
// a PostgreSQL restart (fast or immediate shutdown), a subscriber that
// stops reading. Each fault is recorded with t (it happened) and back
// (the component is up again), for recovery times.

import path from 'node:path';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { ROOT, sleep } from '../integration/lib.mjs';
import { config, rnd, between, pick, now, log, violation } from './common.mjs';
import { HTTP_PORT, HTTPS_PORT, TOKEN, metric } from './http.mjs';

const run = promisify(execFile);
const SERVER = path.join(ROOT, 'tests/lib/server.sh');
const PG = path.join(ROOT, 'tests/lib/pg.sh');
const PG_VAR = process.env.CHAOS_PG_VAR ?? path.join(ROOT, 'var/chaos');
const PG_PORT = process.env.CHAOS_PG_PORT ?? '18632';
const NAME = 'chaos';

export const faults = [];
export const server = { startRetries: 0, slowCuts: 0 };

function serverEnv() {
  return {
    ...process.env,
    SSEHUB_TOKEN: TOKEN,
    SSEHUB_TICK_MS: '0',
    SSEHUB_HEARTBEAT_MS: String(config.heartbeatMs),
    SSEHUB_QUEUE_CAP: String(config.queueCap),
    SSEHUB_RING: String(config.ring),
    SSEHUB_RETAIN_EVENTS: String(config.retain),
  };
}

// Retried a few times (a start can fail while ssehub.so is being rebuilt).
export async function startServer() {
  for (let i = 0; ; i++) {
    try {
      return await run(SERVER, ['start', NAME, String(HTTP_PORT), String(HTTPS_PORT)], { env: serverEnv() });
    } catch (e) {
      if (i === 4) throw e;
      server.startRetries++;
      log(`server start failed (${String(e.stderr ?? e).trim().split('\n').pop()}); retrying`);
      await run(SERVER, ['kill', NAME]).catch(() => {});
      await sleep(2000);
    }
  }
}
export const stopServer = () => run(SERVER, ['stop', NAME]);
const killServer = () => run(SERVER, ['kill', NAME]);
const serverPid = () => Number(readFileSync(path.join(process.env.SSEHUB_TEST_VAR, NAME, 'pid'), 'utf8').trim());

async function workerPids() {
  try {
    const { stdout } = await run('pgrep', ['-P', String(serverPid()), '-f', 'kore \\[wrk']);
    return stdout.trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function serverKill() {
  server.slowCuts += (await metric('ssehub_slow_disconnects_total')) ?? 0;   // lost with the server
  const f = { kind: 'server-kill', t: now() };
  log('fault: SIGKILL the whole server');
  await killServer();
  await sleep(between(500, 2000));
  await startServer();
  f.back = now();
  f.detail = `down ${f.back - f.t} ms`;
  return f;
}

async function workerKill() {
  const before = await workerPids();
  if (before.length === 0) return { kind: 'worker-kill', t: now(), back: now(), detail: 'no worker found' };
  const victim = pick(before);
  log(`fault: SIGKILL worker ${victim} of [${before}]`);
  process.kill(victim, 'SIGKILL');
  const f = { kind: 'worker-kill', t: now() };
  for (let i = 0; i < 100 && f.back === undefined; i++) {
    const pids = await workerPids();
    if (pids.length === before.length && !pids.includes(victim)) f.back = now();
    else await sleep(50);
  }
  if (f.back === undefined) violation(`worker ${victim} not respawned by Kore within 5 s`);
  f.detail = f.back === undefined ? 'not respawned' : `respawned in ${f.back - f.t} ms`;
  return f;
}

async function pgRestart() {
  const mode = rnd() < 0.5 ? 'stop' : 'kill';
  log(`fault: PostgreSQL ${mode === 'stop' ? 'fast' : 'immediate'} shutdown`);
  const f = { kind: 'pg-restart', mode: mode === 'stop' ? 'fast' : 'immediate', t: now() };
  await run(PG, [mode, PG_VAR]);
  await sleep(between(1000, 3000));
  await run(PG, ['start', PG_VAR, PG_PORT]);
  f.back = now();
  f.detail = `${f.mode}, down ${f.back - f.t} ms`;
  return f;
}

async function stall(subs) {
  const s = pick(subs.filter((x) => x.mode !== 'slow'));
  const ms = between(5000, 12000);
  log(`fault: ${s.label()} stops reading for ${Math.round(ms)} ms`);
  s.pause(ms);
  return { kind: 'stall', t: now(), back: now(), detail: `${s.label()} for ${Math.round(ms)} ms` };
}

const KINDS = [serverKill, workerKill, pgRestart, stall];

// Faults at random intervals until endMs; the kinds are drawn from a
// shuffled bag, so every kind occurs in a short run too.
export async function injectFaults(subs, endMs) {
  let bag = [];
  for (let at = now() + between(3000, 6000); at < endMs - 4000; at += between(4000, 9000)) {
    await sleep(Math.max(0, at - now()));
    if (bag.length === 0) bag = [...KINDS].sort(() => rnd() - 0.5);
    const f = await bag.pop()(subs);
    faults.push(f);
    log(`  ${f.kind}: ${f.detail}`);
    at = Math.max(at, now());
  }
  await sleep(Math.max(0, endMs - now()));
}

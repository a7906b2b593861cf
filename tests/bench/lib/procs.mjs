// The processes a run starts: every one is tracked by its PID and
// stopped by it at the end (never by name), and the load tool's two
// modes are wrapped so that a test reads as what it does.

import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { sleep, treePids } from './sys.mjs';

export const HERE = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const ROOT = path.resolve(HERE, '../..');
export const SSEBENCH = path.join(HERE, 'build/ssebench');
export const FLOOR = path.join(HERE, 'build/floor');

const live = new Set();

// Starts cmd in the background; out/err name files (appended) or are
// 'pipe', as input may be. The child's exit resolves child.done with its code.
export function start(cmd, args, { input = 'ignore', out = null, err = null, env = process.env, cwd } = {}) {
  const fd = (f) => (f === 'pipe' ? 'pipe' : f ? fs.openSync(f, 'a') : 'ignore');
  const child = spawn(cmd, args, { stdio: [input, fd(out), fd(err)], env, cwd });
  live.add(child);
  child.done = new Promise((resolve) => {
    child.once('exit', (code, sig) => {
      live.delete(child);
      resolve(code ?? sig);
    });
    child.once('error', (e) => {
      live.delete(child);
      resolve(e.message);
    });
  });
  return child;
}

// SIGTERM, then after `ms` SIGKILL to it and whatever it started.
export async function stop(child, ms = 10000) {
  if (!live.has(child)) return;
  const tree = treePids([child.pid]);
  child.kill('SIGTERM');
  const timer = sleep(ms).then(() => 'timeout');
  if ((await Promise.race([child.done, timer])) === 'timeout') {
    console.error(`[bench] pid ${child.pid} ignored SIGTERM; killing it`);
    for (const pid of tree) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await child.done;
  }
}

export async function stopAll() {
  await Promise.all([...live].map((c) => stop(c, 5000)));
}

// The whole stdout of a child that prints one JSON line (the load tool).
function jsonOf(child) {
  let text = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => (text += d));
  return child.done.then(() => {
    try {
      return JSON.parse(text.trim().split('\n').pop());
    } catch {
      return null;
    }
  });
}

// Subscribers: resolves `ready` once all settled (or gave up), `result`
// with the load tool's JSON when it ends (at its duration, or stopped).
export async function subscribe(ctx, o) {
  const perProc = 5000;
  const ready = path.join(ctx.work, `ready.${process.hrtime.bigint()}`);
  const args = ['sub', '--port', o.port, '--path', o.path, '--conns', o.conns,
    '--procs', Math.ceil(o.conns / perProc), '--duration', o.duration,
    '--src-addrs', ctx.srcAddrs, '--ready-file', ready];
  if (o.lastEventId !== undefined) args.push('--last-event-id', o.lastEventId);
  if (o.ramp) args.push('--ramp-per-sec', o.ramp);
  if (o.expect) args.push('--expect-events', o.expect);
  if (o.unordered) args.push('--unordered');
  const child = start(SSEBENCH, args.map(String), { out: 'pipe', err: ctx.log });
  const result = jsonOf(child);
  if (!o.wait) {
    for (let i = 0; i < 600 && !fs.existsSync(ready) && live.has(child); i++) await sleep(100);
    if (!fs.existsSync(ready)) console.error('[bench] subscribers did not all settle in time');
  }
  return { child, result, stop: () => stop(child).then(() => result) };
}

// A publisher run of the load tool; resolves its JSON.
export function publish(ctx, o) {
  const args = ['pub', '--target', o.target, '--port', o.port, '--rate', o.rate,
    '--duration', o.duration, '--conns', o.conns ?? 1, '--batch', o.batch ?? 1];
  if (o.count) args.push('--count', o.count);
  if (o.token) args.push('--token', o.token);
  return jsonOf(start(SSEBENCH, args.map(String), { out: 'pipe', err: ctx.log }));
}

// Helpers for the production tests (tests/prod/run.sh): the server that
// `make install` installed, run by tests/prod/unit.sh, seen from /proc and
// over Kore's own TLS.

import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CurlStream } from '../h2/lib.mjs';
import { httpRequestOrThrow, publishRequest } from '../lib/http.mjs';
import * as pg from '../lib/pg.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CONF = process.env.PROD_CONF;
export const HTTP = Number(process.env.PROD_HTTP);
export const HTTPS = Number(process.env.PROD_HTTPS);
export const STATE = process.env.PROD_STATE;
export const LOG = path.join(STATE, 'log');
export const USER = 'ssehub';
const UNIT_SH = path.join(ROOT, 'tests/prod/unit.sh');

// The publish token that `make install` generated into env.
export const token = () => /^SSEHUB_TOKEN=(.*)$/m.exec(fs.readFileSync(path.join(CONF, 'env'), 'utf8'))[1];

export const parentPid = () => Number(fs.readFileSync(path.join(STATE, 'pid'), 'utf8'));

export function proc(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (k) => (new RegExp(`^${k}:\\s*(.*)$`, 'm').exec(status) || [])[1];
  return {
    pid,
    title: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').replace(/\0/g, ' '),
    uids: field('Uid').split(/\s+/).map(Number),
    gids: field('Gid').split(/\s+/).map(Number),
    seccomp: Number(field('Seccomp')),
    root: fs.readlinkSync(`/proc/${pid}/root`),
  };
}

export function children(pid) {
  return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

export const workers = () => children(parentPid()).map(proc).filter((p) => /\[wrk \d+\]/.test(p.title));

// POST /publish over TLS; resolves {status, json, proto}.
export async function publish(events, headers = {}) {
  const r = await httpRequestOrThrow(HTTPS, { ...publishRequest(events, token(), headers), secure: true, timeoutMs: 0 });
  return { status: r.status, json: r.json, proto: r.protocol };
}

export const stream = (query, headers = {}, maxTime = 20) =>
  new CurlStream(`https://127.0.0.1:${HTTPS}/stream?${query}`, { http: '--http1.1', headers, maxTime });

// What systemctl restart does: stop (SIGTERM, then SIGKILL), start.
export function restart() {
  execFileSync(UNIT_SH, ['stop', STATE], { stdio: 'inherit' });
  execFileSync(UNIT_SH, ['start', process.env.PROD_UNIT, STATE, `http://127.0.0.1:${HTTP}/healthz`], { stdio: 'inherit' });
}

// make install into the same scratch PREFIX and SYSCONFDIR as run.sh.
export function makeInstall() {
  execFileSync('make', ['-C', ROOT, '-s', 'install', `PREFIX=${process.env.PROD_PREFIX}`,
    `SYSCONFDIR=${process.env.PROD_SYSCONFDIR}`, 'SYSTEMCTL=:'], { stdio: 'inherit' });
}

export const psql = (sql) => pg.psql(process.env.PROD_DB, sql);

/*
 * Shared by the browser tests: the browser, the servers run.sh started,
 * publishing, and the ids the page rendered versus those PostgreSQL
 * stored. run.sh sets the environment read here.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { publishRequest } from '../lib/http.mjs';
import { psql } from '../lib/pg.mjs';

const root = new URL('../..', import.meta.url).pathname;
const env = process.env;

export const HTTP = `http://127.0.0.1:${env.BROWSER_HTTP}`;
export const HTTPS = `https://127.0.0.1:${env.BROWSER_HTTPS}`;
export const ARTIFACTS = new URL('./artifacts/', import.meta.url).pathname;

/* Debian's chromium: playwright cannot download its own here. */
export function launch() {
  return chromium.launch({ executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic',
      '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'] });
}

/* server.sh start|stop|kill|pid for the instance run.sh started. */
export function server(cmd) {
  const ports = cmd === 'start' ?
      [env.BROWSER_HTTP, env.BROWSER_HTTPS] : [];
  return execFileSync(`${root}tests/lib/server.sh`, [cmd, 'browser',
      ...ports], { stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8', timeout: 30000 });
}

/* A second node on the same database, to publish while one is down. */
export function peer(cmd) {
  const ports = cmd === 'start' ?
      [env.BROWSER_PEER_HTTP, env.BROWSER_PEER_HTTPS] : [];
  execFileSync(`${root}tests/lib/server.sh`, [cmd, 'browser-peer',
      ...ports], { stdio: 'inherit', timeout: 30000,
      env: { ...env, SSEHUB_TICK_MS: '0' } });
}

/* POSTs events (an object or an array) and returns the new ids. */
export async function publish(events, base = HTTP) {
  const { path, ...req } = publishRequest(events, env.SSEHUB_TOKEN);
  const res = await fetch(`${base}${path}`, req);
  const body = await res.json();
  assert.equal(res.status, 201, JSON.stringify(body));
  return body.ids ?? [body.id];
}

/* Open streams on the server, summed over its workers (/metrics). */
export async function subscribers() {
  const text = await (await fetch(`${HTTP}/metrics`)).text();
  return [...text.matchAll(/^ssehub_subscribers\{[^}]*\} (\d+)$/gm)]
      .reduce((sum, m) => sum + Number(m[1]), 0);
}

/* Ids PostgreSQL holds in [from, to], ascending; of these topics only. */
export function storedIds(from, to, topics = null) {
  const only = topics === null ? '' :
      ` AND topic = ANY ('{${topics.join(',')}}')`;
  const out = psql(env.SSEHUB_DB,
      `SELECT id FROM ssehub.events WHERE id BETWEEN ${from} AND ${to}` +
      `${only} ORDER BY id`);
  return out.split('\n').filter(Boolean).map(Number);
}

/* Ids of the rendered feed rows, oldest first. */
export async function renderedIds(page) {
  const ids = await page.$$eval('.feed li[data-id]',
      (rows) => rows.map((r) => Number(r.dataset.id)));
  return ids.reverse();
}

export function waitForId(page, id, timeout = 5000) {
  return page.waitForSelector(`.feed li[data-id="${id}"]`, { timeout });
}

export function waitForPhase(page, phase, timeout = 5000) {
  return page.waitForSelector(`.status[data-phase="${phase}"]`,
      { timeout });
}

/* Fails on a repeated id: the page must render each event once. */
export function assertNoDuplicates(ids) {
  const seen = new Set();
  for (const id of ids) {
    assert.ok(!seen.has(id), `id ${id} rendered twice`);
    seen.add(id);
  }
}

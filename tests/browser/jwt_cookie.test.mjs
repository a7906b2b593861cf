/*
 * Issue 13 in a real browser: a page of an application (its own small
 * backend, another port of 127.0.0.1) reads a private topic of ssehub
 * with new EventSource(url, { withCredentials: true }) and nothing in the
 * URL: the backend's /refresh sets ssehub_token (an HS256 JWT that lives
 * 3 s; cookies ignore ports, so it goes to ssehub on 127.0.0.1 too) and
 * the page calls it every second. ssehub ends each stream when its token
 * expires (leeway 0); EventSource reconnects by itself with the fresh
 * cookie and Last-Event-ID. Over about 12 s of steady publishing the
 * stream must have ended at expiry several times, and every event must
 * have arrived exactly once, in order.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launch, publish, storedIds } from './lib.mjs';
import { claims, jwt } from '../lib/jwt.mjs';

const root = new URL('../..', import.meta.url).pathname;
const env = process.env;
/* run.sh's servers take base..base+4. */
const base = Number(env.BROWSER_HTTP) - 1;
const HUB_PORT = base + 5;
const APP_PORT = base + 7;
const HUB = `http://127.0.0.1:${HUB_PORT}`;
const APP = `http://127.0.0.1:${APP_PORT}`;
const NAME = 'browser-jwt';
const SECRET = randomBytes(32).toString('hex');
const TOPIC = `private.user.${Date.now() % 1e6}`;
const TOKEN_TTL = 3;
const PUBLISH_MS = 12000;
const var_ = path.resolve(env.SSEHUB_TEST_VAR || `${root}var/test`);

const PAGE = `<!doctype html><html lang="en"><meta charset="utf-8">
<title>jwt cookie test</title><body><script type="module">
window.got = [];
window.opens = [];
window.errors = [];
async function refresh() {
	const res = await fetch('/refresh', { method: 'POST' });
	window.refreshed = res.status;
}
await refresh();
setInterval(refresh, 1000);
const url = '${HUB}/stream?topic=${TOPIC}';
/* Without credentials the private topic is refused: a 403 is final. */
const bare = new EventSource(url);
bare.onerror = () => { window.bareState = bare.readyState; };
const es = new EventSource(url, { withCredentials: true });
window.es = es;
es.onopen = () => window.opens.push(Date.now());
es.onerror = () => window.errors.push([Date.now(), es.readyState]);
es.onmessage = (e) => window.got.push(Number(e.lastEventId));
document.body.dataset.ready = '1';
</script></body></html>`;

let browser;
let app;
let refreshes = 0;

function hub(cmd, ...args) {
  execFileSync(`${root}tests/lib/server.sh`, [cmd, NAME, ...args],
      { stdio: ['ignore', 'ignore', 'inherit'], timeout: 30000,
      env: { ...env, ...hubEnv } });
}

const dir = path.join(var_, 'jwt-cookie');
const acl = path.join(dir, 'acl.conf');
const hubEnv = {
  SSEHUB_ACL: acl,
  SSEHUB_JWT_SECRET: SECRET,
  SSEHUB_JWT_LEEWAY: '0',
  SSEHUB_RETRY_MS: '500',
  SSEHUB_TICK_MS: '0',
};

before(async () => {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(acl, `private private.*\norigin ${APP}\n`);
  hub('start', String(HUB_PORT), String(HUB_PORT + 1));
  /* The application's backend: the page, and a fresh cookie. */
  app = http.createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(PAGE);
    } else if (req.url === '/refresh' && req.method === 'POST') {
      refreshes++;
      const t = jwt(claims({ sub: 'user-1', ttl: TOKEN_TTL,
          subscribe: [TOPIC] }), { key: SECRET });
      res.writeHead(204, { 'set-cookie': `ssehub_token=${t}; ` +
          'Path=/; SameSite=Lax; HttpOnly' });
      res.end();
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((r) => app.listen(APP_PORT, '127.0.0.1', r));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  app?.close();
  hub('stop');
});

async function publishOne(i) {
  const [id] = await publish({ topic: TOPIC, data: `n${i}` }, HUB);
  return id;
}

test('a refreshed cookie carries a stream across token expiries, ' +
    'every event once and in order', { timeout: 60000 }, async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${APP}/`);
  await page.waitForSelector('body[data-ready="1"]',
      { state: 'attached', timeout: 5000 });
  await page.waitForFunction(() => window.opens.length >= 1,
      null, { timeout: 5000 });
  assert.equal(await page.evaluate(() => window.refreshed), 204);
  /* HttpOnly: the page's scripts never see the token. */
  assert.ok(!(await page.evaluate(() => document.cookie))
      .includes('ssehub_token'));

  const t0 = Date.now();
  const ids = [];
  for (let i = 0; Date.now() - t0 < PUBLISH_MS; i++) {
    ids.push(await publishOne(i));
    await new Promise((r) => setTimeout(r, 100));
  }
  const last = ids.at(-1);
  await page.waitForFunction((id) => window.got.includes(id), last,
      { timeout: 10000 });
  await new Promise((r) => setTimeout(r, 500));
  const st = await page.evaluate(() => ({ got: window.got,
      opens: window.opens, errors: window.errors,
      readyState: window.es.readyState, bare: window.bareState }));

  const spans = st.opens.slice(1).map((t, i) => t - st.opens[i]);
  console.log(`# ${ids.length} events, ${st.opens.length} opens ` +
      `(intervals ${spans.join(', ')} ms), ${st.errors.length} ` +
      `errors, ${refreshes} refreshes`);
  /* Ended at expiry: at least 3 streams (2 ends) in ~12 s; each
   * token lived 3 s, so no stream outlived 3 s plus a reconnect. */
  assert.ok(st.opens.length >= 3, `opens: ${st.opens.length}`);
  for (const s of spans)
    assert.ok(s <= (TOKEN_TTL + 2) * 1000, `a stream lived ${s} ms`);
  /*
   * Every reconnect was an EventSource retry, never a final error: the
   * stream is open, or reopens (the sample above may fall between a
   * stream ended at an expiry and its retry: CONNECTING).
   */
  assert.notEqual(st.readyState, 2, 'EventSource closed for good');
  await page.waitForFunction(() => window.es.readyState === 1, null,
      { timeout: 5000 });
  for (const [, rs] of st.errors)
    assert.notEqual(rs, 2, 'EventSource closed for good (401?)');
  /* Without the cookie: refused (403), final. */
  assert.equal(st.bare, 2, 'the stream without credentials');

  /* Exactly once, in order: what the page got is what was stored. */
  const stored = storedIds(ids[0], last, [TOPIC]);
  assert.deepEqual(stored, ids);
  const seen = st.got.filter((id) => id >= ids[0] && id <= last);
  assert.deepEqual(seen, stored);
  await ctx.close();
});

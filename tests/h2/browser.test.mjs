// Headless chromium through the HTTP/2 front: 12 EventSources on one page
// all live (over HTTP/1.1 a browser holds at most 6 connections per
// origin), and the dashboard itself loaded over h2.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { FRONT, PLAIN, TOKEN, publish } from './lib.mjs';

const require = createRequire(import.meta.url);
const { chromium } = require('../node_modules/playwright-core');

const TOPIC = `h2browser${process.pid}`;
const N = 12;
let browser;

before(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
});

// In the page: open n EventSources on topic, resolve how many opened
// within ms. window.got[i] collects the data of each one's messages.
function openSources([n, topic, ms]) {
  window.sources = [];
  window.got = [];
  const opened = new Set();
  return new Promise((resolve) => {
    for (let i = 0; i < n; i++) {
      window.got.push([]);
      const es = new EventSource(`/stream?topic=${topic}`);
      es.onopen = () => {
        opened.add(i);
        if (opened.size === n) resolve(opened.size);
      };
      es.addEventListener('h2test', (e) => window.got[i].push({ id: e.lastEventId, data: e.data }));
      window.sources.push(es);
    }
    setTimeout(() => resolve(opened.size), ms);
  });
}

async function publishFromPage(page, data) {
  return page.evaluate(async ([topic, token, d]) => {
    const r = await fetch('/publish', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ topic, event: 'h2test', data: d }),
    });
    return { status: r.status, json: await r.json() };
  }, [TOPIC, TOKEN, data]);
}

test(`${N} EventSources on one page through the h2 front all receive a live event`, async () => {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await ctx.newPage();
  try {
    // A same-origin page with no script of its own.
    await page.goto(`https://127.0.0.1:${FRONT}/healthz`);
    const proto = await page.evaluate(() => performance.getEntriesByType('navigation')[0].nextHopProtocol);
    assert.equal(proto, 'h2');

    const t0 = Date.now();
    const opened = await page.evaluate(openSources, [N, TOPIC, 10000]);
    console.log(`# h2: ${opened}/${N} EventSources open after ${Date.now() - t0} ms`);
    assert.equal(opened, N);

    const p = await publishFromPage(page, 'to all twelve');
    assert.equal(p.status, 201);
    const t1 = Date.now();
    await page.waitForFunction((id) => window.got.every((g) => g.some((e) => e.id === String(id))),
      p.json.id, { timeout: 5000 });
    const got = await page.evaluate(() => window.got);
    console.log(`# h2: event ${p.json.id} reached ${got.filter((g) => g.length === 1).length}/${N} EventSources within ${Date.now() - t1} ms`);
    for (const g of got) assert.deepEqual(g, [{ id: String(p.json.id), data: 'to all twelve' }]);
    await page.evaluate(() => window.sources.forEach((s) => s.close()));
  } finally {
    await ctx.close();
  }
});

// The control: the same page straight to ssehub's HTTP/1.1 port.
test(`control: over HTTP/1.1 the same ${N} EventSources are capped at 6`, async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  try {
    await page.goto(`http://127.0.0.1:${PLAIN}/healthz`);
    const proto = await page.evaluate(() => performance.getEntriesByType('navigation')[0].nextHopProtocol);
    assert.equal(proto, 'http/1.1');
    const opened = await page.evaluate(openSources, [N, TOPIC, 3000]);
    // From here, not the page: the page has no connection left for fetch.
    const p = await publish(FRONT, { topic: TOPIC, event: 'h2test', data: 'over http/1.1' });
    assert.equal(p.status, 201);
    await page.waitForTimeout(1000);
    const got = await page.evaluate(() => window.got.filter((g) => g.length > 0).length);
    console.log(`# http/1.1: ${opened}/${N} EventSources open after 3 s; ${got}/${N} received the event`);
    assert.ok(opened <= 6, `${opened} opened over HTTP/1.1`);
    await page.evaluate(() => window.sources.forEach((s) => s.close()));
  } finally {
    await ctx.close();
  }
});

test('the dashboard over h2: navigation and every asset report nextHopProtocol h2', async () => {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  try {
    const resp = await page.goto(`https://127.0.0.1:${FRONT}/`, { waitUntil: 'load' });
    assert.equal(resp.status(), 200);
    const entries = await page.evaluate(() => ({
      nav: performance.getEntriesByType('navigation')[0].nextHopProtocol,
      res: performance.getEntriesByType('resource')
        .filter((e) => e.name.startsWith(location.origin))
        .map((e) => ({ name: new URL(e.name).pathname, proto: e.nextHopProtocol })),
    }));
    console.log(`# dashboard: navigation ${entries.nav}; ${entries.res.length} same-origin resources: ` +
      [...new Set(entries.res.map((r) => r.proto))].join(','));
    assert.equal(entries.nav, 'h2');
    assert.ok(entries.res.some((r) => r.name === '/app.js'), JSON.stringify(entries.res));
    for (const r of entries.res) assert.equal(r.proto, 'h2', `${r.name} over ${r.proto}`);
    // And the page itself says so, in its connection panel.
    await page.waitForFunction(() => document.querySelector('[data-stat="protocol"]')?.textContent === 'h2',
      null, { timeout: 5000 });
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
  }
});

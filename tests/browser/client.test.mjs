/*
 * The client library (/ssehub.js) in ten tabs of one browser, each
 * subscribed to its own set of topics on a bare page (no dashboard):
 * - one stream serves them all (the server counts one subscriber);
 * - every tab gets every event of its topics exactly once, in id order,
 *   and none of other topics, across a server SIGKILL and restart, a
 *   reload of a tab, a frozen server (SIGSTOP: the connection stays up
 *   but silent, which only the watchdog notices) and a network cut
 *   (DevTools offline emulation of the SharedWorker for 20 s);
 * - a tab that closes its subscription gets nothing more, the others
 *   go on.
 * Each tab appends what it receives to localStorage inside the callback,
 * so what it got survives its reload; the library writes the cursor
 * after the callback returns.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HTTP, launch, peer, publish, server, storedIds, subscribers }
    from './lib.mjs';

const RUN = `c${Date.now() % 1e6}`;
const T = [0, 1, 2, 3, 4].map((i) => `${RUN}-t${i}`);
/* Ten different sets; nobody takes T[4]. */
const SETS = [[0], [1], [2], [0, 1], [1, 2], [2, 3], [0, 3], [0, 1, 2], [3],
    [1, 3]].map((s) => s.map((i) => T[i]));

const PAGE = `<!doctype html><html lang="en"><meta charset="utf-8">
<title>client test</title><body><script type="module">
import { connect } from '/ssehub.js';
const topics = new URLSearchParams(location.search).get('topics')
    .split(',');
const key = 'got:' + topics.join(',');
const hub = connect();
window.hub = hub;
window.errors = [];
hub.on('state', (s) => {
	document.body.dataset.state = s.state;
	document.body.dataset.mode = hub.mode;
	if (s.error)
		window.errors.push(s.error);
});
window.sub = hub.subscribe(topics, (ev) => {
	const got = JSON.parse(localStorage.getItem(key) ?? '[]');
	got.push([ev.id, ev.topic]);
	localStorage.setItem(key, JSON.stringify(got));
});
</script></body></html>`;

let browser;
let ctx;
let pages;
let offline;
before(async () => {
  browser = await launch();
  ctx = await browser.newContext();
  await ctx.route('**/client-test*', (route) => route.fulfill(
      { contentType: 'text/html', body: PAGE }));
  pages = [];
  for (const set of SETS) {
    const page = await ctx.newPage();
    await page.goto(`${HTTP}/client-test?topics=${set.join(',')}`);
    pages.push(page);
  }
  await Promise.all(pages.map((p) => open(p)));
  offline = await workerOffline();
});

/*
 * DevTools network emulation of the SharedWorker (playwright's setOffline
 * reaches pages only), over the browser's CDP session. It applies to
 * requests made after Network.enable: the SIGKILL test makes a new one.
 * Returns offline(on).
 */
async function workerOffline() {
  const cdp = await browser.newBrowserCDPSession();
  const { targetInfos } = await cdp.send('Target.getTargets');
  const worker = targetInfos.find((t) => t.type === 'shared_worker');
  assert.ok(worker, 'the SharedWorker holds the stream');
  const { sessionId } = await cdp.send('Target.attachToTarget',
      { targetId: worker.targetId, flatten: false });
  let n = 0;
  const call = (method, params = {}) => cdp.send(
      'Target.sendMessageToTarget', { sessionId, message:
      JSON.stringify({ id: ++n, method, params }) });
  await call('Network.enable');
  return (on) => call('Network.emulateNetworkConditions',
      { offline: on, latency: 0, downloadThroughput: -1,
      uploadThroughput: -1 });
}
after(async () => {
  await browser.close();
  peer('stop');
});

function open(page, timeout = 10000) {
  return state(page, 'open', timeout);
}

/* The body is empty, so "attached", not the default "visible". */
function state(page, name, timeout = 10000) {
  return page.waitForSelector(`body[data-state="${name}"]`,
      { state: 'attached', timeout });
}

/* Publishes n events round-robin over T (T[4] too), via base. */
async function burst(n, base = HTTP) {
  return publish(Array.from({ length: n }, (_, i) => ({
      topic: T[i % T.length], event: 'burst', data: `event ${i}` })),
      base);
}

/* What each tab got: set -> [[id, topic], ...]. */
function received() {
  return pages[0].evaluate(() => Object.fromEntries(Object.keys(
      localStorage).filter((k) => k.startsWith('got:')).map((k) =>
      [k.slice(4), JSON.parse(localStorage.getItem(k))])));
}

let first = null;
let closedAt = null;

/* Waits until every tab has exactly its events in [first, last]. */
async function allDelivered(last, timeout = 20000) {
  const want = SETS.map((set, i) => storedIds(first, i === 0 &&
      closedAt !== null ? closedAt : last, set));
  const end = Date.now() + timeout;
  let got;
  for (;;) {
    got = await received();
    const ids = SETS.map((set) => (got[set.join(',')] ?? [])
        .map(([id]) => id));
    if (ids.every((list, i) => list.length >= want[i].length) ||
        Date.now() > end)
      break;
    await new Promise((r) => setTimeout(r, 250));
  }
  SETS.forEach((set, i) => {
    const list = got[set.join(',')] ?? [];
    assert.deepEqual(list.map(([id]) => id), want[i],
        `tab ${i} (${set}): every event of its topics, once, ` +
        'in order');
    for (const [id, topic] of list)
      assert.ok(set.includes(topic), `id ${id} is ${topic}`);
  });
}

test('ten tabs with different topics share one stream', async () => {
  assert.equal(await subscribers(), 1, 'one stream for ten tabs');
  assert.equal(await pages[0].getAttribute('body', 'data-mode'),
      'shared');
  const ids = await burst(20);
  first = ids[0];
  await allDelivered(ids.at(-1));
});

test('exactly once across a server SIGKILL and restart', async () => {
  server('kill');
  await state(pages[0], 'reconnecting');
  peer('start');
  await burst(10, `http://127.0.0.1:${process.env.BROWSER_PEER_HTTP}`);
  peer('stop');
  server('start');
  await Promise.all(pages.map((p) => open(p, 20000)));
  const ids = await burst(10);
  await allDelivered(ids.at(-1));
  assert.equal(await subscribers(), 1);
});

test('exactly once across a reload of a tab', async () => {
  const reload = pages[3].reload();
  await burst(10);
  await reload;
  await open(pages[3]);
  const ids = await burst(10);
  await allDelivered(ids.at(-1));
  assert.equal(await subscribers(), 1);
});

test('a frozen server: the watchdog reconnects', async () => {
  await pages[0].evaluate(() => { window.errors = []; });
  const pid = Number(server('pid'));
  process.kill(-pid, 'SIGSTOP');
  try {
    /* Heartbeats are 1 s here: silence for 2.5 s is death. */
    await state(pages[0], 'reconnecting', 6000);
  } finally {
    process.kill(-pid, 'SIGCONT');
  }
  const errors = await pages[0].evaluate(() => window.errors);
  assert.ok(errors.some((e) => /^no data for \d+ s/.test(e)), errors);
  await Promise.all(pages.map((p) => open(p, 30000)));
  const ids = await burst(10);
  await allDelivered(ids.at(-1));
});

/*
 * Chromium's offline emulation fails new requests but leaves a stream
 * that is already open flowing, unlike a real cut, where the open
 * connection goes silent. So the cut is both: the server frozen (its
 * connection silent, and the watchdog must notice) and the SharedWorker
 * offline (every reconnect fails) for 20 s; the peer node publishes
 * meanwhile.
 */
test('a network cut of 20 s (DevTools offline)', async () => {
  await pages[0].evaluate(() => { window.errors = []; });
  const pid = Number(server('pid'));
  await offline(true);
  process.kill(-pid, 'SIGSTOP');
  try {
    await state(pages[0], 'reconnecting', 6000);
    peer('start');
    await burst(10, `http://127.0.0.1:${process.env.BROWSER_PEER_HTTP}`);
    peer('stop');
    await new Promise((r) => setTimeout(r, 20000));
  } finally {
    process.kill(-pid, 'SIGCONT');
    await offline(false);
  }
  const errors = await pages[0].evaluate(() => window.errors);
  assert.ok(errors.some((e) => /^no data for \d+ s/.test(e)), errors);
  assert.ok(errors.includes('Failed to fetch'), 'offline attempts');
  await Promise.all(pages.map((p) => open(p, 30000)));
  const ids = await burst(10);
  await allDelivered(ids.at(-1));
});

test('a closed subscription gets nothing more; the others go on',
    async () => {
  await pages[0].evaluate(() => window.sub.close());
  const [mark] = await burst(1);
  closedAt = mark - 1;
  const ids = await burst(10);
  await allDelivered(ids.at(-1));
  assert.equal(await subscribers(), 1);
});

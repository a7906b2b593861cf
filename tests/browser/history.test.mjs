/*
 * Issue 15 on the dashboard: every row names its topic, "N watching"
 * follows GET /topics for the tab's topics, and "Load earlier events"
 * pages back through GET /events until nothing older is left, each id
 * once and in order. A screenshot for a person to look at.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ARTIFACTS, HTTP, assertNoDuplicates, launch, publish, renderedIds,
  storedIds, waitForId, waitForPhase,
} from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(() => browser.close());

/* A raw stream from Node: one more watcher of topic. */
async function watcher(topic) {
  const ctl = new AbortController();
  const res = await fetch(`${HTTP}/stream?topic=${topic}`,
      { signal: ctl.signal });
  assert.equal(res.status, 200);
  res.body.getReader().read().catch(() => {});
  return () => ctl.abort();
}

test('topic per row, N watching, load earlier events via /events', async () => {
  const topic = `hist${Date.now()}`;
  const old = await publish(Array.from({ length: 70 }, (_, i) =>
      ({ topic, data: { n: i } })));
  await publish({ topic: 'elsewhere', data: 'not mine' });

  const page = await (await browser.newContext({
      viewport: { width: 1440, height: 1000 } })).newPage();
  await page.goto(`${HTTP}/`);
  await waitForPhase(page, 'OPEN');
  await page.getByLabel('Only these').check();
  await page.getByLabel('Topic names').fill(topic);
  await page.keyboard.press('Enter');
  await page.locator('form .form-status').first()
      .filter({ hasText: `Now: ${topic}` }).waitFor();
  await waitForPhase(page, 'OPEN');
  /* Rows of the stream of every topic, before the switch, stay. */
  const before = new Set(await renderedIds(page));

  /* This tab's own stream is the first watcher; a second joins. */
  const watching = page.locator('.watching');
  await watching.filter({ hasText: `1 watching ${topic}` })
      .waitFor({ timeout: 8000 });
  const stop = await watcher(topic);
  await watching.filter({ hasText: `2 watching ${topic}` })
      .waitFor({ timeout: 8000 });

  const [live] = await publish({ topic, data: 'live one' });
  const row = await waitForId(page, live);
  assert.match(await row.textContent(), new RegExp(`${topic} · message`));

  /* 70 earlier events: two pages of 50, then nothing older. */
  const button = page.getByRole('button', { name: /earlier events/ });
  await button.click();
  await waitForId(page, old[20]);
  assert.equal(await page.locator(`[data-id="${old[19]}"]`).count(), 0);
  await page.getByRole('button', { name: 'Load earlier events' })
      .click();
  await waitForId(page, old[0]);
  await page.getByRole('button', { name: 'No earlier events' })
      .waitFor();
  assert.ok(await page.getByRole('button',
      { name: 'No earlier events' }).isDisabled());

  const all = await renderedIds(page);
  assertNoDuplicates(all);
  const ids = all.filter((id) => !before.has(id));
  assert.deepEqual([...ids].sort((a, b) => a - b),
      storedIds(old[0], live, [topic]));
  const earlier = await page.locator('.feed li .tag.earlier').count();
  assert.equal(earlier, 70);
  for (const id of ids) {
    assert.match(await page.locator(`.feed li[data-id="${id}"] .kind`)
        .textContent(), new RegExp(`^${topic} · `));
  }

  await page.screenshot({ path: `${ARTIFACTS}dashboard-history.png` });
  stop();
  await watching.filter({ hasText: `1 watching ${topic}` })
      .waitFor({ timeout: 8000 });
});

test('every topic: the total of open streams', async () => {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${HTTP}/`);
  await waitForPhase(page, 'OPEN');
  await page.locator('.watching')
      .filter({ hasText: /\d+ watching \(all streams\)/ })
      .waitFor({ timeout: 8000 });
});

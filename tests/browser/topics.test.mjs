/*
 * The topic picker: subscribing to one topic reconnects the stream to
 * it; rows then name that topic, and events of other topics stay out.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HTTP, launch, publish, waitForId, waitForPhase } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(() => browser.close());

test('one topic: only its events, labelled with it', async () => {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${HTTP}/`);
  await waitForPhase(page, 'OPEN');

  await page.getByLabel('Only these').check();
  await page.getByLabel('Topic names').fill('picked');
  await page.keyboard.press('Enter');
  await page.locator('form .form-status').first()
      .filter({ hasText: 'Now: picked' }).waitFor();
  await waitForPhase(page, 'OPEN');

  const [other] = await publish({ topic: 'elsewhere', data: 'no' });
  const [mine] = await publish({ topic: 'picked', data: 'yes' });
  const row = await waitForId(page, mine);
  assert.match(await row.textContent(), /picked · message/);
  assert.equal(await page.locator(`[data-id="${other}"]`).count(), 0);
  assert.equal(await page.textContent('[data-stat="gaps"]'), '0');
});

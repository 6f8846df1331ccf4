// Merges: the form to merge two records of one child, with its validation,
// the merge made (both records side by side), and the merge undone.
//
// The Rust harness turns the review queue on (merges come with it) and
// seeds two records of one child, Ruth and Ruthie Ellery, whose ContactPoint
// IDs it passes in (crates/server/tests/it/merges.rs's `two_records()`).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  assertNoBrowserErrors,
  checkAccessibility,
  followTo,
  launchBrowser,
  openPage,
  requiredEnv,
  screenshot,
} from './support.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

test('the merges page offers the form and says no records have been merged', async () => {
  const page = await openPage(browser, '/merges');

  assert.equal(await page.locator('h1').innerText(), 'Merge two records of one child');
  assert.ok(await page.getByLabel('ContactPoint ID of the record to keep').isVisible());
  assert.match(await page.locator('main').innerText(), /No records have been merged/);

  await checkAccessibility(page, 'merges');
  assertNoBrowserErrors(page);
  await screenshot(page, 'merges');
});

test('a merge form with an ID missing shows an error summary leading to the field', async () => {
  const page = await openPage(browser, '/merges');
  await page.getByLabel('ContactPoint ID of the record to keep').fill(requiredEnv('CONTACTPOINT_MERGE_KEEP_ID'));

  await followTo(page, () => page.getByRole('button', { name: 'Merge the records' }).click());

  assert.match(await page.title(), /^Error: /);
  const link = page.locator('.govuk-error-summary a');
  assert.equal(await link.innerText(), 'Enter a ContactPoint ID');
  await link.click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'other');

  await checkAccessibility(page, 'merges, a field missing');
  assertNoBrowserErrors(page);
  await screenshot(page, 'merges-error');
});

test('a merge shows both records as they were, and undoing it says so', async () => {
  const page = await openPage(browser, '/merges');
  await page.getByLabel('ContactPoint ID of the record to keep').fill(requiredEnv('CONTACTPOINT_MERGE_KEEP_ID'));
  await page
    .getByLabel('ContactPoint ID of the record to merge into it')
    .fill(requiredEnv('CONTACTPOINT_MERGE_OTHER_ID'));

  await followTo(page, () => page.getByRole('button', { name: 'Merge the records' }).click(), {
    status: 303,
  });

  assert.match(new URL(page.url()).pathname, /^\/merges\/[0-9a-f-]{36}$/);
  assert.match(await page.locator('.govuk-notification-banner--success').innerText(), /merged into one/);
  const table = await page.locator('main table').innerText();
  assert.ok(table.includes('Ruthie'), 'the merged record is shown as it was');
  await checkAccessibility(page, 'merge');
  assertNoBrowserErrors(page);
  await screenshot(page, 'merge');

  await followTo(page, () => page.getByRole('button', { name: 'Undo the merge' }).click(), {
    status: 303,
  });

  assert.match(await page.locator('.govuk-notification-banner--success').innerText(), /undone/);
  assert.equal(await page.getByRole('button', { name: 'Undo the merge' }).count(), 0);
  await checkAccessibility(page, 'merge, undone');
  assertNoBrowserErrors(page);
  await screenshot(page, 'merge-undone');
});

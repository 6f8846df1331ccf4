// The review queue: the list of feed records waiting for a decision, one
// review with the record beside the child it may be and the evidence, a
// decision sent without a choice, and a deferral back to the queue.
//
// The Rust harness turns the review queue on and seeds two reviews: Kemi and
// then Femi Adeyemi, each a possible twin of Tobi Adeyemi
// (crates/server/tests/it/reviews.rs's `twins()`).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  assertNoBrowserErrors,
  checkAccessibility,
  followTo,
  launchBrowser,
  openPage,
  screenshot,
} from './support.mjs';

const MOBILE = { width: 375, height: 812 };

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** Opens the queue and follows the first review's link. */
async function openFirstReview(options) {
  const page = await openPage(browser, '/reviews', options);
  await followTo(page, () => page.locator('main tbody tr').first().getByRole('link').click());
  return page;
}

test('the queue lists the records waiting, oldest first, each linking to its review', async () => {
  const page = await openPage(browser, '/reviews');

  assert.equal(await page.title(), 'Review queue – ContactPoint');
  assert.equal(await page.locator('h1').innerText(), 'Review queue');
  const rows = page.locator('main tbody tr');
  assert.equal(await rows.count(), 2);
  assert.match(await rows.first().innerText(), /School census/);
  assert.match(await rows.first().innerText(), /\d+\.\d%/);
  assert.match(await rows.nth(1).innerText(), /Leeds children’s services|Leeds children's services/);
  const link = rows.first().getByRole('link');
  assert.match(await link.getAttribute('href'), /^\/reviews\/[0-9a-f-]{36}$/);
  // The link's name says which record it opens, for a screen reader's list of links.
  assert.match(await link.innerText(), /^Review/);
  assert.match(await link.evaluate((el) => el.textContent), /record S2 from School census/);

  await checkAccessibility(page, 'review queue');
  assertNoBrowserErrors(page);
  await screenshot(page, 'reviews');
});

test('a review shows the record beside the child it may be, the evidence and the decision', async () => {
  const page = await openFirstReview();

  assert.equal(await page.title(), 'Review a possible match – ContactPoint');
  assert.equal(await page.locator('h1').innerText(), 'Is this record the same child?');
  const comparison = page.locator('table').first();
  const forename = comparison.locator('tbody tr').first();
  assert.equal(await forename.locator('th').innerText(), 'Forename');
  assert.deepEqual(await forename.locator('td').allInnerTexts(), ['Kemi', 'Tobi']);
  const text = await page.locator('main').innerText();
  for (const shown of ['12 June 2015', 'LS1 5AB', '401 023 2137', 'Not given', 'Another child']) {
    assert.ok(text.includes(shown), `the review shows ${shown}`);
  }
  const evidence = page.locator('table').nth(1);
  assert.ok((await evidence.locator('tbody tr').count()) >= 3, 'the evidence has a row per field');
  for (const option of [
    'Link: the record is this child',
    'Keep apart: the record is another child',
    'Defer: decide later',
  ]) {
    assert.ok(await page.getByLabel(option).isVisible(), `${option} is offered`);
  }
  assert.equal(await page.getByRole('link', { name: 'Back to the review queue' }).getAttribute('href'), '/reviews');

  await checkAccessibility(page, 'review');
  assertNoBrowserErrors(page);
  await screenshot(page, 'review');
});

test('a decision sent without a choice shows an error summary leading to the options', async () => {
  const page = await openFirstReview();

  await followTo(page, () => page.getByRole('button', { name: 'Save decision' }).click());

  assert.match(await page.title(), /^Error: /);
  const summary = page.locator('.govuk-error-summary');
  assert.ok(await summary.evaluate((el) => el === document.activeElement), 'the summary has focus');
  const link = summary.locator('a');
  assert.equal(await link.innerText(), 'Select whether the record is this child');
  await link.click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'decision', 'the link focuses the first option');
  assert.match(
    await page.locator('fieldset').getAttribute('aria-describedby'),
    /\bdecision-error\b/,
  );

  await checkAccessibility(page, 'review, no choice');
  assertNoBrowserErrors(page);
  await screenshot(page, 'review-error');
});

test('a deferral goes back to the queue with a success banner, the review still waiting', async () => {
  const page = await openFirstReview();

  await page.getByLabel('Defer: decide later').check();
  // The post answers 303, and the browser follows it to the queue.
  await followTo(page, () => page.getByRole('button', { name: 'Save decision' }).click(), {
    status: 303,
  });

  const url = new URL(page.url());
  assert.equal(url.pathname, '/reviews');
  const banner = page.locator('.govuk-notification-banner--success');
  assert.ok(await banner.isVisible());
  assert.match(await banner.innerText(), /The review was deferred/);
  assert.equal(await page.locator('main tbody tr').count(), 2, 'a deferred review stays in the queue');
  assert.match(await page.locator('main tbody tr').first().innerText(), /Deferred/);

  await checkAccessibility(page, 'review queue, after a decision');
  assertNoBrowserErrors(page);
  await screenshot(page, 'reviews-decided');
});

test('a review reads on a narrow phone screen, only its tables wider than it', async () => {
  const page = await openFirstReview({ viewport: MOBILE });

  const wide = await page.evaluate(() =>
    [...document.querySelectorAll('body *')]
      .filter((el) => !el.closest('table') && el.getBoundingClientRect().right > window.innerWidth)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className}`),
  );
  assert.deepEqual(wide, [], 'nothing outside a table is wider than the screen');

  await checkAccessibility(page, 'review, mobile');
  assertNoBrowserErrors(page);
  await screenshot(page, 'review-mobile');
});

import { expect, test } from '@playwright/test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiToken, hydrated, post, screenshots, signIn } from './helpers';

type Mail = { to: string[]; subject: string; text: string; html: string; headers: Record<string, string> };

const MAIL_DIR = process.env.E2E_MAIL_DIR ?? '';

/** The messages the test SMTP server received for `to`, oldest first. */
function mailsTo(to: string): Mail[] {
  return readdirSync(MAIL_DIR)
    .sort()
    .map((name) => JSON.parse(readFileSync(join(MAIL_DIR, name), 'utf8')) as Mail)
    .filter((mail) => mail.to.includes(to));
}

/** Waits for the `count`-th message to `to`. */
async function waitForMail(to: string, count: number): Promise<Mail[]> {
  await expect.poll(() => mailsTo(to).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(count);
  return mailsTo(to);
}

function link(text: string, pattern: RegExp): string {
  const found = text.match(pattern);
  expect(found, text).not.toBeNull();
  return found![0];
}

test.describe('a visitor without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('subscribes, confirms, is told of an update in public words, and leaves', async ({ page, request, browser }, testInfo) => {
    const shots = testInfo.project.outputDir;
    const token = apiToken();
    const reader = `reader-${Date.now()}@example.com`;
    const monitor = await post(request, token, '/api/v1/monitors', {
      name: 'PRIVATE-MONITOR checkout-db-7',
      url: 'http://127.0.0.1:9/private-target',
      interval_seconds: 3600,
    });
    const other = await post(request, token, '/api/v1/monitors', {
      name: 'PRIVATE-MONITOR search',
      url: 'http://127.0.0.1:9/other',
      interval_seconds: 3600,
    });
    const slug = `subs-${Date.now()}`;
    await post(request, token, '/api/v1/status-pages', {
      slug,
      title: 'Acme Status',
      published: true,
      accent_color: '#7c3aed',
      components: [
        { monitor_id: monitor.id, name: 'Checkout', group: 'Shop' },
        { monitor_id: other.id, name: 'Search', group: 'Shop' },
      ],
    });

    // Subscribe from the page, for one component (once every server has
    // heard that the page is published: the pages' cache learns it by NOTIFY).
    await expect(async () => expect((await page.goto(`/status/${slug}`))?.status()).toBe(200)).toPass();
    await screenshots(page, shots, 'public-status-with-subscribe');
    await page.getByRole('link', { name: 'Subscribe to updates' }).click();
    await screenshots(page, shots, 'public-subscribe');
    const form = page.locator('form', { has: page.getByRole('heading', { name: 'By email' }) });
    await form.getByLabel('Email address').fill(reader);
    await form.getByLabel('Checkout').check();
    await form.getByRole('button', { name: 'Subscribe' }).click();
    await expect(page.getByRole('heading', { name: 'Check your inbox' })).toBeVisible();
    await screenshots(page, shots, 'public-subscribe-sent');

    // The confirmation link opens a page whose button confirms.
    const [confirmation] = await waitForMail(reader, 1);
    expect(confirmation.subject).toBe('[Acme Status] Confirm your subscription');
    await page.goto(link(confirmation.text, /http:\/\/\S+\/subscriptions\/confirm\/[0-9a-f]{64}/));
    await screenshots(page, shots, 'public-subscribe-confirm');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect(page.getByRole('heading', { name: 'Your subscription' })).toBeVisible();
    await screenshots(page, shots, 'public-subscription');
    await expect(page.getByText('Your subscription is confirmed')).toBeVisible();
    await expect(page.getByLabel('Checkout')).toBeChecked();
    await expect(page.getByLabel('Search')).not.toBeChecked();

    // The team opens an incident with private words, then publishes an
    // update from the console (a signed-in browser with JavaScript).
    const incident = await post(request, token, '/api/v1/incidents', {
      title: 'PRIVATE-TITLE db-7 failover',
      public_title: 'Checkout is slow',
      details: 'PRIVATE-DETAILS the primary at 10.0.0.7',
      impact: 'partial_outage',
      monitor_ids: [monitor.id],
    });
    await post(request, token, `/api/v1/incidents/${incident.id}/comments`, { body: 'PRIVATE-COMMENT failing over' });
    const team = await browser.newContext({ javaScriptEnabled: true });
    const teamPage = await team.newPage();
    await signIn(teamPage);
    await teamPage.goto(`/console/incidents/${incident.id}`);
    await hydrated(teamPage);
    const updates = teamPage.locator('section', { has: teamPage.getByRole('heading', { name: /^Updates/ }) });
    await expect(updates.getByLabel('Notify subscribers')).toBeChecked();
    await updates.getByLabel('Status').selectOption('identified');
    await updates.getByLabel('Message', { exact: true }).fill('We moved checkout to the standby database.');
    await updates.getByRole('button', { name: 'Publish update' }).click();
    await expect(updates.locator('li.update').first()).toContainText('identified');
    await team.close();

    const told = await waitForMail(reader, 3);
    const opened = told[1];
    const update = told[2];
    expect(opened.subject).toBe('[Acme Status] Checkout is slow');
    expect(update.subject).toBe('[Acme Status] Checkout is slow: Identified');
    expect(update.text).toContain('We moved checkout to the standby database.');
    expect(update.headers['in-reply-to']).toBe(opened.headers['message-id']);
    expect(update.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    expect(update.html).toContain('#7c3aed');
    for (const mail of told) {
      for (const secret of ['PRIVATE-', '10.0.0.7', '127.0.0.1:9', 'checkout-db-7']) {
        expect(mail.text + mail.html + mail.subject, `${secret} in a message`).not.toContain(secret);
      }
    }

    // Unsubscribe from the message's link: nothing more comes.
    await page.goto(link(update.text, /http:\/\/\S+\/subscriptions\/[0-9a-f]{64}\/unsubscribe/));
    await screenshots(page, shots, 'public-unsubscribe');
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await expect(page.getByRole('heading', { name: 'You are unsubscribed' })).toBeVisible();
    await post(request, token, `/api/v1/incidents/${incident.id}/updates`, { status: 'monitoring', body: 'Watching.' });
    await post(request, token, `/api/v1/incidents/${incident.id}/resolve`, {});
    // The same page's other notices have gone out by the time this one has.
    await page.waitForTimeout(3_000);
    expect(mailsTo(reader)).toHaveLength(3);
  });
});

test('the team sees and manages a page\'s subscribers', async ({ page, request }, testInfo) => {
  const token = apiToken();
  const monitor = await post(request, token, '/api/v1/monitors', { name: 'm', url: 'http://127.0.0.1:9/', interval_seconds: 3600 });
  const slug = `team-subs-${Date.now()}`;
  const created = await post(request, token, '/api/v1/status-pages', {
    slug,
    title: 'Team subscribers',
    published: true,
    components: [{ monitor_id: monitor.id, name: 'API' }],
  });
  const base = `/api/v1/status-pages/${created.id}/subscribers`;
  await post(request, token, base, { kind: 'email', address: 'kept@example.com', skip_confirmation: true });
  await post(request, token, base, { kind: 'email', address: 'gone@example.com', skip_confirmation: true });
  await post(request, token, base, { kind: 'email', address: 'waiting@example.com' });

  await signIn(page);
  await page.goto('/console/status-pages');
  await hydrated(page);
  await page.locator(`tr[data-page="${slug}"]`).getByRole('link', { name: 'Subscribers' }).click();
  await expect(page.getByRole('heading', { name: /Subscribers/ }).first()).toBeVisible();
  await expect(page.locator('.counts')).toContainText('2 confirmed');
  await expect(page.locator('.counts')).toContainText('1 waiting for confirmation');
  await screenshots(page, testInfo.project.outputDir, 'console-subscribers');
  await page.getByLabel('Search').fill('gone');
  await page.getByLabel('Search').press('Tab');
  await expect(page.locator('tr[data-subscriber]')).toHaveCount(1);
  const row = page.locator('tr[data-subscriber="gone@example.com"]');
  await row.getByRole('button', { name: 'Remove' }).click();
  await row.getByRole('button', { name: 'Confirm remove' }).click();
  await expect(page.locator('tr[data-subscriber]')).toHaveCount(0);
  await expect(page.locator('.counts')).toContainText('1 confirmed');

  const imports = page.locator('form', { has: page.getByRole('heading', { name: 'Import' }) });
  await imports.getByLabel('CSV').fill('address,components\nnew@example.com,API\nnot-an-address,\n');
  await imports.getByLabel('These people already agreed').check();
  await imports.getByRole('button', { name: 'Import' }).click();
  await expect(imports.getByRole('status')).toContainText('1 added, 0 already subscribed, 1 lines skipped');
  await expect(imports.getByRole('status')).toContainText('Line 3');

  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Export CSV' }).click();
  const file = await (await download).path();
  const csv = readFileSync(file, 'utf8');
  // Its only component is the whole page.
  expect(csv).toContain('email,new@example.com,confirmed,,');
  expect(csv).toContain('email,kept@example.com,confirmed,,');
  expect(csv).not.toContain('gone@example.com');

  await page.getByRole('button', { name: 'Send a test to me' }).click();
  await expect(page.getByText('Sent to admin@example.com.')).toBeVisible();
  const [test] = await waitForMail('admin@example.com', 1);
  expect(test.subject).toBe('[Team subscribers] Test notification');
});


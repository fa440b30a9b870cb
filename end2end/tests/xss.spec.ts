import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { apiToken, hydrated, post, signIn, watchConsole } from './helpers';

// The Markdown tests' corpus of XSS payloads, one per line.
const PAYLOADS = readFileSync(path.join(__dirname, '../../app/src/ssr/xss-payloads.txt'), 'utf8')
  .split('\n')
  .filter((line) => line.length > 0);

/** Records what a payload could make the page do: dialogs, and requests leaving this server. */
function watchForScripts(page: Page, origin: string): { dialogs: string[]; outside: string[] } {
  const seen = { dialogs: [] as string[], outside: [] as string[] };
  page.on('dialog', async (dialog) => {
    seen.dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  page.on('request', (request) => {
    if (!request.url().startsWith(origin) && !request.url().startsWith('data:')) seen.outside.push(request.url());
  });
  return seen;
}

test('the XSS corpus shows as text on the console incident page and the public pages, and runs nothing', async ({ page, request, baseURL }) => {
  expect(PAYLOADS.length).toBeGreaterThanOrEqual(20);
  const token = apiToken();
  const stamp = Date.now();
  const monitor = await post(request, token, '/api/v1/monitors', {
    name: `xss-${stamp}`, url: 'http://127.0.0.1:9/', interval_seconds: 3600,
  });
  const slug = `xss-${stamp}`;
  await post(request, token, '/api/v1/status-pages', {
    slug, title: 'XSS check', published: true, components: [{ monitor_id: monitor.id, name: 'Payloads' }],
  });
  // The payloads as the details, public title, every update and every comment.
  const incident = await post(request, token, '/api/v1/incidents', {
    title: PAYLOADS[0], impact: 'major_outage', monitor_ids: [monitor.id], details: PAYLOADS.join('\n\n'),
  });
  const edited = await request.patch(`/api/v1/incidents/${incident.id}`, {
    data: { public_title: PAYLOADS[1] }, headers: { Authorization: `Bearer ${token}` },
  });
  expect(edited.status(), await edited.text()).toBe(200);
  for (const payload of PAYLOADS) {
    await post(request, token, `/api/v1/incidents/${incident.id}/updates`, { status: 'investigating', body: payload });
    await post(request, token, `/api/v1/incidents/${incident.id}/comments`, { body: payload });
  }

  const problems = watchConsole(page);
  const seen = watchForScripts(page, baseURL!);
  await signIn(page);
  await page.goto(`/console/incidents/${incident.id}`);
  await hydrated(page);
  // Everything rendered: the title as text, the code sample in the comments and updates.
  await expect(page.getByRole('heading', { level: 1 })).toContainText('<script>alert(1)</script>');
  await expect(page.getByText('in code is text').first()).toBeVisible();
  expect(await page.getByText('in code is text').count()).toBeGreaterThanOrEqual(2);
  // Give deferred handlers (ontoggle, onerror, refresh) their chance.
  await page.waitForTimeout(500);
  await expect(page).toHaveURL(new RegExp(`/console/incidents/${incident.id}$`));

  for (const publicPath of [`/status/${slug}`, `/status/${slug}/incidents/${incident.id}`]) {
    const response = await page.goto(publicPath);
    expect(response?.status(), publicPath).toBe(200);
    await expect(page.getByText('<img src=x onerror=alert(1)>').first()).toBeVisible();
    await expect(page.getByText('in code is text').first()).toBeVisible();
    await page.waitForTimeout(500);
    await expect(page).toHaveURL(new RegExp(`${publicPath}$`));
  }

  expect(seen.dialogs, 'no payload opened a dialog').toEqual([]);
  expect(seen.outside, 'no payload made the browser leave this server').toEqual([]);
  expect(problems, 'no script was refused or failed').toEqual([]);
});

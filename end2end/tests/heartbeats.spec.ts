import { expect, test } from '@playwright/test';
import { hydrated, screenshots, signIn, watchConsole } from './helpers';

test('a heartbeat is made in the console, its job pings it, and its page shows the runs', async ({ page, request }, info) => {
  const problems = watchConsole(page);
  const shots = info.project.outputDir;
  await signIn(page);
  await page.goto('/console/monitors/new');
  await hydrated(page);

  const name = `Nightly backup ${Date.now()}`;
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Kind').selectOption('heartbeat');
  // The fields follow the kind: a schedule instead of a URL, no regions.
  await expect(page.getByLabel('URL')).toHaveCount(0);
  await expect(page.getByRole('group', { name: 'Regions' })).toHaveCount(0);
  await expect(page.getByLabel('Missed or failed runs before down')).toHaveValue('1');
  await page.getByLabel('The job runs').selectOption('cron');
  await page.getByLabel('Cron expression').fill('0 2 * *');
  await page.getByLabel('Time zone').fill('Europe/Paris');
  await page.getByRole('button', { name: 'Create monitor' }).click();
  await expect(page.locator('.field-error')).toContainText('five fields');
  await screenshots(page, shots, 'console-heartbeat-form');
  await page.getByLabel('Cron expression').fill('0 2 * * *');
  await page.getByLabel('Grace time (minutes)').fill('30');
  await page.getByRole('button', { name: 'Create monitor' }).click();

  // The URL is shown whole once, with lines to paste into a crontab.
  const shown = page.getByTestId('ping-url');
  await expect(shown).toContainText('/ping/');
  const url = (await shown.textContent())!.trim();
  expect(url).toMatch(/^http:\/\/[^/]+\/ping\/[0-9a-f]{64}$/);
  await screenshots(page, shots, 'console-heartbeat-url');

  // The job runs: it starts, then reports exit code 0 with its output.
  const path = new URL(url).pathname;
  expect((await request.post(`${path}/start`)).status()).toBe(200);
  const done = await request.post(`${path}/0`, { data: 'dumped 42 tables\nBACKUP-DONE-MARKER' });
  expect(done.status()).toBe(200);
  expect(await done.text()).toBe('OK\n');

  await page.getByRole('link', { name: 'Done' }).click();
  await expect(page).toHaveURL(/\/console\/monitors\/\d+$/);
  await hydrated(page);
  await expect(page.getByRole('heading', { name }).locator('.status')).toHaveText('up');
  const card = page.getByTestId('heartbeat');
  await expect(card).toContainText('Late if no ping by');
  await expect(card.locator('code.secret')).toContainText('••••');
  await expect(card.locator('code.secret')).not.toContainText(path.slice(6));
  await expect(page.locator('pre.job-output').first()).toContainText('BACKUP-DONE-MARKER');
  await expect(page.locator('.checks-table tbody tr').first().locator('td[data-label="Exit code"]')).toHaveText('0');
  await expect(page.getByText('cron 0 2 * * * (Europe/Paris)')).toBeVisible();
  await screenshots(page, shots, 'console-heartbeat-page');

  // A new URL: the old one stops working.
  await page.getByRole('button', { name: 'New ping URL' }).click();
  await page.getByRole('button', { name: 'Confirm: the old URL stops working' }).click();
  const renewed = page.getByTestId('ping-url');
  await expect(renewed).toContainText('/ping/');
  expect((await renewed.textContent())!.trim()).not.toBe(url);
  expect((await request.get(path)).status()).toBe(404);

  // The list says how often the job runs.
  await page.goto('/console/monitors');
  await expect(page.locator(`tr[data-monitor="${name}"]`)).toContainText('cron');
  expect(problems).toEqual([]);
});

import { expect, test } from '@playwright/test';
import { hydrated, signIn, watchConsole } from './helpers';

test('a monitor is created, changed, paused and deleted from the console', async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page);
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Monitors' }).click();
  await expect(page).toHaveURL(/\/console\/monitors$/);
  await hydrated(page);
  await page.getByRole('link', { name: 'New monitor' }).click();
  await expect(page).toHaveURL(/\/console\/monitors\/new$/);
  await hydrated(page);

  const name = `Website ${Date.now()}`;
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('URL').fill('ftp://example.com');
  await page.getByRole('button', { name: 'Create monitor' }).click();
  await expect(page.locator('.field-error')).toContainText('http:// or https://');

  await page.getByLabel('URL').fill('http://127.0.0.1:9/health');
  await page.getByLabel('Check every (seconds)').fill('120');
  await page.getByLabel('Keyword', { exact: true }).fill('healthy');
  await page.getByRole('button', { name: 'Create monitor' }).click();
  await expect(page).toHaveURL(/\/console\/monitors$/);
  const row = page.locator(`tr[data-monitor="${name}"]`);
  await expect(row).toContainText('http://127.0.0.1:9/health');
  await expect(row).toContainText('120 s');
  await expect(row.locator('.status')).toHaveText('pending');

  await row.getByRole('link', { name }).click();
  await expect(page).toHaveURL(/\/console\/monitors\/\d+$/);
  await expect(page.getByRole('heading', { name: 'Recent checks' })).toBeVisible();
  await page.getByRole('link', { name: 'Edit' }).click();
  await expect(page).toHaveURL(/\/console\/monitors\/\d+\/edit$/);
  await hydrated(page);
  await expect(page.getByLabel('Keyword', { exact: true })).toHaveValue('healthy');
  // Nothing listens on port 9: the check says down, and why.
  await page.getByRole('button', { name: 'Check now' }).click();
  const result = page.locator('.check-result');
  await expect(result).toHaveAttribute('data-outcome', 'down');
  await expect(result).toContainText('(connect)');
  await page.getByLabel('Timeout (seconds)').fill('200');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.locator('.field-error')).toHaveText('Use 1 to 30 seconds.');
  await page.getByLabel('Timeout (seconds)').fill('5');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page).toHaveURL(/\/console\/monitors$/);

  await hydrated(page);
  const saved = page.locator(`tr[data-monitor="${name}"]`);
  await saved.getByRole('button', { name: 'Pause' }).click();
  await expect(saved.locator('.status')).toHaveText('paused');
  await saved.getByRole('button', { name: 'Resume' }).click();
  await expect(saved.locator('.status')).toHaveText('pending');
  await saved.getByRole('button', { name: 'Delete' }).click();
  await saved.getByRole('button', { name: 'Confirm delete' }).click();
  await expect(page.locator(`tr[data-monitor="${name}"]`)).toHaveCount(0);
  expect(problems).toEqual([]);
});

test('a new monitor is probed at once and its status shows up without a reload', async ({ page, baseURL }) => {
  const problems = watchConsole(page);
  await signIn(page);
  await page.goto('/console/monitors/new');
  await hydrated(page);
  const name = `Self ${Date.now()}`;
  await page.getByLabel('Name', { exact: true }).fill(name);
  // The server under test is a real HTTP target on this machine.
  await page.getByLabel('URL').fill(`${baseURL}/healthz`);
  await page.getByLabel('Keyword', { exact: true }).fill('"database":"ok"');
  await page.getByLabel('Failed checks before down').fill('1');
  await page.getByRole('button', { name: 'Create monitor' }).click();
  await expect(page).toHaveURL(/\/console\/monitors$/);
  const status = page.locator(`tr[data-monitor="${name}"] .status`);
  await expect(status).toHaveText('up', { timeout: 20_000 });

  // Its page shows the region's verdict, uptime and the check that was made.
  await page.locator(`tr[data-monitor="${name}"]`).getByRole('link', { name }).click();
  await expect(page.locator('li[data-region="local"] .status')).toHaveText('up');
  await expect(page.locator('.stat-value').first()).toHaveText('100.00 %');
  await expect(page.locator('.checks-table tbody tr').first()).toContainText('200');
  await page.goBack();
  await page.locator(`tr[data-monitor="${name}"]`).getByRole('button', { name: 'Pause' }).click();
  await expect(status).toHaveText('paused');
  expect(problems).toEqual([]);
});

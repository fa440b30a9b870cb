import { expect, test } from '@playwright/test';
import { apiToken, hydrated, post, screenshots, signIn, watchConsole } from './helpers';

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

test('the list is narrowed by search, kind and status, each kept in its address', async ({ page, request }, info) => {
  const problems = watchConsole(page);
  const stamp = `${Date.now()}`;
  const token = apiToken();
  const web = await post(request, token, '/api/v1/monitors', { name: `Shop ${stamp}`, url: 'http://127.0.0.1:9/shop', interval_seconds: 3600 });
  await post(request, token, '/api/v1/monitors', { name: `Queue ${stamp}`, kind: 'tcp', host: '127.0.0.1', port: 9, interval_seconds: 3600 });
  await post(request, token, '/api/v1/monitors', { name: `Blog ${stamp}`, url: `http://127.0.0.1:9/blog-${stamp}`, interval_seconds: 3600 });
  const paused = await request.post(`/api/v1/monitors/${web.id}/pause`, { headers: { authorization: `Bearer ${token}` } });
  expect(paused.ok()).toBeTruthy();

  await signIn(page);
  await page.goto('/console/monitors');
  await hydrated(page);
  await page.getByRole('searchbox', { name: 'Search' }).fill(stamp);
  await page.getByRole('searchbox', { name: 'Search' }).press('Enter');
  await expect(page).toHaveURL(new RegExp(`/console/monitors\\?q=${stamp}$`));
  const rows = page.locator('main tbody tr');
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toHaveAttribute('data-monitor', `Blog ${stamp}`);
  const chips = page.getByRole('navigation', { name: 'By status' });
  await expect(chips.getByRole('link', { name: '3 in all' })).toBeVisible();
  await expect(chips.getByRole('link', { name: '2 pending' })).toBeVisible();

  await chips.getByRole('link', { name: '1 paused' }).click();
  await expect(page).toHaveURL(new RegExp(`q=${stamp}&status=paused$`));
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-monitor', `Shop ${stamp}`);
  await chips.getByRole('link', { name: '1 paused' }).click();
  await expect(rows).toHaveCount(3);

  // Worst first: the paused one goes last.
  await page.getByLabel('Order').selectOption('status');
  await expect(page).toHaveURL(new RegExp(`q=${stamp}&sort=status$`));
  await expect(rows.last()).toHaveAttribute('data-monitor', `Shop ${stamp}`);
  await page.getByLabel('Order').selectOption('');
  await expect(page).toHaveURL(new RegExp(`/console/monitors\\?q=${stamp}$`));
  await expect(rows.first()).toHaveAttribute('data-monitor', `Blog ${stamp}`);

  await page.getByLabel('Kind').selectOption('tcp');
  await expect(page).toHaveURL(new RegExp(`q=${stamp}&kind=tcp$`));
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-monitor', `Queue ${stamp}`);
  // The address alone opens the same list (rendered by the server).
  await page.reload();
  await expect(rows).toHaveCount(1);
  await expect(page.getByLabel('Kind')).toHaveValue('tcp');
  await expect(page.getByRole('searchbox', { name: 'Search' })).toHaveValue(stamp);
  await screenshots(page, info.outputDir, 'monitors-filtered');

  await page.getByRole('searchbox', { name: 'Search' }).fill(`nothing-${stamp}`);
  await page.getByRole('searchbox', { name: 'Search' }).press('Enter');
  await expect(page.getByText('No monitor matches these filters.')).toBeVisible();
  expect(problems).toEqual([]);
});

test('monitors ticked in the list are tagged, paused and deleted together', async ({ page, request }, info) => {
  const problems = watchConsole(page);
  const stamp = `${Date.now()}`;
  const token = apiToken();
  for (const name of ['Api', 'Billing', 'Cdn']) {
    await post(request, token, '/api/v1/monitors', {
      name: `${name} ${stamp}`, kind: 'tcp', host: '127.0.0.1', port: 9, interval_seconds: 3600,
      tags: name === 'Api' ? [`team-${stamp}`] : [],
    });
  }
  await signIn(page);
  await page.goto(`/console/monitors?q=${stamp}`);
  await hydrated(page);
  const rows = page.locator('main tbody tr');
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0).getByRole('link', { name: `team-${stamp}` })).toBeVisible();

  const bar = page.getByRole('region', { name: 'With the chosen monitors' });
  await expect(bar).toHaveCount(0);
  await page.getByLabel('Choose every monitor of this page').check();
  await expect(bar.getByText('3 chosen')).toBeVisible();
  await bar.getByLabel('Tag to add or remove').fill(`Batch-${stamp}`);
  await bar.getByRole('button', { name: 'Add tag' }).click();
  await expect(page.getByRole('status').filter({ hasText: '3 monitors changed.' })).toBeVisible();
  await expect(bar).toHaveCount(0);
  for (let i = 0; i < 3; i++) {
    await expect(rows.nth(i).getByRole('link', { name: `batch-${stamp}` })).toBeVisible();
  }

  // The tag filter lists the new tag and narrows the list to it.
  await page.locator('select[name="tag"]').selectOption(`team-${stamp}`);
  await expect(page).toHaveURL(new RegExp(`q=${stamp}&tag=team-${stamp}$`));
  await expect(rows).toHaveCount(1);
  await page.locator('select[name="tag"]').selectOption('');
  await expect(rows).toHaveCount(3);

  await page.getByLabel(`Choose Billing ${stamp}`).check();
  await expect(bar.getByText('1 chosen')).toBeVisible();
  await screenshots(page, info.outputDir, 'monitors-bulk');
  await bar.getByRole('button', { name: 'Pause' }).click();
  const chips = page.getByRole('navigation', { name: 'By status' });
  await expect(chips.getByRole('link', { name: '1 paused' })).toBeVisible();
  await expect(rows.nth(1).locator('.status')).toHaveText('paused');

  await page.getByLabel('Choose every monitor of this page').check();
  await bar.getByRole('button', { name: 'Delete' }).click();
  await bar.getByRole('button', { name: 'Confirm delete' }).click();
  await expect(page.getByText('No monitor matches these filters.')).toBeVisible();
  const left = await request.get(`/api/v1/monitors?q=${stamp}`, { headers: { authorization: `Bearer ${token}` } });
  expect((await left.json()).items).toEqual([]);
  expect(problems).toEqual([]);
});

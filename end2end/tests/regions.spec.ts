import { expect, test } from '@playwright/test';
import { spawn } from 'node:child_process';
import { VIGIE, createFastMonitor, hydrated, signIn, startTarget, watchConsole } from './helpers';

test('a failing target turns its monitor down, then up, without a reload', async ({ page }) => {
  const problems = watchConsole(page);
  const target = await startTarget();
  try {
    await signIn(page);
    const name = `Flaky ${Date.now()}`;
    await createFastMonitor(page, name, target.url);
    await hydrated(page);
    const status = page.locator(`tr[data-monitor="${name}"] .status`);
    await expect(status).toHaveText('up', { timeout: 20_000 });
    target.failing = true;
    await expect(status).toHaveText('down', { timeout: 20_000 });
    target.failing = false;
    await expect(status).toHaveText('up', { timeout: 20_000 });
    await page.locator(`tr[data-monitor="${name}"]`).getByRole('button', { name: 'Pause' }).click();
    await expect(status).toHaveText('paused');
  } finally {
    target.close();
  }
  expect(problems).toEqual([]);
});

test('an admin adds a region and its agent probes from there', async ({ page, baseURL }) => {
  test.setTimeout(60_000);
  const problems = watchConsole(page);
  await signIn(page);
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Regions', exact: true }).click();
  await expect(page).toHaveURL(/\/console\/regions$/);
  await hydrated(page);
  await expect(page.locator('tr[data-region="local"]')).toContainText('this server');

  const region = `e2e-${Date.now()}`;
  await page.getByLabel('Name', { exact: true }).fill(region);
  await page.getByRole('button', { name: 'Add region' }).click();
  const command = (await page.getByTestId('agent-command').textContent()) ?? '';
  expect(command).toContain(`vigie agent --server ${baseURL} --region ${region} --token vigie_agent_`);
  const token = /--token (\S+)/.exec(command)?.[1] ?? '';
  await expect(page.locator(`tr[data-region="${region}"]`)).toContainText('never');

  const agent = spawn(VIGIE, ['agent', '--server', baseURL ?? '', '--region', region, '--poll-seconds', '1'], {
    env: { ...process.env, VIGIE_AGENT_TOKEN: token },
    stdio: 'ignore',
  });
  try {
    const name = `From ${region}`;
    await createFastMonitor(page, name, `${baseURL}/healthz`, [region]);
    await expect(page.locator(`tr[data-monitor="${name}"] .status`)).toHaveText('up', { timeout: 20_000 });
    await page.locator(`tr[data-monitor="${name}"]`).getByRole('link', { name }).click();
    await expect(page.locator(`li[data-region="${region}"] .status`)).toHaveText('up');
    await expect(page.locator('.checks-table tbody tr').first()).toContainText(region);

    await page.goto('/console/regions');
    await hydrated(page);
    const row = page.locator(`tr[data-region="${region}"]`);
    await expect(row).not.toContainText('never');
    // In use: it cannot be deleted until no monitor needs it.
    await row.getByRole('button', { name: 'Delete' }).click();
    await row.getByRole('button', { name: 'Confirm delete' }).click();
    await expect(page.locator('.form-error').first()).toContainText('remove the region from them first');
  } finally {
    agent.kill();
  }
  expect(problems).toEqual([]);
});

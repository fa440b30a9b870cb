import { expect, test } from '@playwright/test';
import { hydrated, screenshots, signIn, watchConsole } from './helpers';

test('a ping monitor is made in the console and shows its round trips', async ({ page }, info) => {
  const problems = watchConsole(page);
  await signIn(page);
  await page.goto('/console/monitors/new');
  await hydrated(page);
  const name = `Gateway ping ${Date.now()}`;
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Kind').selectOption('ping');
  await page.getByLabel('Host').fill('127.0.0.1');
  await page.getByLabel('Echo requests per check').fill('11');
  await page.getByRole('button', { name: 'Create monitor' }).click();
  await expect(page.locator('.field-error')).toHaveText('Use 1 to 10 requests.');
  await page.getByLabel('Echo requests per check').fill('2');
  await page.getByLabel('Check every (seconds)').fill('5');
  await page.getByLabel('Timeout (seconds)').fill('2');
  await screenshots(page, info.project.outputDir, 'console-ping-form');
  await page.getByRole('button', { name: 'Create monitor' }).click();
  await expect(page).toHaveURL(/\/console\/monitors$/);
  const row = page.locator(`tr[data-monitor="${name}"]`);
  await expect(row).toContainText('ping 127.0.0.1');
  await expect(row.locator('.status')).toHaveText('up', { timeout: 15000 });

  await row.getByRole('link', { name }).click();
  await expect(page.locator('.checks-table td.message').first()).toContainText('2/2 replies from 127.0.0.1, 0 % lost');
  await screenshots(page, info.project.outputDir, 'console-ping-page');
  expect(problems).toEqual([]);
});

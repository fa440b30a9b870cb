import { expect, test } from '@playwright/test';
import { hydrated, screenshots, signIn, watchConsole } from './helpers';

test('a DNS monitor is set up in the console, its fields checked, and tried at once', async ({ page }, info) => {
  const problems = watchConsole(page);
  await signIn(page);
  await page.goto('/console/monitors/new');
  await hydrated(page);

  const name = `Shop DNS ${Date.now()}`;
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Kind').selectOption('dns');
  await expect(page.getByLabel('URL')).toHaveCount(0);
  await page.getByLabel('Name to resolve').fill('shop.vigie.test');
  await page.getByLabel('Record type').selectOption('aaaa');
  await page.getByLabel('DNS server (empty: the system\'s)').fill('dns.example.com');
  await page.getByLabel('Expected values, one per line (empty: any answer will do)').fill('192.0.2.10');
  await page.getByRole('button', { name: 'Create monitor' }).click();
  await expect(page.locator('.field-error')).toContainText('Use an IP address');
  await page.getByLabel('DNS server (empty: the system\'s)').fill('127.0.0.1:9');
  await page.getByRole('button', { name: 'Create monitor' }).click();
  await expect(page.locator('.field-error')).toContainText('is not an IPv6 address');
  await page.getByLabel('Expected values, one per line (empty: any answer will do)').fill('2001:db8::10');
  await page.getByLabel('The answer must hold').selectOption('all');
  // Nothing answers there: a short timeout keeps "Check now" quick.
  await page.getByLabel('Timeout (seconds)').fill('2');
  await screenshots(page, info.project.outputDir, 'console-dns-form');
  await page.getByRole('button', { name: 'Create monitor' }).click();
  await expect(page).toHaveURL(/\/console\/monitors$/);
  const row = page.locator(`tr[data-monitor="${name}"]`);
  await expect(row).toContainText('shop.vigie.test AAAA @127.0.0.1:9');

  await row.getByRole('link', { name }).click();
  await page.getByRole('link', { name: 'Edit' }).click();
  await hydrated(page);
  await expect(page.getByLabel('Record type')).toHaveValue('aaaa');
  await expect(page.getByLabel('The answer must hold')).toHaveValue('all');
  await page.getByRole('button', { name: 'Check now' }).click();
  const result = page.locator('.check-result');
  await expect(result).toHaveAttribute('data-outcome', 'down');
  await expect(result).toContainText('(timeout)');
  expect(problems).toEqual([]);
});

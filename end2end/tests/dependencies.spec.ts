import { expect, test } from '@playwright/test';
import { apiToken, hydrated, post, screenshots, signIn, watchConsole } from './helpers';

test('a monitor is given a parent by name and a slowness limit, shown on its page', async ({ page, request, baseURL }, info) => {
  const problems = watchConsole(page);
  const stamp = Date.now();
  const parentName = `Database host ${stamp}`;
  const parent = await post(request, apiToken(), '/api/v1/monitors', {
    name: parentName,
    url: `${baseURL}/healthz`,
    interval_seconds: 300,
  });
  const label = `${parentName} (#${parent.id})`;

  await signIn(page);
  await page.goto('/console/monitors/new');
  await hydrated(page);
  const name = `Orders API ${stamp}`;
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('URL').fill(`${baseURL}/healthz`);
  await page.getByLabel('Check every (seconds)').fill('300');
  await page.getByLabel('Slow when slower than (ms; empty: never)').fill('20000');
  await page.getByRole('button', { name: 'Create monitor' }).click();
  await expect(page.locator('.field-error')).toContainText('an answer slower than the timeout is a failure');
  await page.getByLabel('Slow when slower than (ms; empty: never)').fill('5000');
  await page.getByLabel('Open an incident when slow (degraded performance)').check();

  const parentField = page.getByLabel('Parent monitor (what this one needs to work)');
  await parentField.fill('no such monitor');
  await page.getByRole('button', { name: 'Create monitor' }).click();
  await expect(page.locator('.field-error')).toHaveText('Choose a monitor from the suggestions (its name and #id).');
  // Typing part of a name suggests the monitors that match.
  await parentField.fill(`host ${stamp}`);
  await expect(page.locator('#parent-choices option')).toHaveAttribute('value', label);
  await parentField.fill(label);
  await screenshots(page, info.project.outputDir, 'console-dependency-form');
  await page.getByRole('button', { name: 'Create monitor' }).click();
  await expect(page).toHaveURL(/\/console\/monitors$/);

  await page.locator(`tr[data-monitor="${name}"]`).getByRole('link', { name }).click();
  await expect(page.getByTestId('parent')).toHaveText(parentName);
  await expect(page.locator('main p.muted').first()).toContainText('slow above 5000 ms');
  await screenshots(page, info.project.outputDir, 'console-dependency-page');

  // Editing shows the parent by name and keeps what was chosen.
  await page.getByRole('link', { name: 'Edit' }).click();
  await hydrated(page);
  await expect(parentField).toHaveValue(label);
  await expect(page.getByLabel('Slow when slower than (ms; empty: never)')).toHaveValue('5000');
  await expect(page.getByLabel('Open an incident when slow (degraded performance)')).toBeChecked();
  await parentField.fill('');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page).toHaveURL(/\/console\/monitors$/);
  await page.locator(`tr[data-monitor="${name}"]`).getByRole('link', { name }).click();
  await expect(page.getByRole('heading', { name: 'Recent checks' })).toBeVisible();
  await expect(page.getByTestId('parent')).toHaveCount(0);
  expect(problems).toEqual([]);
});

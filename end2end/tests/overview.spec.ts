import { expect, test } from '@playwright/test';
import { apiToken, hydrated, post, screenshots, signIn, watchConsole } from './helpers';

test('the overview shows monitors by status and ongoing incidents, each leading further', async ({ page, request }, info) => {
  const problems = watchConsole(page);
  const stamp = `${Date.now()}`;
  const token = apiToken();
  const monitor = await post(request, token, '/api/v1/monitors', {
    name: `Overview ${stamp}`, kind: 'tcp', host: '127.0.0.1', port: 9, interval_seconds: 3600,
  });
  await post(request, token, '/api/v1/monitors/bulk', { ids: [monitor.id], action: 'pause' });
  await post(request, token, '/api/v1/incidents', {
    title: `Checkout slow ${stamp}`, impact: 'degraded_performance', monitor_ids: [monitor.id],
  });

  await signIn(page);
  await page.goto('/console');
  await hydrated(page);
  const incidents = page.getByRole('region', { name: 'Ongoing incidents' });
  await expect(incidents.getByRole('link', { name: `Checkout slow ${stamp}` })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Regions' }).getByText('local', { exact: true })).toBeVisible();
  await screenshots(page, info.outputDir, 'overview');

  await page.getByRole('navigation', { name: 'By status' }).getByRole('link', { name: /^\d+ paused$/ }).click();
  await expect(page).toHaveURL(/\/console\/monitors\?status=paused$/);
  await expect(page.locator(`main tbody tr[data-monitor="Overview ${stamp}"]`)).toBeVisible();
  expect(problems).toEqual([]);
});

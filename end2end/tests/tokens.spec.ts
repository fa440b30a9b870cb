import { expect, test } from '@playwright/test';
import { hydrated, signIn, watchConsole } from './helpers';

test('an admin creates a token, sees it once, uses it, and revokes it', async ({ page, request }) => {
  const problems = watchConsole(page);
  await signIn(page);
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'API tokens', exact: true }).click();
  await expect(page).toHaveURL(/\/console\/tokens$/);
  await hydrated(page);

  await page.getByLabel('Name').fill('deploy script');
  await page.getByRole('button', { name: 'Create token' }).click();
  const secret = (await page.getByTestId('new-token').textContent())?.trim() ?? '';
  expect(secret).toMatch(/^vigie_[0-9a-f]{64}$/);

  const me = await request.get('/api/v1/me', { headers: { Authorization: `Bearer ${secret}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).email).toBe('admin@example.com');

  // Listed by name and prefix only; after a reload the secret is gone for good.
  await page.reload();
  await hydrated(page);
  const row = page.locator('tr[data-token-name="deploy script"]').first();
  await expect(row).toContainText(secret.slice(0, 12));
  await expect(page.getByText(secret)).toHaveCount(0);
  await expect(row).not.toContainText('never');

  await row.getByRole('button', { name: 'Revoke' }).click();
  await row.getByRole('button', { name: 'Confirm revoke' }).click();
  await expect(page.locator('tr[data-token-name="deploy script"]')).toHaveCount(0);
  const after = await request.get('/api/v1/me', { headers: { Authorization: `Bearer ${secret}` } });
  expect(after.status()).toBe(401);
  expect((await after.json()).error.code).toBe('unauthorized');
  expect(problems).toEqual([]);
});

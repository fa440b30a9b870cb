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

  // Both are in the audit log, by whom and from where; the filter keeps one kind.
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Audit log' }).click();
  await expect(page).toHaveURL(/\/console\/audit$/);
  await hydrated(page);
  const entries = page.locator('tr', { hasText: `deploy script (${secret.slice(0, 12)}…)` });
  await expect(entries).toHaveCount(2);
  await expect(entries.first()).toContainText('API token revoked');
  await expect(entries.first()).toContainText('admin@example.com');
  await expect(entries.first()).toContainText('127.0.0.1');
  await expect(entries.last()).toContainText('API token created');
  await page.getByLabel('Action').selectOption('sign_in');
  await expect(page.locator('tr[data-action]').first()).toContainText('Signed in');
  await expect(page.locator('tr[data-action]:not([data-action="sign_in"])')).toHaveCount(0);
  expect(problems).toEqual([]);
});

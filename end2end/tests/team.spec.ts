import { expect, test } from '@playwright/test';
import { addMember, hydrated, signIn, watchConsole } from './helpers';

test('an admin adds a member, changes their role and removes them', async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page);
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Team', exact: true }).click();
  await expect(page).toHaveURL(/\/console\/team$/);
  await hydrated(page);

  const email = `member-${Date.now()}@example.com`;
  const form = page.locator('section', { has: page.getByRole('heading', { name: 'Add a member' }) });
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Name').fill('Grace Member');
  await form.getByLabel('Initial password').fill('short');
  // The browser's own check stops a short password; bypass it to see ours.
  await form.getByLabel('Initial password').evaluate((input: HTMLInputElement) => input.removeAttribute('minlength'));
  await form.getByRole('button', { name: 'Add member' }).click();
  await expect(form.locator('.field-error')).toHaveText('Use at least 10 characters.');

  await form.getByLabel('Initial password').fill('a long enough password');
  await form.getByRole('button', { name: 'Add member' }).click();
  await expect(form.getByRole('status')).toHaveText('Added Grace Member.');

  // The list refreshed in place (no reload): the page is hydrated and live.
  const row = page.locator(`tr[data-email="${email}"]`);
  await expect(row).toContainText('Grace Member');
  const role = row.getByRole('combobox', { name: 'Role of Grace Member' });
  await expect(role).toHaveValue('member');
  // Reload once the change is saved (a reload cancels a request in flight).
  const saved = page.waitForResponse((r) => r.url().endsWith('/rpc/change_role') && r.ok());
  await role.selectOption('admin');
  await saved;
  await page.reload();
  await expect(page.locator(`tr[data-email="${email}"]`).getByRole('combobox')).toHaveValue('admin');

  await hydrated(page);
  const reloadedRow = page.locator(`tr[data-email="${email}"]`);
  await reloadedRow.getByRole('button', { name: 'Remove' }).click();
  await reloadedRow.getByRole('button', { name: 'Confirm removal' }).click();
  await expect(page.locator(`tr[data-email="${email}"]`)).toHaveCount(0);
  expect(problems).toEqual([]);
});

test('the last admin cannot be demoted', async ({ page }) => {
  await signIn(page);
  await page.goto('/console/team');
  await hydrated(page);
  const me = page.locator('tr[data-email="admin@example.com"]');
  // Other admins may exist from earlier tests only if they were removed; make sure.
  await me.getByRole('combobox').selectOption('member');
  await expect(page.getByRole('alert')).toContainText('at least one admin');
});

test('everyone can change their own password, with checks', async ({ page }) => {
  await signIn(page);
  await page.goto('/console/team');
  await hydrated(page);
  const form = page.locator('section', { has: page.getByRole('heading', { name: 'Your password' }) });
  await form.getByLabel('Current password').fill('not my password');
  await form.getByLabel('New password', { exact: true }).fill('another long password');
  await form.getByLabel('Repeat the new password').fill('another long password');
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(form.locator('.field-error')).toHaveText('The current password is not right.');
});

test('a member sees the team but cannot manage it or tokens', async ({ page, browser }) => {
  // An admin adds the member first.
  await signIn(page);
  const email = `viewer-${Date.now()}@example.com`;
  await addMember(page, email, 'Vera Viewer', 'a long enough password');

  const context = await browser.newContext();
  const member = await context.newPage();
  await signIn(member, email, 'a long enough password');
  const nav = member.getByRole('navigation', { name: 'Console' });
  await expect(nav.getByRole('link', { name: 'Team', exact: true })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'API tokens' })).toHaveCount(0);
  await member.goto('/console/team');
  await hydrated(member);
  await expect(member.locator(`tr[data-email="${email}"]`)).toContainText('Vera Viewer');
  await expect(member.getByRole('heading', { name: 'Add a member' })).toHaveCount(0);
  await expect(member.getByRole('combobox')).toHaveCount(0);
  await expect(member.getByRole('button', { name: 'Remove' })).toHaveCount(0);
  await member.goto('/console/tokens');
  await expect(member.getByText('Only admins manage API tokens.')).toBeVisible();
  await context.close();
});

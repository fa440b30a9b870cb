import { expect, test } from '@playwright/test';
import { ADMIN_EMAIL, ADMIN_PASSWORD, hydrated, signIn, watchConsole } from './helpers';

test('the console sends strangers to sign in, then back where they were going', async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto('/console/team');
  await expect(page).toHaveURL(/\/login\?next=%2Fconsole%2Fteam$/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await hydrated(page);

  await page.getByLabel('Email').fill(ADMIN_EMAIL);
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/console\/team$/);
  await expect(page.getByRole('heading', { name: 'Team', level: 1 })).toBeVisible();
  await expect(page.locator('.whoami')).toContainText('Ada Admin');
  expect(problems).toEqual([]);
});

test('admins see the version running and how the scheduled backups went', async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page);
  await expect(page).toHaveURL(/\/console$/);
  await hydrated(page);
  // run.sh sets VIGIE_BACKUP_DIR: the server backs up at start, and the
  // dump may still be running when this test begins, so look again until the
  // card reports it (the card reads the report once per page load).
  const card = page.locator('.server-card');
  await expect(async () => {
    await page.reload();
    await expect(card).toContainText(/Last backup .*[KM]B: .*vigie-\d{8}T\d{6}Z\.dump/, { timeout: 2000 });
  }).toPass({ timeout: 30_000 });
  await hydrated(page);
  await expect(card.getByRole('heading', { name: 'This server' })).toBeVisible();
  await expect(card).toContainText(/Vigie \d+\.\d+\.\d+ \(commit [0-9a-f]{12}\)/);
  await expect(card).toContainText('the newest 7 kept');
  await expect(card.getByRole('alert')).toHaveCount(0);
  await expect(page.locator('.sidebar-foot')).toContainText(/^Vigie \d+\.\d+\.\d+ \(commit [0-9a-f]{12}\)$/);
  expect(problems).toEqual([]);
});

test('a wrong password says so without saying which field was wrong', async ({ page }) => {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Email').fill(ADMIN_EMAIL);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Wrong email or password.');
  await expect(page).toHaveURL(/\/login/);
});

test('signing out ends the session', async ({ page }) => {
  await signIn(page);
  await expect(page).toHaveURL(/\/console$/);
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/console');
  await expect(page).toHaveURL(/\/login\?next=%2Fconsole$/);
});

test('the home page says no status page is published yet', async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'No status page is published yet' })).toBeVisible();
  await hydrated(page);
  expect(problems).toEqual([]);
});

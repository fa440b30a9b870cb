import { expect, type Page } from '@playwright/test';

export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD ?? 'correct horse battery';

// Refusals the tests provoke on purpose (validation, permissions) are logged
// by the browser as failed loads; missing files (404) and server errors are not.
const EXPECTED_REFUSAL = /Failed to load resource: the server responded with a status of (401|403|409|422|429)\b/;

/** Collects console errors and uncaught exceptions; tests expect none. */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !EXPECTED_REFUSAL.test(message.text())) {
      problems.push(`console: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return problems;
}

/** Waits until the wasm bundle has hydrated the page. */
export async function hydrated(page: Page): Promise<void> {
  await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
}

export async function signIn(page: Page, email = ADMIN_EMAIL, password = ADMIN_PASSWORD, path = '/login'): Promise<void> {
  await page.goto(path);
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}

/** Adds a member from the Team page (signed in as an admin) and waits for the confirmation. */
export async function addMember(page: Page, email: string, name: string, password: string): Promise<void> {
  await page.goto('/console/team');
  await hydrated(page);
  const form = page.locator('section', { has: page.getByRole('heading', { name: 'Add a member' }) });
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Initial password').fill(password);
  await form.getByRole('button', { name: 'Add member' }).click();
  await expect(form.getByRole('status')).toHaveText(`Added ${name}.`);
}

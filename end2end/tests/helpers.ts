import { expect, type APIRequestContext, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD ?? 'correct horse battery';

// Refusals the tests provoke on purpose (validation, permissions) are logged
// by the browser as failed loads; missing files (404) and server errors are not.
const EXPECTED_REFUSAL = /Failed to load resource: the server responded with a status of (401|403|409|422|429)\b/;

export const VIGIE = process.env.E2E_VIGIE_BIN ?? '../target/release/vigie';

/** An API token for the admin, from the command line (its last line). */
export function apiToken(): string {
  const out = execFileSync(VIGIE, ['token', 'create', '--email', ADMIN_EMAIL, '--name', `e2e-${Date.now()}`], {
    encoding: 'utf8',
  });
  return out.trim().split('\n').pop()!;
}

/** A REST API call with the token; it must succeed. Answers its JSON. */
export async function post(request: APIRequestContext, token: string, path: string, data: unknown) {
  const reply = await request.post(path, { data, headers: { Authorization: `Bearer ${token}` } });
  expect(reply.status(), await reply.text()).toBeLessThan(300);
  return reply.json();
}

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

/** Creates a monitor of `url` checked every second from `regions` and waits for its row. */
export async function createFastMonitor(page: Page, name: string, url: string, regions: string[] = ['local']) {
  await page.goto('/console/monitors/new');
  await hydrated(page);
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('URL').fill(url);
  await page.getByLabel('Check every (seconds)').fill('1');
  await page.getByLabel('Timeout (seconds)').fill('1');
  await page.getByLabel('Failed checks before down').fill('1');
  await page.getByLabel('Good checks before up again').fill('1');
  const choices = page.locator('fieldset', { has: page.getByText('Regions', { exact: true }) });
  for (const box of await choices.getByRole('checkbox').all()) {
    const label = (await box.locator('xpath=..').innerText()).trim();
    if (regions.includes(label)) await box.check();
    else await box.uncheck();
  }
  await page.getByRole('button', { name: 'Create monitor' }).click();
  await expect(page).toHaveURL(/\/console\/monitors$/);
  await expect(page.locator(`tr[data-monitor="${name}"]`)).toBeVisible();
}

/** A local HTTP target that answers 200, or 500 while `failing` is set. */
export async function startTarget(): Promise<{ url: string; failing: boolean; close: () => void }> {
  const target = { url: '', failing: false, close: () => {} };
  const server = http.createServer((_request, response) => {
    response.statusCode = target.failing ? 500 : 200;
    response.end(target.failing ? 'broken' : 'fine');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  target.close = () => server.close();
  return target;
}

const SCREEN_SIZES = [
  { name: 'narrow', width: 390, height: 844 },
  { name: 'wide', width: 1280, height: 800 },
];

/** Screenshots the page as it is, light and dark, narrow and wide, into
 * test-results/screens/<name>-…, checking that nothing overflows sideways. */
export async function screenshots(page: Page, outputDir: string, name: string): Promise<void> {
  const before = page.viewportSize();
  for (const colorScheme of ['light', 'dark'] as const) {
    for (const size of SCREEN_SIZES) {
      await page.setViewportSize({ width: size.width, height: size.height });
      await page.emulateMedia({ colorScheme });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${name} overflows by ${overflow}px`).toBeLessThanOrEqual(0);
      await page.screenshot({ path: `${outputDir}/screens/${name}-${size.name}-${colorScheme}.png`, fullPage: true });
    }
  }
  if (before) await page.setViewportSize(before);
  await page.emulateMedia({ colorScheme: 'light' });
}

import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { apiToken, hydrated, post, signIn, watchConsole } from './helpers';

/** Serious and critical accessibility problems axe-core finds on the page, one line each. */
async function accessibilityProblems(page: Page): Promise<string[]> {
  const { violations, passes } = await new AxeBuilder({ page }).analyze();
  expect(passes.length, 'axe-core checked the page').toBeGreaterThan(10);
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('the public status page works with and without JavaScript, light and dark, narrow and wide', async ({ browser, request }, testInfo) => {
  // Eight visits, twelve accessibility audits: about 25 s on an idle
  // machine, past the default 30 s when the machine is busy.
  test.setTimeout(120_000);
  const token = apiToken();
  const stamp = Date.now();
  const monitor = await post(request, token, '/api/v1/monitors', {
    name: `internal-${stamp}`, url: 'http://127.0.0.1:9/private-target', interval_seconds: 3600,
  });
  const other = await post(request, token, '/api/v1/monitors', {
    name: `internal-search-${stamp}`, url: 'http://127.0.0.1:9/search', interval_seconds: 3600,
  });
  const slug = `acme-${stamp}`;
  await post(request, token, '/api/v1/status-pages', {
    slug, title: 'Acme status', description: 'Live status of Acme services.', published: true,
    components: [
      { monitor_id: monitor.id, name: 'Checkout', group: 'Shop' },
      { monitor_id: other.id, name: 'Search', group: 'Shop' },
    ],
  });
  const incident = await post(request, token, '/api/v1/incidents', {
    title: 'Checkout is slow', impact: 'degraded_performance', monitor_ids: [monitor.id],
  });
  await post(request, token, `/api/v1/incidents/${incident.id}/updates`, {
    status: 'identified', body: 'A slow database query; **a fix is rolling out**.',
  });
  const start = new Date(Date.now() + 86_400_000);
  await post(request, token, '/api/v1/incidents', {
    kind: 'maintenance', title: 'Search index upgrade', monitor_ids: [other.id],
    scheduled_start: start.toISOString(), scheduled_end: new Date(start.getTime() + 3_600_000).toISOString(),
  });

  for (const javaScriptEnabled of [false, true]) {
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const size of [{ name: 'narrow', width: 390, height: 844 }, { name: 'wide', width: 1280, height: 800 }]) {
        const mode = `${javaScriptEnabled ? 'with' : 'without'} JavaScript, ${colorScheme}, ${size.name}`;
        // A visitor in Paris: where scripts run, local times are added.
        const context = await browser.newContext({ javaScriptEnabled, colorScheme, viewport: size, timezoneId: 'Europe/Paris' });
        const page = await context.newPage();
        const response = await page.goto(`/status/${slug}`);
        expect(response?.status(), mode).toBe(200);
        await expect(page.getByRole('heading', { level: 1 })).toHaveText('Acme status');
        await expect(page.getByRole('status')).toContainText('Degraded performance');
        await expect(page.locator('.component', { hasText: 'Checkout' })).toContainText('Degraded performance');
        await expect(page.locator('.component', { hasText: 'Search' })).toContainText('Operational');
        await expect(page.getByRole('heading', { name: 'Checkout is slow' })).toBeVisible();
        await expect(page.locator('.public-updates strong', { hasText: 'a fix is rolling out' })).toBeVisible();
        await expect(page.getByRole('heading', { name: 'Search index upgrade' })).toBeVisible();
        await expect(page.locator('body')).not.toContainText(`internal-${stamp}`);
        await expect(page.locator('body')).not.toContainText('127.0.0.1');
        // One external script, only adding the visitor's local times.
        await expect(page.locator('script')).toHaveCount(1);
        await expect(page.locator('script')).toHaveAttribute('src', '/localtime.js');
        const update = page.locator('.public-updates li').first();
        await expect(update.locator('time')).toHaveText(/UTC$/);
        await expect(update.locator('.local-time')).toHaveCount(javaScriptEnabled ? 1 : 0);
        if (javaScriptEnabled) await expect(update.locator('.local-time')).toContainText(/your time: .*(GMT|CET)/);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `the status page overflows by ${overflow}px (${mode})`).toBeLessThanOrEqual(0);
        // Each day's label is read aloud, and shows as a tooltip on hover (or tap).
        // (Scrolled first: a screenshot that scrolls would move the bar away from the pointer.)
        await page.locator('.components').scrollIntoViewIfNeeded();
        const today = page.locator('.component', { hasText: 'Checkout' }).locator('.bar').last();
        const label = today.locator('.sr-only');
        await expect(label).toHaveText(/^[A-Z][a-z]{2} \d{1,2}, \d{4}: (no data|[\d.]+ % uptime)/);
        expect((await label.boundingBox())?.width ?? 0, 'hidden until hovered').toBeLessThanOrEqual(1);
        await today.hover();
        expect((await label.boundingBox())?.width ?? 0, `tooltip shown (${mode})`).toBeGreaterThan(40);
        if (!javaScriptEnabled) {
          await page.locator('.components').screenshot({
            path: `${testInfo.project.outputDir}/screens/status-tooltip-${size.name}-${colorScheme}.png`,
          });
        }
        await page.mouse.move(0, 0);
        if (javaScriptEnabled) {
          // axe-core runs in the page, so only where scripts may run; the
          // markup and colours are the same either way.
          expect(await accessibilityProblems(page), mode).toEqual([]);
          await page.screenshot({
            path: `${testInfo.project.outputDir}/screens/status-js-${size.name}-${colorScheme}.png`,
            fullPage: true,
          });
          await page.getByRole('link', { name: 'Checkout is slow' }).first().click();
          await expect(page.getByRole('heading', { level: 1 })).toHaveText('Checkout is slow');
          expect(await accessibilityProblems(page), `incident page, ${mode}`).toEqual([]);
          await page.goto(`/status/${slug}/history`);
          await expect(page.getByRole('heading', { level: 1 })).toContainText('history');
          expect(await accessibilityProblems(page), `history page, ${mode}`).toEqual([]);
        } else {
          await page.screenshot({
            path: `${testInfo.project.outputDir}/screens/status-${size.name}-${colorScheme}.png`,
            fullPage: true,
          });
        }
        await context.close();
      }
    }
  }
});

test('the team sets up a status page in the console, previews it, then publishes it', async ({ page, request }, testInfo) => {
  const problems = watchConsole(page);
  const token = apiToken();
  const stamp = Date.now();
  const internal = `db-primary-${stamp}`;
  await post(request, token, '/api/v1/monitors', { name: internal, url: 'http://127.0.0.1:9/db', interval_seconds: 3600 });
  const slug = `shop-${stamp}`;

  await signIn(page);
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Status pages' }).click();
  await expect(page).toHaveURL(/\/console\/status-pages$/);
  await hydrated(page);
  await page.getByRole('button', { name: 'Add page' }).click();
  const form = page.getByRole('form', { name: 'Add page' });
  await form.getByLabel('Title').fill('Shop status');
  await form.getByLabel('Slug').fill('Not A Slug');
  await form.getByRole('button', { name: 'Add page' }).click();
  await expect(form.locator('.field-error')).toContainText('lowercase letters');
  await form.getByLabel('Slug').fill(slug);
  await form.getByLabel('Find monitors').fill(internal);
  await form.getByRole('button', { name: `Add ${internal}` }).click();
  const row = form.locator('.component-picker li', { hasText: internal });
  await expect(row.getByRole('checkbox')).toBeChecked();
  await row.getByLabel(`Public name of ${internal}`).fill('Database');
  await row.getByLabel(`Group of ${internal}`).fill('Storage');
  await form.getByLabel('Accent colour').fill('#0f766e');
  // The form filled in, as the team sees it.
  for (const colorScheme of ['light', 'dark'] as const) {
    for (const size of [{ name: 'narrow', width: 390, height: 844 }, { name: 'wide', width: 1280, height: 800 }]) {
      await page.emulateMedia({ colorScheme });
      await page.setViewportSize(size);
      // Let the new layout paint before the capture.
      await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `the form overflows by ${overflow}px (${colorScheme}, ${size.name})`).toBeLessThanOrEqual(0);
      await page.screenshot({
        path: `${testInfo.project.outputDir}/screens/status-page-form-${size.name}-${colorScheme}.png`,
        fullPage: true,
      });
    }
  }
  await form.getByRole('button', { name: 'Add page' }).click();
  const listed = page.locator(`tr[data-page="${slug}"]`);
  await expect(listed).toContainText('draft');

  // The preview shows the public view before anyone else can see it.
  const preview = await listed.getByRole('link', { name: 'Preview' }).getAttribute('href');
  expect((await request.get(`/status/${slug}`)).status()).toBe(404);
  await page.goto(preview!);
  await expect(page.getByRole('note')).toContainText('not published');
  await expect(page.locator('.component h3')).toHaveText('Database');
  await expect(page.locator('body')).not.toContainText(internal);

  await page.goto('/console/status-pages');
  await hydrated(page);
  await page.locator(`tr[data-page="${slug}"]`).getByRole('button', { name: 'Edit' }).click();
  const edit = page.getByRole('form', { name: 'Edit page' });
  await expect(edit.getByLabel(`Public name of ${internal}`)).toHaveValue('Database');
  await edit.getByLabel('Published').check();
  await edit.getByRole('button', { name: 'Save page' }).click();
  await expect(page.locator(`tr[data-page="${slug}"]`)).toContainText('published');
  const published = await request.get(`/status/${slug}`);
  expect(published.status()).toBe(200);
  expect(await published.text()).toContain('Storage');
  expect(problems).toEqual([]);
});

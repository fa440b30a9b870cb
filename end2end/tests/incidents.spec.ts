import { expect, test } from '@playwright/test';
import { createFastMonitor, hydrated, signIn, startTarget, watchConsole } from './helpers';

test('an outage opens an incident, the team comments and updates, and it resolves itself', async ({ page }) => {
  test.setTimeout(90_000);
  const problems = watchConsole(page);
  const target = await startTarget();
  try {
    await signIn(page);
    const name = `Checkout ${Date.now()}`;
    await createFastMonitor(page, name, target.url);
    await expect(page.locator(`tr[data-monitor="${name}"] .status`)).toHaveText('up', { timeout: 20_000 });

    await page.goto('/console/incidents');
    await hydrated(page);
    target.failing = true;
    // The list refreshes itself: the programmatic incident appears without a reload.
    const row = page.locator(`tr[data-incident="${name} is down"]`);
    await expect(row).toBeVisible({ timeout: 20_000 });
    await expect(row.locator('.state')).toHaveText('ongoing');
    await expect(page.getByRole('navigation', { name: 'Console' }).locator('.count')).toBeVisible({ timeout: 15_000 });
    await row.getByRole('link', { name: `${name} is down` }).click();
    await expect(page).toHaveURL(/\/console\/incidents\/\d+$/);
    await hydrated(page);
    await expect(page.locator('li[data-event="opened"]')).toContainText('status from local');

    // A private comment in Markdown, previewed then rendered.
    const comments = page.locator('section', { has: page.getByRole('heading', { name: /^Comments/ }) });
    await comments.getByLabel('Comment', { exact: true }).fill('Restarted **the pool**, see [logs](https://logs.example.com)');
    await comments.getByRole('button', { name: 'Preview' }).click();
    await expect(comments.getByTestId('preview').locator('strong')).toHaveText('the pool');
    await comments.getByRole('button', { name: 'Write' }).click();
    await comments.getByRole('button', { name: 'Add comment' }).click();
    const comment = comments.locator('li.comment').first();
    await expect(comment.locator('strong', { hasText: 'the pool' })).toBeVisible();
    await expect(comment.getByRole('link', { name: 'logs' })).toHaveAttribute('rel', 'noopener noreferrer nofollow');

    // The impact changes, a public update goes out.
    await page.getByLabel('Impact', { exact: true }).selectOption('major_outage');
    await expect(page.locator('li[data-event="impact_changed"]')).toContainText('Major outage');
    const updates = page.locator('section', { has: page.getByRole('heading', { name: /^Updates/ }) });
    await updates.getByLabel('Status').selectOption('identified');
    await updates.getByLabel('Message', { exact: true }).fill('The payment pool is *exhausted*; restarting.');
    await updates.getByRole('button', { name: 'Publish update' }).click();
    await expect(updates.locator('li.update').first()).toContainText('identified');
    await expect(updates.locator('li.update em')).toHaveText('exhausted');

    // The target recovers: the incident resolves itself, on this open page.
    target.failing = false;
    await expect(page.locator('.page-head .state')).toHaveText('resolved', { timeout: 25_000 });
    await expect(page.locator('li[data-event="resolved"]')).toContainText('Resolved automatically');
    await expect(page.getByRole('button', { name: 'Reopen' })).toBeVisible();
  } finally {
    target.close();
  }
  expect(problems).toEqual([]);
});

test('a maintenance is scheduled days ahead, then cancelled', async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page);
  const target = await startTarget();
  const name = `Database ${Date.now()}`;
  try {
    await createFastMonitor(page, name, target.url);
  } finally {
    target.close();
  }
  await page.goto('/console/incidents');
  await hydrated(page);
  await page.getByRole('link', { name: 'Schedule maintenance' }).click();
  await expect(page).toHaveURL(/\/console\/incidents\/new\?kind=maintenance$/);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Schedule maintenance' })).toBeVisible();
  await page.getByLabel('Title', { exact: true }).fill('Database upgrade');
  await page.getByLabel('Find monitors').fill(name);
  await page.locator('label.check', { hasText: name }).getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Schedule maintenance' }).click();
  await expect(page.locator('.field-error')).toHaveText('Give the maintenance a start.');

  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 16);
  await page.getByLabel('Starts (UTC)').fill(day(3));
  await page.getByLabel('Ends (UTC)').fill(day(2));
  await page.getByRole('button', { name: 'Schedule maintenance' }).click();
  await expect(page.locator('.field-error')).toHaveText('The end must come after the start.');
  await page.getByLabel('Ends (UTC)').fill(day(3.1));
  await page.getByRole('button', { name: 'Schedule maintenance' }).click();
  await expect(page).toHaveURL(/\/console\/incidents\/\d+$/);
  await expect(page.locator('.page-head .state')).toHaveText('scheduled');
  await expect(page.locator('li[data-event="scheduled"]')).toContainText('Maintenance scheduled from');

  await page.getByRole('button', { name: 'Cancel maintenance' }).click();
  await page.getByRole('button', { name: 'Confirm cancel' }).click();
  await expect(page.locator('.page-head .state')).toHaveText('cancelled');
  expect(problems).toEqual([]);
});

test.describe('in the viewer\'s time zone', () => {
  // New Zealand in January: UTC+13:00.
  test.use({ timezoneId: 'Pacific/Auckland' });

  test('a maintenance is entered and shown in local time, stored in UTC, and its window moved', async ({ page }) => {
    const problems = watchConsole(page);
    await signIn(page);
    const target = await startTarget();
    const name = `Billing ${Date.now()}`;
    try {
      await createFastMonitor(page, name, target.url);
    } finally {
      target.close();
    }
    await page.goto('/console/incidents/new?kind=maintenance');
    await hydrated(page);
    await page.getByLabel('Title', { exact: true }).fill('Billing migration');
    await page.getByLabel('Find monitors').fill(name);
    await page.locator('label.check', { hasText: name }).getByRole('checkbox').check();
    await page.getByLabel('Starts (Pacific/Auckland)').fill('2030-01-15T10:00');
    await page.getByLabel('Ends (Pacific/Auckland)').fill('2030-01-15T12:00');
    await page.getByRole('button', { name: 'Schedule maintenance' }).click();
    await expect(page).toHaveURL(/\/console\/incidents\/\d+$/);
    await hydrated(page);

    // Stored as UTC (10:00 in Auckland is 21:00 UTC the day before), shown local.
    const window = page.locator('.incident-meta time');
    await expect(window.first()).toHaveAttribute('datetime', '2030-01-14T21:00:00+00:00');
    await expect(window.first()).toHaveText('2030-01-15 10:00 UTC+13:00');
    await expect(window.first()).toHaveAttribute('title', '2030-01-14 21:00 UTC');

    // The window moves; the timeline says from what to what, in local time.
    await page.getByRole('button', { name: 'Edit incident' }).click();
    await expect(page.getByLabel('Ends (Pacific/Auckland)')).toHaveValue('2030-01-15T12:00');
    await page.getByLabel('Ends (Pacific/Auckland)').fill('2030-01-15T13:30');
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      await page.locator('form.card', { has: page.getByRole('heading', { name: 'Edit' }) }).screenshot({
        path: `${test.info().project.outputDir}/screens/incident-edit-${colorScheme}.png`,
      });
    }
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(page.locator('li[data-event="window_changed"]')).toContainText(
      '2030-01-15 10:00 UTC+13:00 – 2030-01-15 12:00 UTC+13:00 to 2030-01-15 10:00 UTC+13:00 – 2030-01-15 13:30 UTC+13:00',
    );
    await expect(window.nth(1)).toHaveAttribute('datetime', '2030-01-15T00:30:00+00:00');
    expect(problems).toEqual([]);
  });
});

test('the first update sets the impact, and a published update is corrected', async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page);
  const target = await startTarget();
  const name = `Search ${Date.now()}`;
  try {
    await createFastMonitor(page, name, target.url);
  } finally {
    target.close();
  }
  await page.goto('/console/incidents/new');
  await hydrated(page);
  await page.getByLabel('Title', { exact: true }).fill('Search is slow');
  await page.getByLabel('Find monitors').fill(name);
  await page.locator('label.check', { hasText: name }).getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Open incident' }).click();
  await expect(page).toHaveURL(/\/console\/incidents\/\d+$/);
  await hydrated(page);

  // Impact unknown: the public would not see an update, so the form asks.
  const updates = page.locator('section', { has: page.getByRole('heading', { name: /^Updates/ }) });
  await expect(updates.getByRole('note')).toContainText('The impact is still unknown');
  await updates.screenshot({ path: `${test.info().project.outputDir}/screens/incident-update-unknown-impact.png` });
  await updates.getByLabel('Message', { exact: true }).fill('Serach results are slow.');
  await updates.getByRole('button', { name: 'Publish update' }).click();
  await expect(updates.locator('.field-error')).toHaveText('Choose an impact, or keep it unknown knowingly.');
  await updates.getByLabel('Set the impact').selectOption('degraded_performance');
  await updates.getByRole('button', { name: 'Publish update' }).click();
  await expect(updates.locator('li.update')).toHaveCount(1);
  await expect(page.locator('li[data-event="impact_changed"]')).toContainText('Degraded performance');
  await expect(updates.getByRole('note')).toHaveCount(0);

  // A typo, corrected in place.
  const update = updates.locator('li.update').first();
  await update.getByRole('button', { name: 'Correct' }).click();
  await update.getByLabel('Corrected message', { exact: true }).fill('Search results are slow.');
  await update.getByRole('button', { name: 'Save correction' }).click();
  await expect(update).toContainText('(corrected)');
  await expect(update.locator('.markdown')).toHaveText('Search results are slow.');
  await expect(page.locator('li[data-event="update_edited"]')).toContainText('Update corrected');
  expect(problems).toEqual([]);
});

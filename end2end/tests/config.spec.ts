import { expect, test } from '@playwright/test';
import Ajv2020 from 'ajv/dist/2020';
import { apiToken, hydrated, signIn, watchConsole } from './helpers';

/** A file as a CI pipeline would send it: a monitor, a webhook channel whose
 * secret is a reference, a rule and a status page, keyed by `stamp`. */
function file(stamp: number): string {
  return `# yaml-language-server: $schema=/api/v1/config.schema.json
version: 1
monitors:
  - key: web-${stamp}
    name: Managed web ${stamp}
    url: http://127.0.0.1:9/health
    interval_seconds: 300
channels:
  - key: hook-${stamp}
    kind: webhook
    name: Managed hook ${stamp}
    url: http://127.0.0.1:9/hook
    secret: \${HOOK_SECRET}
rules:
  - key: rule-${stamp}
    name: Managed rule ${stamp}
    events: [incident_created]
    channel: hook-${stamp}
    monitors: [web-${stamp}]
status_pages:
  - key: page-${stamp}
    slug: managed-${stamp}
    title: Managed page ${stamp}
    components:
      - monitor: web-${stamp}
        name: Website
`;
}

test('a file applied over the API is marked in the console, and editing there warns', async ({ page, request }) => {
  test.setTimeout(90_000);
  const problems = watchConsole(page);
  const stamp = Date.now();
  const token = apiToken();
  const auth = { Authorization: `Bearer ${token}` };

  // The schema editors read checks the file: this one passes, a typo does not.
  const schema = await (await request.get('/api/v1/config.schema.json')).json();
  const validate = new Ajv2020({ strict: false, validateFormats: false }).compile(schema);
  const document = {
    version: 1,
    monitors: [{ key: `web-${stamp}`, name: `Managed web ${stamp}`, url: 'http://127.0.0.1:9/health', interval_seconds: 300 }],
    channels: [{ key: `hook-${stamp}`, kind: 'webhook', name: `Managed hook ${stamp}`, url: 'http://127.0.0.1:9/hook', secret: '${HOOK_SECRET}' }],
  };
  expect(validate(document), JSON.stringify(validate.errors)).toBe(true);
  const typo = { ...document, monitors: [{ ...document.monitors[0], interval_secs: 300 }] };
  expect(validate(typo)).toBe(false);
  expect(JSON.stringify(validate.errors)).toContain('interval_secs');

  // A dry run, then the apply.
  const body = { file: file(stamp), variables: { HOOK_SECRET: `hook-secret-${stamp}-0123456789` } };
  const dry = await request.post('/api/v1/config?dry_run=true', { data: body, headers: auth });
  expect(dry.status(), await dry.text()).toBe(200);
  expect((await dry.json()).created).toBe(4);
  const applied = await request.post('/api/v1/config', { data: body, headers: auth });
  expect(applied.status(), await applied.text()).toBe(200);
  expect(await applied.text()).not.toContain(`hook-secret-${stamp}`);
  const monitors = await (await request.get(`/api/v1/monitors?q=${encodeURIComponent(`Managed web ${stamp}`)}`, { headers: auth })).json();
  const monitor = monitors.items.find((m: { name: string }) => m.name === `Managed web ${stamp}`);
  expect(monitor).toBeTruthy();

  await signIn(page);
  await page.goto(`/console/monitors?q=${encodeURIComponent(`web ${stamp}`)}`);
  await hydrated(page);
  await expect(page.locator(`tr[data-monitor="Managed web ${stamp}"] .badge.managed`)).toHaveText('managed by configuration');
  await page.goto(`/console/monitors/${monitor.id}`);
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('managed by configuration');
  await page.goto(`/console/monitors/${monitor.id}/edit`);
  await hydrated(page);
  await expect(page.getByRole('note')).toContainText(`managed by configuration (key web-${stamp})`);
  await expect(page.getByRole('note')).toContainText('the next vigie apply of its file undoes changes saved here');

  await page.goto('/console/alerts');
  await hydrated(page);
  const channel = page.locator(`tr[data-channel="Managed hook ${stamp}"]`);
  await expect(channel.locator('.badge.managed')).toHaveText('managed by configuration');
  await expect(page.locator(`tr[data-rule="Managed rule ${stamp}"] .badge.managed`)).toBeVisible();
  await channel.getByRole('button', { name: 'Edit' }).click();
  await expect(page.getByRole('form', { name: 'Edit channel' }).getByRole('note')).toContainText(`key hook-${stamp}`);

  await page.goto('/console/status-pages');
  await hydrated(page);
  await expect(page.locator(`tr[data-page="managed-${stamp}"] .badge.managed`)).toBeVisible();
  // What a file did not make carries no mark.
  const byHand = await request.post('/api/v1/monitors', {
    data: { name: `By hand ${stamp}`, url: 'http://127.0.0.1:9/', interval_seconds: 300 },
    headers: auth,
  });
  expect(byHand.status(), await byHand.text()).toBe(201);
  await page.goto(`/console/monitors/${(await byHand.json()).id}`);
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toContainText(`By hand ${stamp}`);
  await page.goto(`/console/monitors/${monitor.id}/edit`);
  await hydrated(page);
  await expect(page.getByRole('note')).toBeVisible();
  await page.goto(`/console/monitors/${(await byHand.json()).id}/edit`);
  await hydrated(page);
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue(`By hand ${stamp}`);
  await expect(page.locator('.managed-warning')).toHaveCount(0);
  await expect(page.locator('.badge.managed')).toHaveCount(0);
  expect(problems).toEqual([]);
});

import { expect, test } from '@playwright/test';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFastMonitor, hydrated, signIn, startTarget, watchConsole } from './helpers';

type Delivery = { headers: http.IncomingHttpHeaders; body: string };

/** A local webhook receiver that keeps every request. */
async function startReceiver(): Promise<{ url: string; received: Delivery[]; close: () => void }> {
  const received: Delivery[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, received, close: () => server.close() };
}

/** Checks `X-Vigie-Signature` the way a receiver would. */
function signed(delivery: Delivery, secret: string): boolean {
  const header = String(delivery.headers['x-vigie-signature'] ?? '');
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  const expected = crypto.createHmac('sha256', secret).update(`${match[1]}.${delivery.body}`).digest('hex');
  return crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(match[2]));
}

test('a webhook channel and a rule alert on an outage, shown on the incident timeline', async ({ page }, testInfo) => {
  test.setTimeout(90_000);
  const problems = watchConsole(page);
  const target = await startTarget();
  const receiver = await startReceiver();
  const secret = 'e2e-signing-secret-0042';
  const stamp = Date.now();
  const monitor = `Payments ${stamp}`;
  const channel = `Hook ${stamp}`;
  const rule = `Page ${stamp}`;
  try {
    await signIn(page);
    await createFastMonitor(page, monitor, target.url);

    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Alerts' }).click();
    await expect(page).toHaveURL(/\/console\/alerts$/);
    await hydrated(page);

    // A webhook channel: the secret is write-only and shown masked.
    await page.getByRole('button', { name: 'Add channel' }).click();
    const form = page.getByRole('form', { name: 'Add channel' });
    await form.getByLabel('Name').fill(channel);
    await form.getByLabel('URL').fill(receiver.url);
    await form.getByLabel('Signing secret').fill('short');
    await form.getByRole('button', { name: 'Add channel' }).click();
    await expect(form.locator('.field-error')).toHaveText('Use 16 to 256 characters.');
    await form.getByLabel('Signing secret').fill(secret);
    await page.screenshot({ path: `${testInfo.project.outputDir}/screens/alert-channel-form.png`, fullPage: true });
    await form.getByRole('button', { name: 'Add channel' }).click();
    const row = page.locator(`tr[data-channel="${channel}"]`);
    await expect(row).toBeVisible();
    await expect(row).toContainText('••••0042');
    await expect(page.locator('body')).not.toContainText(secret);

    await row.getByRole('button', { name: 'Send test' }).click();
    await expect(page.locator('.test-result')).toHaveText(/^Test delivered in \d+ ms \(HTTP 200\)\.$/);
    expect(receiver.received).toHaveLength(1);
    expect(JSON.parse(receiver.received[0].body).event).toBe('test');
    expect(signed(receiver.received[0], secret)).toBe(true);

    // A rule for this monitor only.
    await page.getByRole('button', { name: 'Add rule' }).click();
    const ruleForm = page.getByRole('form', { name: 'Add rule' });
    await ruleForm.getByLabel('Name').fill(rule);
    await ruleForm.getByLabel('Channel').selectOption({ label: `${channel} (Webhook)` });
    await expect(ruleForm.getByLabel('Incident created')).toBeChecked();
    await ruleForm.getByLabel('Only these:').check();
    await ruleForm.getByLabel('Find monitors').fill(monitor);
    await ruleForm.locator('label.check', { hasText: monitor }).getByRole('checkbox').check();
    await expect(ruleForm.getByRole('list', { name: 'Chosen monitors' })).toContainText(monitor);
    await page.screenshot({ path: `${testInfo.project.outputDir}/screens/alert-rule-form.png`, fullPage: true });
    await ruleForm.getByRole('button', { name: 'Add rule' }).click();
    const ruleRow = page.locator(`tr[data-rule="${rule}"]`);
    await expect(ruleRow).toContainText('Incident created, Incident resolved');
    await expect(ruleRow).toContainText('1 monitor');

    // The outage: the incident's timeline shows the delivery.
    target.failing = true;
    await page.goto('/console/incidents');
    await hydrated(page);
    const incident = page.locator(`tr[data-incident="${monitor} is down"]`);
    await expect(incident).toBeVisible({ timeout: 20_000 });
    await incident.getByRole('link', { name: `${monitor} is down` }).click();
    await hydrated(page);
    await expect(page.locator('li[data-event="alert_delivered"]')).toContainText(
      `${rule} → ${channel}: delivered (HTTP 200)`,
      { timeout: 15_000 },
    );
    const alert = receiver.received.find((d) => JSON.parse(d.body).event === 'incident_created');
    expect(alert).toBeDefined();
    expect(signed(alert!, secret)).toBe(true);
    const body = JSON.parse(alert!.body);
    expect(body.incident.title).toBe(`${monitor} is down`);
    expect(body.monitors[0].name).toBe(monitor);
    expect(alert!.headers['x-vigie-delivery']).toBe(body.delivery_id);

    // The channel's deliveries list both, with their attempts.
    await page.goto('/console/alerts');
    await hydrated(page);
    await page.locator(`tr[data-channel="${channel}"]`).getByRole('link', { name: 'Deliveries' }).click();
    await hydrated(page);
    await expect(page.getByRole('heading', { name: `Deliveries to ${channel}` })).toBeVisible();
    await expect(page.locator('li.delivery')).toHaveCount(2);
    const created = page.locator('li.delivery', { hasText: 'Incident created' });
    await expect(created.locator('.badge')).toHaveText('delivered');
    await created.locator('summary').click();
    await expect(created.locator('.attempts li')).toContainText('delivered, HTTP 200');
  } finally {
    target.close();
    receiver.close();
  }
  expect(problems).toEqual([]);
});

// The browser side of `make bench-console` (server/benches/console.sh):
// page loads, one refresh's bytes and the CPU of a minute with the console
// open. Arguments: base URL, email, password, size, the server's pid, the
// postmaster's pid (or ""), runs, seconds.
import { createRequire } from 'node:module';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const require = createRequire(path.resolve('end2end/package.json'));
const { chromium } = require('@playwright/test');
const [base, email, password, size, serverPid, postmasterPid, runsText, secondsText] = process.argv.slice(2);
const runs = Number(runsText);
const seconds = Number(secondsText);
const ticks = 100; // USER_HZ: /proc's unit of CPU time

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** CPU seconds used so far by a process (user + system). */
function cpuOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticks;
  } catch {
    return 0; // gone meanwhile
  }
}

/** CPU seconds of the postmaster and its children (PostgreSQL's backends). */
function postgresCpu() {
  if (!postmasterPid) return NaN;
  let total = cpuOf(postmasterPid);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ');
      if (fields[1] === postmasterPid) total += (Number(fields[11]) + Number(fields[12])) / ticks;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

async function cpuOver(work) {
  const [server0, pg0] = [cpuOf(serverPid), postgresCpu()];
  await work();
  const [server1, pg1] = [cpuOf(serverPid), postgresCpu()];
  return { server: server1 - server0, postgres: pg1 - pg0 };
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 } });
const signIn = await context.newPage();
await signIn.goto('/login');
await signIn.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
await signIn.getByLabel('Email').fill(email);
await signIn.getByLabel('Password').fill(password);
await signIn.getByRole('button', { name: 'Sign in' }).click();
await signIn.getByRole('button', { name: 'Sign out' }).waitFor();
await signIn.close();

/**
 * Loads a page afresh. In ms from the start of the navigation: the first
 * contentful paint, when its data is on the page (`ready`: the page streams
 * its shell first) and when it is hydrated.
 */
async function load(url, ready, from = context) {
  const page = await from.newPage();
  await page.goto(url, { waitUntil: 'commit' });
  await page.locator(ready).first().waitFor({ state: 'attached' });
  const shown = await page.evaluate(() => performance.now());
  await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached', timeout: 60_000 });
  const timing = await page.evaluate(() => ({
    paint: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
    hydrated: performance.now(),
  }));
  await page.close();
  return { ...timing, shown };
}

// The baseline: the sign-in page as a stranger gets it (a signed-in
// person is sent on to the console).
const stranger = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 } });
const pages = [
  ['/login (baseline)', '/login', 'form input[type="password"]', stranger],
  ['/console/monitors', '/console/monitors', 'main tbody tr', context],
  ['/console (overview)', '/console', 'nav.count-chips', context],
];
const lines = [];
let baseline = NaN;
for (const [label, url, ready, from] of pages) {
  await load(url, ready, from); // warms the server's and the browser's caches
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await load(url, ready, from));
  const [paint, shown, hydrated] = ['paint', 'shown', 'hydrated'].map((key) => median(results.map((r) => r[key])));
  if (Number.isNaN(baseline)) baseline = shown;
  const ms = (value) => `${value.toFixed(0).padStart(5)} ms`;
  lines.push(`  ${label.padEnd(22)} first paint ${ms(paint)}   data shown ${ms(shown)} (${(shown / baseline).toFixed(2)}× /login)`
    + `   interactive ${ms(hydrated)}`);
}

// One refresh of the list (every 5 s): its bytes, on the wire and decoded.
const page = await context.newPage();
await page.goto('/console/monitors');
await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached', timeout: 60_000 });
const refresh = await page.waitForResponse((r) => r.url().includes('/rpc/list_monitor_page'), { timeout: 20_000 });
const sizes = await refresh.request().sizes();
const decoded = (await refresh.body()).length;
const rows = await page.locator('main tbody tr').count();

// CPU over `seconds` with the list open, beside as long with no page open.
let refreshes = 0;
page.on('response', (r) => { if (r.url().includes('/rpc/list_monitor_page')) refreshes += 1; });
const open = await cpuOver(() => page.waitForTimeout(seconds * 1000));
await page.close();
const idle = await cpuOver(() => new Promise((resolve) => setTimeout(resolve, seconds * 1000)));
await browser.close();

const share = (cpu) => `${cpu.toFixed(2)} s (${((100 * cpu) / seconds).toFixed(1)} % of a core)`;
console.log(`${Number(size).toLocaleString('en')} monitors (medians of ${runs} loads):`);
for (const line of lines) console.log(line);
console.log(`  one refresh of the list (${rows} rows): ${sizes.responseBodySize + sizes.responseHeadersSize} bytes on the wire`
  + ` (body ${sizes.responseBodySize}, ${decoded} decoded)`);
console.log(`  ${seconds} s with the list open (${refreshes} refreshes): server ${share(open.server)}, postgres ${Number.isNaN(open.postgres) ? 'n/a' : share(open.postgres)}`);
console.log(`  ${seconds} s with nothing open:  server ${share(idle.server)}, postgres ${Number.isNaN(idle.postgres) ? 'n/a' : share(idle.postgres)}`);

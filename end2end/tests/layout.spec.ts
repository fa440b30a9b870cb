import { expect, test } from '@playwright/test';
import { hydrated, signIn } from './helpers';

// Every page, light and dark, narrow and wide: nothing overflows sideways,
// and a screenshot of each is kept in test-results/screens for review.
const pages = ['/', '/login', '/console', '/console/monitors', '/console/monitors/new', '/console/incidents', '/console/incidents/new', '/console/incidents/new?kind=maintenance', '/console/alerts', '/console/status-pages', '/console/team', '/console/regions', '/console/tokens', '/console/audit'];
const sizes = [
  { name: 'narrow', width: 390, height: 844 },
  { name: 'wide', width: 1280, height: 800 },
];

for (const colorScheme of ['light', 'dark'] as const) {
  for (const size of sizes) {
    test(`pages fit a ${size.name} screen in ${colorScheme} mode`, async ({ page }, testInfo) => {
      await page.setViewportSize({ width: size.width, height: size.height });
      await page.emulateMedia({ colorScheme });
      for (const path of pages) {
        if (path === '/console') await signIn(page);
        await page.goto(path);
        await hydrated(page);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `${path} overflows by ${overflow}px`).toBeLessThanOrEqual(0);
        const slug = path === '/' ? 'home' : path.slice(1).replaceAll('/', '-').replace('?kind=', '-');
        const name = `${slug}-${size.name}-${colorScheme}.png`;
        await page.screenshot({ path: `${testInfo.project.outputDir}/screens/${name}`, fullPage: true });
      }
      // A channel's deliveries (the alert tests, run before these, leave one).
      await page.goto('/console/alerts');
      await hydrated(page);
      await page.locator('tr[data-channel]').first().getByRole('link', { name: 'Deliveries' }).click();
      await hydrated(page);
      await expect(page.getByRole('heading', { name: /^Deliveries to / })).toBeVisible();
      const deliveriesOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(deliveriesOverflow, `the deliveries page overflows by ${deliveriesOverflow}px`).toBeLessThanOrEqual(0);
      await page.screenshot({
        path: `${testInfo.project.outputDir}/screens/deliveries-${size.name}-${colorScheme}.png`,
        fullPage: true,
      });
      // An incident's page (the incident tests, run before these, leave some).
      await page.goto('/console/incidents');
      await hydrated(page);
      await page.locator('.incidents-table tbody a').first().click();
      await expect(page).toHaveURL(/\/console\/incidents\/\d+$/);
      await hydrated(page);
      await expect(page.getByRole('heading', { name: 'Timeline' })).toBeVisible();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `the incident page overflows by ${overflow}px`).toBeLessThanOrEqual(0);
      await page.screenshot({
        path: `${testInfo.project.outputDir}/screens/incident-${size.name}-${colorScheme}.png`,
        fullPage: true,
      });
    });
  }
}

/**
 * Browser side of the end-to-end tests: Debian's Chromium driven by playwright-core (no browser download).
 */
import fs from 'fs';
import { chromium, Browser, Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export function haveChromium(): boolean {
    return fs.existsSync(CHROMIUM);
}

export function launchChromium(): Promise<Browser> {
    return chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
    });
}

/** Opens the editor in a fresh context and collects console errors and page errors. */
export async function openEditor(browser: Browser, url: string, locale = 'en-US'): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ locale, viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    // Requests to other hosts fail here (no internet); they are not the palette's errors, but they are named.
    const external = new Set<string>();
    page.on('requestfailed', (r) => {
        if (!/^https?:\/\/127\.0\.0\.1[:/]/.test(r.url())) external.add(r.url());
    });
    page.on('console', (m) => {
        if (m.type() !== 'error') return;
        if (/Failed to load resource: net::ERR_(NAME_NOT_RESOLVED|INTERNET_DISCONNECTED|CONNECTION_REFUSED)/.test(m.text()) && !/127\.0\.0\.1/.test(m.location().url ?? '')) return;
        errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('.red-ui-palette-node', { timeout: 60000 });
    // The editor finishes loading node definitions and flows before it hides the loader.
    await page.waitForFunction(() => (window as any).RED && (window as any).RED.nodes && (window as any).RED.nodes.version && (window as any).RED.nodes.version(), undefined, { timeout: 60000 });
    return { page, errors };
}

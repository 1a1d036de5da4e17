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
    page.on('pageerror', (e) => errors.push(`${String(e)}${e.stack ? `\n${e.stack.split('\n').slice(1, 4).join('\n')}` : ''}`));
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('.red-ui-palette-node', { timeout: 60000 });
    // The editor finishes loading node definitions and flows before it hides the loader.
    await page.waitForFunction(() => (window as any).RED && (window as any).RED.nodes && (window as any).RED.nodes.version && (window as any).RED.nodes.version(), undefined, { timeout: 60000 });
    return { page, errors };
}

/**
 * Waits until an edit tray has finished opening. The editor resizes the tray's contents on timers after it opens;
 * closing it before then makes Node-RED itself throw (resize of a destroyed description editor), which a user, who
 * cannot click that fast, never sees. The editor raises the tray stack's z-index once it has opened.
 */
export async function waitTrayOpen(page: Page): Promise<void> {
    await page.waitForSelector('.red-ui-tray .red-ui-tray-body', { timeout: 15000 });
    await page.waitForFunction(() => getComputedStyle(document.querySelector('#red-ui-editor-stack')!).zIndex === '13', undefined, { timeout: 15000 });
}

/** Menu ▸ Import ▸ Examples: opens the import dialog on its Examples tab. */
export async function openImportExamples(page: Page): Promise<void> {
    await page.click('#red-ui-header-button-sidemenu');
    await page.click('#menu-item-import');
    await page.click('#red-ui-tab-red-ui-clipboard-dialog-import-tab-examples a');
    await page.waitForSelector('#red-ui-clipboard-dialog-import-tab-examples .red-ui-treeList-label-text');
}

/** In the open Examples tab: expands a module's folder and returns the labels of the flows listed under it. */
export async function listExamples(page: Page, moduleName: string): Promise<string[]> {
    const tab = page.locator('#red-ui-clipboard-dialog-import-tab-examples');
    const folder = tab.locator('.red-ui-treeList-label', { has: page.locator('.red-ui-treeList-label-text', { hasText: moduleName }) }).first();
    await folder.waitFor({ timeout: 30000 });
    const item = folder.locator('xpath=..');
    if (!(await item.evaluate((e) => e.classList.contains('expanded')))) await folder.click();
    // The folder's children load from library/examples/flows/<module>/ and render as file items under it.
    const files = item.locator('.red-ui-treeList-label:has(.fa-file-o) .red-ui-treeList-label-text');
    await files.first().waitFor({ timeout: 30000 });
    return files.allInnerTexts();
}

/** In the open Examples tab: selects one flow of a module and presses Import. */
export async function importExample(page: Page, moduleName: string, name: string): Promise<void> {
    await listExamples(page, moduleName);
    const tab = page.locator('#red-ui-clipboard-dialog-import-tab-examples');
    const file = tab.locator('.red-ui-treeList-label:has(.fa-file-o)', { has: page.locator('.red-ui-treeList-label-text', { hasText: name }) }).first();
    await file.click();
    await page.waitForSelector('#red-ui-clipboard-dialog-ok:not(.ui-state-disabled):not([disabled])');
    const before = await page.evaluate(() => (window as any).RED.nodes.workspaces?.length ?? 0);
    await page.click('#red-ui-clipboard-dialog-ok');
    // The flow arrives with its own tab; nodes imported into the open tab would hang on the mouse until a click.
    await page.waitForFunction(
        (before) => {
            const RED = (window as any).RED;
            return $('#red-ui-clipboard-dialog').is(':hidden') && (RED.view.state() === RED.state.IMPORT_DRAGGING || document.querySelectorAll('#red-ui-workspace-tabs > li').length > before);
        },
        before,
        { timeout: 30000 },
    );
    if (await page.evaluate(() => (window as any).RED.view.state() === (window as any).RED.state.IMPORT_DRAGGING)) {
        const box = (await page.locator('#red-ui-workspace-chart').boundingBox())!;
        await page.mouse.move(box.x + 200, box.y + 200);
        await page.mouse.click(box.x + 200, box.y + 200);
    }
}

/** Node types the editor does not know (shown as "unknown") in the current flows. */
export function unknownNodes(page: Page): Promise<string[]> {
    return page.evaluate(() => {
        const RED = (window as any).RED;
        const out: string[] = [];
        const check = (n: any) => {
            if (n.type === 'unknown') out.push(n.name || n._orig?.type || n.id);
        };
        RED.nodes.eachNode(check);
        RED.nodes.eachConfig(check);
        return out;
    });
}

/**
 * Presses Deploy. A confirmation about nodes not configured yet (an imported example has no credentials) is accepted
 * and its list returned; the deploy must then finish without a "Deploy failed" notification.
 */
export async function deploy(page: Page): Promise<{ invalid: string[] }> {
    await page.click('#red-ui-header-button-deploy');
    let invalid: string[] = [];
    const outcome = await page
        .waitForFunction(
            () => {
                const confirm = document.querySelector('#red-ui-deploy-dialog-confirm-deploy-deploy');
                if (confirm) return 'confirm';
                const texts = Array.from(document.querySelectorAll('.red-ui-notification')).map((n) => n.textContent || '');
                if (texts.some((t) => /Deploy failed|部署失败/.test(t))) return 'failed';
                return !(window as any).RED.nodes.dirty() ? 'done' : false;
            },
            undefined,
            { timeout: 60000 },
        )
        .then((h) => h.jsonValue());
    if (outcome === 'confirm') {
        invalid = await page.$$eval('.red-ui-deploy-dialog-confirm-list li', (els) => els.map((e) => e.textContent || ''));
        await page.click('#red-ui-deploy-dialog-confirm-deploy-deploy');
    }
    const final = await page
        .waitForFunction(
            () => {
                const texts = Array.from(document.querySelectorAll('.red-ui-notification')).map((n) => n.textContent || '');
                if (texts.some((t) => /Deploy failed|部署失败/.test(t))) return texts.join(' | ');
                return !(window as any).RED.nodes.dirty() ? 'ok' : false;
            },
            undefined,
            { timeout: 60000 },
        )
        .then((h) => h.jsonValue());
    if (final !== 'ok') throw new Error(`deploy: ${final}`);
    return { invalid };
}

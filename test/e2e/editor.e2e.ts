/**
 * The editor as a user sees it: a real Node-RED (the demo launcher: simulators + palette + example flows) and a real
 * Chromium. Screenshots land in docs/images/ for the README.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import should from 'should';
import type { Browser, Page } from 'playwright-core';
import { startDemo, RunningDemo } from '../../scripts/demo';
import { launchChromium, openEditor } from './browser';

const root = path.resolve(__dirname, '..', '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
// Every declared node type (the package load test fails if one is missing from dist/).
const allTypes = (Object.keys(pkg['node-red'].nodes) as string[]).filter((t) => fs.existsSync(path.join(root, pkg['node-red'].nodes[t])));
const configTypes = allTypes.filter((t) => t.endsWith('-config'));
const nodeTypes = allTypes.filter((t) => !t.endsWith('-config'));
const images = path.join(root, 'docs', 'images');

describe('editor: palette, dialogs, help and languages in Chromium', function () {
    this.timeout(180000);
    let demo: RunningDemo;
    let browser: Browser;
    let page: Page;
    let errors: string[];

    before(async () => {
        fs.mkdirSync(images, { recursive: true });
        demo = await startDemo({ port: 18870, quiet: true, userDir: fs.mkdtempSync(path.join(os.tmpdir(), 'cn-erp-e2e-')) });
        browser = await launchChromium();
        ({ page, errors } = await openEditor(browser, demo.url));
    });
    after(async () => {
        await browser?.close();
        await demo?.stop();
    });

    it('shows every node type of the palette in its category, with no console error', async () => {
        for (const type of nodeTypes) {
            should(await page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`).count()).equal(1, `palette entry for ${type}`);
        }
        await page.locator('.red-ui-palette-node[data-palette-type="jackyun-trade-query"]').scrollIntoViewIfNeeded();
        await page.screenshot({ path: path.join(images, 'palette.png') });
        should(errors).eql([]);
    });

    it('opens every node and config node edit dialog without console errors, with its parameters', async () => {
        for (const type of [...nodeTypes, ...configTypes]) {
            const id = `e2e-${type}`;
            await page.evaluate(
                ({ type, id }) => {
                    const RED = (window as any).RED;
                    const def = RED.nodes.getType(type);
                    if (def.category === 'config') {
                        RED.nodes.import([{ id, type }]);
                    } else {
                        RED.nodes.import([{ id, type, x: 200, y: 200, z: RED.workspaces.active(), wires: [] }]);
                    }
                    const node = RED.nodes.node(id);
                    if (def.category === 'config') RED.editor.editConfig('', type, id);
                    else RED.editor.edit(node);
                },
                { type, id },
            );
            await page.waitForSelector('.red-ui-tray .red-ui-tray-body', { timeout: 15000 });
            const spec = type.endsWith('-config') ? null : await fetch(`${demo.url}/cn-erp/specs/${type}`).then((r) => (r.ok ? r.json() : null));
            if (spec && Object.keys(spec.requestSchema?.properties ?? {}).length > 0) {
                // The kit renders one row per request-schema parameter.
                await page.waitForFunction(() => document.querySelectorAll('.red-ui-tray .cn-erp-params .form-row').length > 0, undefined, { timeout: 15000 }).catch(() => {
                    throw new Error(`no parameter rows in the dialog of ${type}`);
                });
            }
            if (type === 'jackyun-config') await page.screenshot({ path: path.join(images, 'config-dialog.png') });
            await page.evaluate(() => (window as any).RED.tray.close());
            await page.waitForFunction(() => document.querySelectorAll('.red-ui-tray').length === 0, undefined, { timeout: 15000 });
            should(errors).eql([], `console errors after opening ${type}`);
        }
    });

    it('renders help for every node in the Inputs/Outputs/Details format', async () => {
        for (const type of nodeTypes) {
            const text: string = await page.evaluate((type) => {
                const RED = (window as any).RED;
                return $('<div>').html(RED.nodes.getNodeHelp(type) || '').text();
            }, type);
            should(text.length).be.above(80, `help of ${type}`);
        }
    });

    it('shows Chinese labels and help when the browser language is zh-CN', async () => {
        const zh = await openEditor(browser, demo.url, 'zh-CN');
        const help: string = await zh.page.evaluate(() => (window as any).RED.nodes.getNodeHelp('jackyun-trade-query') || '');
        should(help).match(/[\u4e00-\u9fff]/);
        const label: string = await zh.page.locator('.red-ui-palette-node[data-palette-type="jackyun-trade-query"] .red-ui-palette-label').innerText();
        should(label).match(/[\u4e00-\u9fff]/);
        should(zh.errors).eql([]);
        await zh.page.context().close();
    });
});

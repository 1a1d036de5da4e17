/**
 * Installing as a user does: `npm pack`, then a fresh Node-RED, then Manage palette ▸ Install ▸ upload of the
 * tarball in Chromium. Checks the palette shows every node, Menu ▸ Import ▸ Examples lists the package's five
 * scenarios, each imports through that dialog and deploys with no unknown node, and the tarball holds what runs and
 * none of the tests or TypeScript sources. Run on Node-RED 4.1 (this Node) and, when `npm run test:nr5` and
 * `npm run test:nr3` have installed them, on Node-RED 5 under Node 22 and Node-RED 3.1.
 */
import { execFileSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import should from 'should';
import type { Browser } from 'playwright-core';
import { deploy, importExample, launchChromium, listExamples, openEditor, openImportExamples, unknownNodes } from './browser';
import { exampleNames, freePort, packTarball, pkg, root, runtimes, startNodeRed } from './nodered';

const nodeTypes = Object.keys(pkg['node-red'].nodes).filter((t) => !t.endsWith('-config'));
const examples = exampleNames();

describe('install: the packed package through the palette manager', function () {
    this.timeout(600000);
    let tarball = '';
    let browser: Browser;

    before(async () => {
        tarball = packTarball();
        browser = await launchChromium();
    });
    after(async () => {
        await browser?.close();
    });

    it('packs what runs and the five example flows, and none of the tests, sources, benchmarks or scripts', () => {
        const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
        for (const file of Object.values(pkg['node-red'].nodes) as string[]) should(files).containEql(`package/${file}`);
        should(files).containEql('package/resources/cn-erp-editor.js');
        should(files).containEql('package/resources/erp-mapper-editor.js');
        should(files).containEql('package/LICENSE');
        should(files.some((f) => /^package\/dist\/nodes\/[^/]+\/locales\/zh-CN\//.test(f))).be.true();
        should(files.some((f) => /^package\/dist\/nodes\/[^/]+\/icons\/.+\.svg$/.test(f))).be.true();
        should(examples).have.length(5);
        for (const ex of examples) should(files).containEql(`package/examples/${ex}.json`);
        const forbidden = files.filter((f) => /^package\/(test|bench|scripts|dist\/test|dist\/bench|dist\/scripts)\//.test(f) || (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)));
        should(forbidden).eql([]);
    });

    runtimes().forEach((rt) => {
        it(`${rt.label}: upload installs it, every node shows in the palette, Import ▸ Examples lists the five scenarios and each imports and deploys`, async () => {
            const nr = await startNodeRed({ port: await freePort(), runtime: rt });
            const withLog = (err: Error) => new Error(`${err.message}\n--- Node-RED log ---\n${nr.log().slice(-4000)}`);
            try {
                const { page, errors } = await openEditor(browser, nr.url);
                await page.evaluate(() => (window as any).RED.actions.invoke('core:manage-palette'));
                // The palette manager's tray slides in (Node-RED 5 first asks its catalogues, unreachable here): its tabs
                // take a moment to be shown, and a click before that finds nothing to click.
                await page.waitForSelector('#red-ui-tab-install a', { state: 'visible', timeout: 30000 });
                await page.click('#red-ui-tab-install a', { force: true });
                await page.setInputFiles('.red-ui-palette-editor-upload-button input[type="file"]', tarball);
                // The file input sits inside a styled label; jQuery's handlers are the editor's own upload path.
                await page.evaluate(() => {
                    const $ = (window as any).$;
                    $('.red-ui-palette-editor-upload-button input[type="file"]').trigger('change');
                    $('.red-ui-palette-editor-upload-buttons .primary').trigger('click');
                });
                await page.waitForSelector(`.red-ui-palette-node[data-palette-type="${nodeTypes[0]}"]`, { timeout: 480000 }).catch((e) => {
                    throw withLog(e);
                });
                for (const type of nodeTypes) {
                    should(await page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`).count()).equal(1, `palette entry for ${type}`);
                }
                await page.evaluate(() => (window as any).RED.tray.close());
                await page.waitForFunction(() => document.querySelectorAll('.red-ui-tray').length === 0);

                // Menu ▸ Import ▸ Examples ▸ <package>: the five scenario flows, in seed order.
                await openImportExamples(page);
                const listed = await listExamples(page, pkg.name);
                should(listed).eql(examples);
                await page.click('#red-ui-clipboard-dialog-cancel');

                for (const ex of examples) {
                    await openImportExamples(page);
                    await importExample(page, pkg.name, ex);
                    should(await unknownNodes(page)).eql([], `unknown nodes after importing ${ex}`);
                }
                // The examples come without credentials: the only nodes the deploy may call unconfigured are config nodes.
                const { invalid } = await deploy(page).catch((e) => {
                    throw withLog(e);
                });
                should(invalid.filter((s) => !/-config\)$/.test(s))).eql([], 'nodes other than config nodes reported as not configured');
                // The runtime got every example as its own tab with the same nodes, and waits for no missing type.
                const deployed: any[] = (await fetch(`${nr.url}/flows`, { headers: { 'Node-RED-API-Version': 'v2' } }).then((r) => r.json()) as any).flows;
                for (const ex of examples) {
                    const file: any[] = JSON.parse(fs.readFileSync(path.join(root, 'examples', `${ex}.json`), 'utf8'));
                    const tab = file.find((n) => n.type === 'tab');
                    const live = deployed.find((n) => n.type === 'tab' && n.label === tab.label);
                    should.exist(live, `a deployed tab "${tab.label}"`);
                    const typesOf = (nodes: any[], z: string) => nodes.filter((n) => n.z === z).map((n) => n.type).sort();
                    should(typesOf(deployed, live.id)).eql(typesOf(file, tab.id), `nodes of ${ex}`);
                }
                should(nr.log()).not.match(/Waiting for missing types/);
                should(errors).eql([]);
                await page.context().close();
            } finally {
                await nr.stop();
            }
        });
    });
});

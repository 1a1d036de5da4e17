/**
 * Installing as a user does: `npm pack`, then a fresh Node-RED, then Manage palette ▸ Install ▸ upload of the
 * tarball in Chromium. Checks the palette shows every node, Import ▸ Examples lists the package's scenarios, and the
 * tarball holds what runs and none of the tests or TypeScript sources. Run on Node-RED 4.1 (this Node) and, when
 * `npm run test:nr5` has installed it, on Node-RED 5 under Node 22.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import should from 'should';
import type { Browser } from 'playwright-core';
import { launchChromium, openEditor } from './browser';

const root = path.resolve(__dirname, '..', '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const nodeTypes = Object.keys(pkg['node-red'].nodes).filter((t) => !t.endsWith('-config'));
const exampleNames = fs.existsSync(path.join(root, 'examples')) ? fs.readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')) : [];

interface Runtime {
    label: string;
    node: string;
    red: string;
}

const runtimes: Runtime[] = [{ label: 'Node-RED 4.1 on this Node', node: process.execPath, red: require.resolve('node-red/red.js') }];
const nr5 = path.join(root, '.nr5', 'node_modules');
if (fs.existsSync(path.join(nr5, 'node-red', 'red.js')) && fs.existsSync(path.join(nr5, '.bin', 'node'))) {
    runtimes.push({ label: 'Node-RED 5 on Node 22', node: path.join(nr5, '.bin', 'node'), red: path.join(nr5, 'node-red', 'red.js') });
}

async function startNodeRed(rt: Runtime, port: number): Promise<{ url: string; child: ChildProcess; userDir: string; log: () => string }> {
    const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-erp-install-'));
    fs.writeFileSync(
        path.join(userDir, 'settings.js'),
        `module.exports = { uiPort: ${port}, uiHost: '127.0.0.1', flowFile: 'flows.json', credentialSecret: false,
  editorTheme: { tours: false, projects: { enabled: false } },
  externalModules: { palette: { allowInstall: true, allowUpload: true } },
  logging: { console: { level: 'info' } } };\n`,
    );
    let log = '';
    const child = spawn(rt.node, [rt.red, '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')], { cwd: userDir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: `${path.dirname(rt.node)}:${process.env.PATH}` } });
    child.stdout!.on('data', (d) => (log += d));
    child.stderr!.on('data', (d) => (log += d));
    const url = `http://127.0.0.1:${port}`;
    const started = Date.now();
    for (;;) {
        if (child.exitCode !== null) throw new Error(`Node-RED exited: ${log}`);
        const ok = await fetch(`${url}/settings`).then((r) => r.ok).catch(() => false);
        if (ok) break;
        if (Date.now() - started > 60000) throw new Error(`Node-RED did not start: ${log}`);
        await new Promise((r) => setTimeout(r, 250));
    }
    return { url, child, userDir, log: () => log };
}

describe('install: the packed package through the palette manager', function () {
    this.timeout(600000);
    let tarball = '';
    let browser: Browser;

    before(async () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-erp-pack-'));
        const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', out], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop()!;
        tarball = path.join(out, name);
        browser = await launchChromium();
    });
    after(async () => {
        await browser?.close();
    });

    it('packs what runs and none of the tests, sources, benchmarks or scripts', () => {
        const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
        for (const file of Object.values(pkg['node-red'].nodes) as string[]) should(files).containEql(`package/${file}`);
        should(files).containEql('package/resources/cn-erp-editor.js');
        should(files).containEql('package/LICENSE');
        should(files.some((f) => /^package\/dist\/nodes\/[^/]+\/locales\/zh-CN\//.test(f))).be.true();
        should(files.some((f) => /^package\/dist\/nodes\/[^/]+\/icons\/.+\.svg$/.test(f))).be.true();
        for (const ex of exampleNames) should(files).containEql(`package/examples/${ex}.json`);
        const forbidden = files.filter((f) => /^package\/(test|bench|scripts|dist\/test|dist\/bench|dist\/scripts)\//.test(f) || (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)));
        should(forbidden).eql([]);
    });

    runtimes.forEach((rt, i) => {
        it(`${rt.label}: upload installs it, every node shows in the palette, the examples are listed`, async () => {
            const nr = await startNodeRed(rt, 18890 + i);
            try {
                const { page, errors } = await openEditor(browser, nr.url);
                await page.evaluate(() => (window as any).RED.actions.invoke('core:manage-palette'));
                await page.click('#red-ui-tab-install a', { force: true });
                await page.setInputFiles('.red-ui-palette-editor-upload-button input[type="file"]', tarball);
                // The file input sits inside a styled label; jQuery's handlers are the editor's own upload path.
                await page.evaluate(() => {
                    const $ = (window as any).$;
                    $('.red-ui-palette-editor-upload-button input[type="file"]').trigger('change');
                    $('.red-ui-palette-editor-upload-buttons .primary').trigger('click');
                });
                await page.waitForSelector(`.red-ui-palette-node[data-palette-type="${nodeTypes[0]}"]`, { timeout: 480000 }).catch((e) => {
                    throw new Error(`${e.message}\n${nr.log().slice(-3000)}`);
                });
                for (const type of nodeTypes) {
                    should(await page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`).count()).equal(1, `palette entry for ${type}`);
                }
                const listed: string[] = await page.evaluate(async (name) => {
                    const res = await fetch(`library/_examples_/flows/${name}`);
                    const entries = await res.json();
                    return entries.map((e: any) => (typeof e === 'string' ? e : e.fn || e.name || e.dir)).map((s: string) => s.replace(/\.json$/, ''));
                }, pkg.name);
                for (const ex of exampleNames) should(listed).containEql(ex);
                should(errors).eql([]);
                await page.context().close();
            } finally {
                nr.child.kill('SIGINT');
                await new Promise((r) => nr.child.once('exit', r));
                fs.rmSync(nr.userDir, { recursive: true, force: true });
            }
        });
    });
});

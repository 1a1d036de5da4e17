/**
 * Node-RED side of the end-to-end tests: a fresh Node-RED process on 127.0.0.1 with its own user directory, and the
 * package packed from the build these tests were compiled with (`compiledRoot`: dist/ under `npm run test:e2e`,
 * dist-<name>/ for a BUILD_OUT build), so a parallel build of dist/ cannot change what is tested.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

/** The build folder this file was compiled into (dist or dist-<name>). */
export const compiledRoot = path.resolve(__dirname, '..', '..');
/** The package root (package.json, examples/, resources/). */
export const root = path.resolve(compiledRoot, '..');
export const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

export interface Runtime {
    /** The major version E2E_NODERED selects it by. */
    major: string;
    label: string;
    node: string;
    red: string;
}

/**
 * The Node-RED versions the browser tests run on: 4.1 (this package's own), then 5 and 3.1 when `npm run test:nr5` /
 * `test:nr3` have installed them. E2E_NODERED picks some by major version (`E2E_NODERED=5`, `E2E_NODERED=4,3`); a
 * version asked for and not installed is an error rather than a run that tests nothing.
 */
export function runtimes(): Runtime[] {
    const all = installedRuntimes();
    const wanted = (process.env.E2E_NODERED || '').split(',').map((v) => v.trim()).filter(Boolean);
    if (wanted.length === 0) return all;
    return wanted.map((major) => {
        const rt = all.find((r) => r.major === major);
        if (!rt) throw new Error(`E2E_NODERED: no Node-RED ${major} here (there are ${all.map((r) => r.major).join(', ')}; npm run test:nr5 and test:nr3 install 5 and 3)`);
        return rt;
    });
}

function installedRuntimes(): Runtime[] {
    const list: Runtime[] = [{ major: '4', label: 'Node-RED 4.1 on this Node', node: process.execPath, red: require.resolve('node-red/red.js') }];
    const nr5 = path.join(root, '.nr5', 'node_modules');
    if (fs.existsSync(path.join(nr5, 'node-red', 'red.js')) && fs.existsSync(path.join(nr5, '.bin', 'node'))) {
        list.push({ major: '5', label: 'Node-RED 5 on Node 22', node: path.join(nr5, '.bin', 'node'), red: path.join(nr5, 'node-red', 'red.js') });
    }
    // The oldest Node-RED the package declares, once `npm run test:nr3` has installed it.
    const nr3 = path.join(root, '.nr3', 'node_modules');
    if (fs.existsSync(path.join(nr3, 'node-red', 'red.js'))) {
        list.push({ major: '3', label: 'Node-RED 3.1 on this Node', node: process.execPath, red: path.join(nr3, 'node-red', 'red.js') });
    }
    return list;
}

/** The example flow files, sorted, without `.json`. */
export function exampleNames(): string[] {
    const dir = path.join(root, 'examples');
    return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => f.replace(/\.json$/, '')) : [];
}

/**
 * `npm pack` of this build. When the build is not dist/, the package tree (without node_modules, git and builds) is
 * copied with this build as its dist/, so the `files` list of package.json still decides what goes in.
 */
export function packTarball(): string {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-erp-pack-'));
    let from = root;
    if (compiledRoot !== path.join(root, 'dist')) {
        from = path.join(out, 'tree');
        fs.cpSync(root, from, {
            recursive: true,
            filter: (src) => !/^(node_modules|\.git|\.nr5|\.nr3|\.demo|dist|dist-.*)$/.test(path.relative(root, src).split(path.sep)[0]),
        });
        fs.cpSync(compiledRoot, path.join(from, 'dist'), { recursive: true });
    }
    const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', out], { cwd: from, encoding: 'utf8' }).trim().split('\n').pop()!;
    return path.join(out, name);
}

/** A TCP port free on 127.0.0.1 right now (so a run does not clash with another Node-RED on this machine). */
export { freePort } from '../../scripts/demo';

/** A plain Node-RED (no flows, no palette) that lets the palette manager install uploaded tarballs. */
export interface StartOptions {
    port: number;
    runtime?: Runtime;
}

export interface RunningNodeRed {
    url: string;
    child: ChildProcess;
    userDir: string;
    log(): string;
    stop(): Promise<void>;
}

export async function startNodeRed(options: StartOptions): Promise<RunningNodeRed> {
    const rt = options.runtime ?? runtimes()[0];
    const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-erp-e2e-'));
    fs.writeFileSync(path.join(userDir, 'flows.json'), '[]');
    // Editor setting "show tips" off: Node-RED 5.0's tip rotator throws on its own (tipBox undefined) now and then,
    // which would read as a console error of the palette.
    fs.writeFileSync(path.join(userDir, '.config.users.json'), JSON.stringify({ _: { editor: { view: { 'view-show-tips': false } } } }));
    fs.writeFileSync(
        path.join(userDir, 'settings.js'),
        `module.exports = { uiPort: ${options.port}, uiHost: '127.0.0.1', flowFile: 'flows.json', credentialSecret: false,
  // No "Enable Update Notifications" prompt over the editor (Node-RED 4.1+), no calls home.
  telemetry: { enabled: false, updateNotification: false },
  editorTheme: { tours: false, projects: { enabled: false } },
  externalModules: { palette: { allowInstall: true, allowUpload: true } },
  logging: { console: { level: 'info', metrics: false, audit: false } } };\n`,
    );
    let log = '';
    const child = spawn(rt.node, [rt.red, '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')], {
        cwd: userDir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NODE_RED_ENABLE_PROJECTS: 'false', PATH: `${path.dirname(rt.node)}:${process.env.PATH}` },
    });
    child.stdout!.on('data', (d) => (log = (log + d).slice(-100000)));
    child.stderr!.on('data', (d) => (log = (log + d).slice(-100000)));
    const url = `http://127.0.0.1:${options.port}`;
    const stop = async () => {
        if (child.exitCode === null && child.signalCode === null) {
            const exited = new Promise((r) => child.once('exit', r));
            child.kill('SIGINT');
            await exited;
        }
        fs.rmSync(userDir, { recursive: true, force: true });
    };
    const started = Date.now();
    for (;;) {
        if (child.exitCode !== null) throw new Error(`Node-RED exited: ${log}`);
        // The flows endpoint answers with a revision once the runtime has started the flows.
        const rev = await fetch(`${url}/flows`, { headers: { 'Node-RED-API-Version': 'v2' } })
            .then((r) => (r.ok ? r.json() : null))
            .then((b: any) => b?.rev)
            .catch(() => undefined);
        if (rev) break;
        if (Date.now() - started > 90000) {
            await stop();
            throw new Error(`Node-RED did not start within 90 s: ${log}`);
        }
        await new Promise((r) => setTimeout(r, 250));
    }
    return { url, child, userDir, log: () => log, stop };
}

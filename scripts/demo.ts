/**
 * `npm start`: every simulator on its fixed loopback port, then Node-RED (the dev dependency) with this palette and
 * every example flow deployed against the simulators, credentials filled in; each scenario is run once so the node
 * statuses show what happened, and the console says how to run each one again. Ctrl-C stops everything.
 * PORT sets Node-RED's port (default 1880); DEMO_NO_RUN=1 skips the first run. The simulators use fixed ports
 * (scripts/demo-sims.ts), which the example flows point at.
 * `npm run demo:check` (scripts/demo-check.ts) runs the same demo headless and checks every scenario.
 */
import { ChildProcess, spawn } from 'child_process';
import fs from 'fs';
import net from 'net';
import path from 'path';
import { DEMO_CREDENTIALS, SIMULATORS, callbackCurl, startSimulators, StartedSimulators } from './demo-sims';

/** The repository (for examples/, resources/, package.json). */
const root = path.resolve(__dirname, '..', '..');
/** The build this script belongs to (dist/ or a BUILD_OUT folder): the demo runs the nodes built with it. */
const build = path.resolve(__dirname, '..');
const defaultUserDir = path.join(root, '.demo');
const DEMO_PACKAGE = 'cn-erp-demo';

export interface DemoOptions {
    /** Node-RED's port; 0: a free one, picked once the simulators have theirs (a port picked before could be one). */
    port: number;
    /** Node-RED's stdout/stderr go to the console (interactive) or are kept quiet (check, tests). */
    quiet?: boolean;
    /** Node-RED's user directory, rebuilt from scratch on every start (default: .demo/ in the repository). */
    userDir?: string;
    /**
     * Simulators on free ports instead of their fixed ones, the deployed flows pointed at them (checks and tests:
     * they then run beside an `npm start`). The example files keep the fixed ports.
     */
    freePorts?: boolean;
    /** The Node binary and Node-RED red.js to run (default: this Node and the dev dependency, Node-RED 4.1). */
    runtime?: { node: string; red: string };
}

export interface RunningDemo {
    url: string;
    userDir: string;
    sims: StartedSimulators;
    nodeRed: ChildProcess;
    /** The last lines Node-RED printed (quiet mode). */
    log(): string;
    stop(): Promise<void>;
}

/** The example files in seed order (the names start with 01…05). */
export function exampleFiles(): string[] {
    const dir = path.join(root, 'examples');
    return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(dir, f)) : [];
}

/** The URL settings of the config nodes. */
const URL_SETTINGS = ['serverUrl', 'gatewayUrl', 'serviceUrl', 'baseUrl', 'url'];

/**
 * All example flows as one flow file, with the demo credentials for their config nodes (by config node type).
 * `ports` maps a simulator's fixed port to the one it runs on, when they differ.
 */
export function demoFlows(ports: Map<number, number> = new Map()): { flows: any[]; credentials: Record<string, Record<string, string>> } {
    const flows: any[] = [];
    for (const file of exampleFiles()) flows.push(...JSON.parse(fs.readFileSync(file, 'utf8')));
    const credentials: Record<string, Record<string, string>> = {};
    for (const node of flows) {
        const creds = DEMO_CREDENTIALS[node.type];
        if (creds) credentials[node.id] = creds;
        for (const key of URL_SETTINGS) {
            const m = typeof node[key] === 'string' ? /^(https?:\/\/127\.0\.0\.1:)(\d+)(.*)$/.exec(node[key]) : null;
            if (m && ports.has(Number(m[2]))) node[key] = `${m[1]}${ports.get(Number(m[2]))}${m[3]}`;
        }
    }
    return { flows, credentials };
}

/**
 * Empties the user directory, refusing to touch one that holds anything but an earlier demo (a typo in a path must
 * not delete someone's Node-RED).
 */
function resetUserDir(dir: string): void {
    if (fs.existsSync(dir)) {
        const entries = fs.readdirSync(dir);
        let ours = false;
        try {
            ours = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).name === DEMO_PACKAGE;
        } catch {
            ours = false;
        }
        if (entries.length > 0 && !ours) throw new Error(`${dir} is not empty and is not a demo directory: not touching it`);
        fs.rmSync(dir, { recursive: true, force: true });
    }
    fs.mkdirSync(dir, { recursive: true });
}

/**
 * The palette as Node-RED finds it in the user directory: a package folder whose dist/ is this build, with the
 * repository's resources/ and examples/ (Import ▸ Examples lists them in the editor).
 */
function linkPalette(dir: string): void {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    const target = path.join(dir, 'node_modules', ...pkg.name.split('/'));
    fs.mkdirSync(target, { recursive: true });
    fs.writeFileSync(path.join(target, 'package.json'), JSON.stringify({ name: pkg.name, version: pkg.version, keywords: pkg.keywords, main: pkg.main, 'node-red': pkg['node-red'] }, null, 2));
    // Junctions: on Windows a directory symlink needs admin rights or Developer Mode (EPERM); elsewhere the type is ignored.
    fs.symlinkSync(build, path.join(target, 'dist'), 'junction');
    for (const sub of ['resources', 'examples', 'icons']) if (fs.existsSync(path.join(root, sub))) fs.symlinkSync(path.join(root, sub), path.join(target, sub), 'junction');
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: DEMO_PACKAGE, private: true, dependencies: { [pkg.name]: pkg.version } }, null, 2));
}

/**
 * The language of the nodes' status texts and warnings (Node-RED's `lang`; the editor follows the browser's):
 * DEMO_LANG, else Chinese on a host whose LANG or LC_ALL is Chinese. Node-RED itself reads LANG=zh_CN.UTF-8 as "zh",
 * for which no catalog ships, and falls back to English.
 */
export function demoLanguage(env: NodeJS.ProcessEnv = process.env): string | undefined {
    if (env.DEMO_LANG) return env.DEMO_LANG;
    return /^zh/i.test(env.LC_ALL || env.LANG || '') ? 'zh-CN' : undefined;
}

function prepareUserDir(dir: string, port: number, ports: Map<number, number>): void {
    resetUserDir(dir);
    linkPalette(dir);
    const { flows, credentials } = demoFlows(ports);
    fs.writeFileSync(path.join(dir, 'flows.json'), JSON.stringify(flows, null, 2));
    // Plain-text credentials are fine for a throwaway demo directory (git-ignored) holding simulator passwords only.
    fs.writeFileSync(path.join(dir, 'flows_cred.json'), JSON.stringify(credentials, null, 2));
    // The editor's "show tips" off: Node-RED 5.0's tip rotator throws on its own now and then (its tip box undefined),
    // a console error in the demo's editor and in its browser tests that is none of the palette's.
    fs.writeFileSync(path.join(dir, '.config.users.json'), JSON.stringify({ _: { editor: { view: { 'view-show-tips': false } } } }));
    fs.writeFileSync(
        path.join(dir, 'settings.js'),
        `module.exports = {
    uiPort: ${port},
    uiHost: '127.0.0.1',
    flowFile: 'flows.json',
    credentialSecret: false,
    httpNodeRoot: '/',
    editorTheme: { tours: false, projects: { enabled: false } },
    contextStorage: { default: { module: 'memory' }, file: { module: 'localfilesystem' } },
    // The examples' failures files (cn-erp-failures/) go in this directory, however Node-RED was started.
    fileWorkingDirectory: ${JSON.stringify(dir)},
    logging: { console: { level: 'info', metrics: false, audit: false } },
    // No update-check prompt over the demo (and no call home).
    telemetry: { enabled: false, updateNotification: false },${demoLanguage() ? `\n    lang: ${JSON.stringify(demoLanguage())},` : ''}
};
`,
    );
}

async function waitForNodeRed(url: string, child: ChildProcess, timeoutMs = 60000): Promise<void> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
        if (child.exitCode !== null) throw new Error(`Node-RED exited with code ${child.exitCode}`);
        try {
            const res = await fetch(`${url}/flows`, { headers: { 'Node-RED-API-Version': 'v2' } });
            if (res.ok) {
                const body = (await res.json()) as { rev?: string };
                if (body.rev) return;
            }
        } catch {
            // not listening yet
        }
        await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`Node-RED did not start within ${timeoutMs / 1000} s`);
}

/**
 * Refuses a port something already listens on (say a Node-RED installed earlier, on 1880): the demo's Node-RED could
 * not start there, and the one answering would be taken for it.
 */
function checkPortFree(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
        const probe = net.createServer();
        probe.once('error', (err: NodeJS.ErrnoException) =>
            reject(err.code === 'EADDRINUSE' ? new Error(`port ${port} is already in use (another Node-RED?): start the demo on a free one, e.g. PORT=${port + 1} npm start`) : err),
        );
        probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
    });
}

/** A free loopback port. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
    });
}

export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
    const dir = path.resolve(options.userDir ?? defaultUserDir);
    // The simulators first: a second `npm start` finds their fixed ports taken and says another demo runs, where the
    // Node-RED port's message would suggest another PORT, which fails on the simulators the same way.
    const sims = await startSimulators({ freePorts: options.freePorts });
    let nodeRed: ChildProcess;
    let port = options.port;
    try {
        if (options.port !== 0) await checkPortFree(options.port);
        port ||= await freePort();
        const ports = new Map(SIMULATORS.map((s) => [s.port, Number(new URL(sims.list.find((l) => l.dir === s.dir)!.url).port)] as [number, number]).filter(([a, b]) => a !== b));
        prepareUserDir(dir, port, ports);
        const node = options.runtime?.node ?? process.execPath;
        const red = options.runtime?.red ?? require.resolve('node-red/red.js');
        nodeRed = spawn(node, [red, '--userDir', dir, '--settings', path.join(dir, 'settings.js')], {
            cwd: dir,
            stdio: options.quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
            // That Node first on PATH, for anything Node-RED starts (npm) to run under it too.
            env: { ...process.env, NODE_RED_ENABLE_PROJECTS: 'false', PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH}` },
        });
    } catch (err) {
        await sims.stop();
        throw err;
    }
    let log = '';
    nodeRed.stdout?.on('data', (d) => (log = (log + d).slice(-20000)));
    nodeRed.stderr?.on('data', (d) => (log = (log + d).slice(-20000)));
    const url = `http://127.0.0.1:${port}`;
    let stopping: Promise<void> | undefined;
    const stop = () =>
        (stopping ??= (async () => {
            if (nodeRed.exitCode === null && nodeRed.signalCode === null) {
                const exited = new Promise((r) => nodeRed.once('exit', r));
                nodeRed.kill('SIGINT');
                const timer = setTimeout(() => nodeRed.kill('SIGKILL'), 10000);
                await exited;
                clearTimeout(timer);
            }
            await sims.stop();
        })());
    try {
        await waitForNodeRed(url, nodeRed);
    } catch (err) {
        await stop();
        throw new Error(`${(err as Error).message}\n${log}`);
    }
    // Node-RED ending on its own (a crash): the simulators stop too, rather than keep the demo running for nothing.
    nodeRed.once('exit', () => void stop());
    return { url, userDir: dir, sims, nodeRed, log: () => log, stop };
}

/**
 * How to run each scenario again, one line each. npm start has already run every scenario once (before the editor
 * was open, so its debug messages are gone): tabs 02, 03 and 05 are incremental and read only what changed since.
 */
export function howToRun(url: string): string[] {
    return [
        `01 吉客云销售单 → 金蝶销售出库:  click "运行 Run" on tab 01 (run it twice: the duplicate guard saves nothing twice)`,
        `02 金蝶退料申请 → 旺店通WMS取消:  click "运行 Run" on tab 02: incremental, it reads only the requests voided since (by their void date FCANCELDATE; none in the demo: nothing is cancelled twice)`,
        `03 管易云退货单 → 精诚ERP退货单:  click "运行 Run" on tab 03: incremental, it reads only the returns modified since (none in the demo: nothing is sent twice)`,
        `04 回调订单 → 旺店通订单推送:    POST a signed order to ${url}/qeasy/orders, e.g. paste:`,
        `05 每刻已付款 → 金蝶付款单下推:  "加载银行账号" ran at deploy; click "运行 Run" on tab 05: incremental, it reads only the payments paid since (none in the demo); write-back in flow.maycurWriteback`,
        `To watch the first runs in the debug sidebar (TL2024010010 refused on output 2 in 02, the returns not yet received failing to map in 03): stop, start with DEMO_NO_RUN=1 npm start, open the editor and its debug sidebar, then click "运行 Run" on each tab.`,
    ];
}

async function main(): Promise<void> {
    const port = Number(process.env.PORT || 1880);
    const demo = await startDemo({ port });
    let stopping = false;
    const shutdown = () => {
        if (stopping) return;
        stopping = true;
        demo.stop().then(() => process.exit(0));
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
    demo.nodeRed.once('exit', (code, signal) => {
        if (stopping) return;
        stopping = true;
        if (code !== 0) console.error(`Node-RED stopped (${signal ?? `exit code ${code}`}): the demo stops too`);
        demo.stop().then(() => process.exit(code ?? 1));
    });
    console.log('');
    console.log(`Simulators: ${demo.sims.list.map((s) => `${s.name} ${s.url}`).join(', ')}`);
    // Each scenario once, so the editor opens on flows that ran (statuses) and the console shows what they did.
    if (process.env.DEMO_NO_RUN !== '1') {
        // Loaded here: demo-check imports this module.
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const { checkDemo, formatResult } = require('./demo-check') as typeof import('./demo-check');
        console.log('Running each scenario once…');
        try {
            for (const r of await checkDemo(demo, { secondRun: false })) console.log(`  ${formatResult(r)}`);
        } catch (err) {
            console.log(`  (could not run the scenarios: ${(err as Error).message})`);
        }
    }
    console.log('');
    console.log(`Node-RED editor: ${demo.url}  (Ctrl-C stops everything)`);
    // Started with DEMO_NO_RUN=1, nothing ran yet: the first "Run" of an incremental tab reads every record, not
    // "only what changed since" as the lines below say of a second run.
    console.log(process.env.DEMO_NO_RUN === '1'
        ? 'Nothing has run yet (DEMO_NO_RUN=1): the first "运行 Run" on each tab reads every record; after it, as below:'
        : 'Run a scenario again:');
    // Started with DEMO_NO_RUN=1, nothing ran yet: the hint to start that way is moot.
    const lines = howToRun(demo.url).filter((l) => process.env.DEMO_NO_RUN !== '1' || !l.startsWith('To watch'));
    for (const line of lines) {
        console.log(`  ${line}`);
        if (line.startsWith('04')) for (const l of callbackCurl(demo.url).split('\n')) console.log(`      ${l}`);
    }
    console.log('The debug sidebar shows what each node emitted (open it before you run); every example tab has a Read me comment.');
}

if (require.main === module) {
    main().catch((err) => {
        console.error(err instanceof Error ? err.message : err);
        process.exit(1);
    });
}

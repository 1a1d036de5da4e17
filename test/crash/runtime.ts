/**
 * A real Node-RED in a child process for the crash tests: the Node-RED under test (NODE_RED_PATH, as in
 * `npm run test:nr5`, or the dev dependency), run by the same node binary as the tests, with a user dir whose
 * node_modules holds this package the way a palette install leaves it, a flow file written by the test and a
 * persistent context store (`localfilesystem`, named `file`, flushed every second). The test can crash it (SIGKILL)
 * and start it again on the same user dir.
 */
import { ChildProcess, spawn } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { sleep, waitFor as pollUntil } from '../helpers/wait';
import { freePort } from '../../scripts/demo';

/** Where this build's compiled nodes are (dist/ or a BUILD_OUT folder): the package must load those. */
const buildDir = path.resolve(__dirname, '..', '..');
const root = path.resolve(buildDir, '..');

const nodeRedDir = process.env.NODE_RED_PATH
    ? path.dirname(require.resolve(path.join(path.resolve(process.env.NODE_RED_PATH), 'package.json')))
    : path.dirname(require.resolve('node-red/package.json'));

/**
 * Node-RED's own node files the crash flows do not use (all but inject and those in `keep`): left out of the palette,
 * they spare a few seconds of every start on a slow machine.
 */
function unusedCoreNodes(keep: string[] = []): string[] {
    const core = path.join(path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [nodeRedDir] })), 'core');
    const files: string[] = [];
    for (const group of fs.readdirSync(core, { withFileTypes: true })) {
        if (!group.isDirectory()) continue;
        for (const f of fs.readdirSync(path.join(core, group.name))) if (f.endsWith('.js') && f !== '20-inject.js' && f !== '98-unknown.js' && !keep.includes(f)) files.push(f);
    }
    return files;
}

export { sleep };

/** Node-RED's log line once the flows run, in the languages the tests run it in. */
const STARTED = /Started flows|流程已启动/;

/** Polls `check` until it gives a truthy value; generous by default, the machine may be slow and shared. */
export function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 30000, everyMs = 50): Promise<T> {
    return pollUntil(what, check, timeoutMs, everyMs);
}

/** The package as a palette install leaves it, pointing at this build's nodes. */
function installPackage(userDir: string): void {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    const dir = path.join(userDir, 'node_modules', '@cn-erp', 'node-red-connectors');
    fs.mkdirSync(dir, { recursive: true });
    fs.symlinkSync(path.join(buildDir, 'nodes'), path.join(dir, 'nodes'), 'dir');
    const nodes: Record<string, string> = {};
    for (const [type, file] of Object.entries<string>(pkg['node-red'].nodes)) nodes[type] = file.replace(/^dist\//, '');
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: pkg.name, version: pkg.version, 'node-red': { version: pkg['node-red'].version, nodes } }));
    fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true, dependencies: { [pkg.name]: pkg.version } }));
}

export interface NodeRedOptions {
    /** settings.js `lang`: the language of the runtime's texts (default en-US; null: not set, the host's locale decides). */
    lang?: string | null;
    /** Node-RED's own node files the flows use besides inject, e.g. '25-status.js'. */
    coreNodes?: string[];
    /** Environment of the Node-RED process besides this one's. */
    env?: Record<string, string>;
}

export class NodeRedProcess {
    readonly userDir: string;
    child: ChildProcess | undefined;
    url = '';
    /** Node-RED's console output of every start, for failure messages. */
    log = '';

    constructor(
        flows: unknown[],
        credentials: Record<string, Record<string, string>>,
        private readonly options: NodeRedOptions = {},
    ) {
        this.userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-erp-crash-'));
        installPackage(this.userDir);
        fs.writeFileSync(path.join(this.userDir, 'flows.json'), JSON.stringify(flows, null, 2));
        // Plain-text credentials in a throwaway user dir holding simulator passwords only.
        fs.writeFileSync(path.join(this.userDir, 'flows_cred.json'), JSON.stringify(credentials));
    }

    /** How long each start took until the flows ran (ms), for the report on a slow machine. */
    readonly startMs: number[] = [];

    async start(): Promise<void> {
        const began = Date.now();
        const port = await freePort();
        fs.writeFileSync(
            path.join(this.userDir, 'settings.js'),
            `module.exports = {
    uiPort: ${port},
    uiHost: '127.0.0.1',
    flowFile: 'flows.json',
    credentialSecret: false,
${this.options.lang === null ? '' : `    lang: ${JSON.stringify(this.options.lang ?? 'en-US')},\n`}    nodesExcludes: ${JSON.stringify(unusedCoreNodes(this.options.coreNodes))},
    editorTheme: { tours: false, projects: { enabled: false } },
    contextStorage: { default: { module: 'memory' }, file: { module: 'localfilesystem', config: { flushInterval: 1 } } },
    logging: { console: { level: 'info', metrics: false, audit: false } },
};
`,
        );
        this.url = `http://127.0.0.1:${port}`;
        const child = spawn(process.execPath, [path.join(nodeRedDir, 'red.js'), '--userDir', this.userDir, '--settings', path.join(this.userDir, 'settings.js')], {
            cwd: this.userDir,
            stdio: ['ignore', 'pipe', 'pipe'],
            env: { ...process.env, NODE_RED_ENABLE_PROJECTS: 'false', ...this.options.env },
        });
        this.child = child;
        this.log += `--- start on port ${port}\n`;
        // This start's own output (the log keeps the earlier starts too).
        let own = '';
        const keep = (d: Buffer) => {
            own = (own + d).slice(-20000);
            this.log = (this.log + d).slice(-40000);
        };
        child.stdout!.on('data', keep);
        child.stderr!.on('data', keep);
        await waitFor(
            'Node-RED to start its flows',
            async () => {
                if (child.exitCode !== null || child.signalCode !== null) throw new Error(`Node-RED exited (${child.exitCode ?? child.signalCode})\n${this.log}`);
                try {
                    const res = await fetch(`${this.url}/flows`, { headers: { 'Node-RED-API-Version': 'v2' } });
                    return res.ok && STARTED.test(own);
                } catch {
                    return false;
                }
            },
            60000,
            100,
        );
        this.startMs.push(Date.now() - began);
    }

    /** Clicks an inject node's button (its admin endpoint). */
    async inject(id: string): Promise<void> {
        const res = await fetch(`${this.url}/inject/${id}`, { method: 'POST' });
        if (res.status !== 200) throw new Error(`inject ${id}: HTTP ${res.status}`);
    }

    /** A node-context value as the running Node-RED holds it (the store's cache), through the admin API. */
    async contextValue(nodeId: string, key: string, store: string): Promise<unknown> {
        const res = await fetch(`${this.url}/context/node/${nodeId}/${key}?store=${store}`);
        if (!res.ok) throw new Error(`context ${nodeId}/${key}: HTTP ${res.status}`);
        const body = (await res.json()) as { msg?: unknown; format?: string };
        if (body.msg === undefined || body.format === 'undefined') return undefined;
        return body.format === 'number' ? Number(body.msg) : body.msg;
    }

    /** A node-context value as `localfilesystem` saved it on disk (what survives a crash). */
    storedValue(flowId: string, nodeId: string, key: string): unknown {
        const file = path.join(this.userDir, 'context', flowId, `${nodeId}.json`);
        if (!fs.existsSync(file)) return undefined;
        const text = fs.readFileSync(file, 'utf8');
        try {
            return JSON.parse(text)[key];
        } catch {
            return undefined; // caught half-written: the next poll reads it whole
        }
    }

    /** A real crash: SIGKILL, no shutdown handler runs, nothing more is flushed. */
    async crash(): Promise<void> {
        const child = this.child;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child.once('exit', r));
        process.kill(child.pid!, 'SIGKILL');
        await exited;
        this.child = undefined;
    }

    async stop(): Promise<void> {
        const child = this.child;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
        await exited;
        clearTimeout(timer);
        this.child = undefined;
    }

    async dispose(): Promise<void> {
        await this.stop();
        fs.rmSync(this.userDir, { recursive: true, force: true });
    }
}

/**
 * `npm start`: every simulator on its fixed loopback port, then Node-RED (the dev dependency) with this palette and
 * every example flow deployed against the simulators, credentials filled in. Ctrl-C stops everything.
 * `npm run demo:check` (`--check`): the same, headless; runs each scenario once, prints one line per scenario and
 * `N passed, N failed`, exits non-zero if a scenario fails or a record is unaccounted for.
 */
import { ChildProcess, spawn } from 'child_process';
import fs from 'fs';
import path from 'path';
import { SIMULATORS, startSimulators, StartedSimulators } from './demo-sims';

const root = path.resolve(__dirname, '..', '..');
const userDir = path.join(root, '.demo');

export interface DemoOptions {
    port: number;
    /** Node-RED's stdout/stderr go to the console (interactive) or are kept quiet (check, tests). */
    quiet?: boolean;
    userDir?: string;
}

export interface RunningDemo {
    url: string;
    sims: StartedSimulators;
    nodeRed: ChildProcess;
    stop(): Promise<void>;
}

/** All example flows as one flow file, with the simulators' demo credentials for their config nodes. */
export function demoFlows(): { flows: any[]; credentials: Record<string, Record<string, string>> } {
    const dir = path.join(root, 'examples');
    const flows: any[] = [];
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];
    for (const file of files) flows.push(...JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
    const credentials: Record<string, Record<string, string>> = {};
    for (const node of flows) {
        const sim = SIMULATORS.find((s) => s.configType === node.type);
        if (sim) credentials[node.id] = sim.credentials;
    }
    return { flows, credentials };
}

function prepareUserDir(dir: string, port: number): void {
    fs.mkdirSync(path.join(dir, 'node_modules', '@cn-erp'), { recursive: true });
    const link = path.join(dir, 'node_modules', '@cn-erp', 'node-red-connectors');
    fs.rmSync(link, { recursive: true, force: true });
    fs.symlinkSync(root, link, 'dir');
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'cn-erp-demo', private: true, dependencies: { [pkg.name]: pkg.version } }, null, 2));
    const { flows, credentials } = demoFlows();
    fs.writeFileSync(path.join(dir, 'flows.json'), JSON.stringify(flows, null, 2));
    // Plain-text credentials are fine for a throwaway demo directory (git-ignored) holding simulator passwords only.
    fs.writeFileSync(path.join(dir, 'flows_cred.json'), JSON.stringify(credentials, null, 2));
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
    logging: { console: { level: 'info', metrics: false, audit: false } },
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

export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
    const dir = options.userDir ?? userDir;
    const sims = await startSimulators();
    prepareUserDir(dir, options.port);
    const nodeRed = spawn(process.execPath, [require.resolve('node-red/red.js'), '--userDir', dir, '--settings', path.join(dir, 'settings.js')], {
        cwd: dir,
        stdio: options.quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
        env: { ...process.env, NODE_RED_ENABLE_PROJECTS: 'false' },
    });
    let log = '';
    nodeRed.stdout?.on('data', (d) => (log = (log + d).slice(-20000)));
    nodeRed.stderr?.on('data', (d) => (log = (log + d).slice(-20000)));
    const url = `http://127.0.0.1:${options.port}`;
    const stop = async () => {
        if (nodeRed.exitCode === null) {
            nodeRed.kill('SIGINT');
            await new Promise((r) => nodeRed.once('exit', r));
        }
        await sims.stop();
    };
    try {
        await waitForNodeRed(url, nodeRed);
    } catch (err) {
        await stop();
        throw new Error(`${(err as Error).message}\n${log}`);
    }
    return { url, sims, nodeRed, stop };
}

async function main(): Promise<void> {
    const port = Number(process.env.PORT || 1880);
    const demo = await startDemo({ port });
    console.log('');
    console.log(`Simulators: ${demo.sims.list.map((s) => `${s.name} ${s.url}`).join(', ')}`);
    console.log(`Node-RED editor: ${demo.url}  (Ctrl-C stops everything)`);
    const callback = SIMULATORS.length ? demo.sims.callbackHint?.(demo.url) : undefined;
    if (callback) console.log(`Callback scenario: ${callback}`);
    const shutdown = () => {
        demo.stop().then(() => process.exit(0));
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
}

if (require.main === module) {
    main().catch((err) => {
        console.error(err instanceof Error ? err.message : err);
        process.exit(1);
    });
}

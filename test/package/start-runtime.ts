/**
 * Child-process side of the package load test: starts a real Node-RED (the one under test, NODE_RED_PATH or the dev
 * dependency) with a fresh user dir whose node_modules holds this package, the way a palette install leaves it, and
 * prints what the runtime says about every node of the package and every warning it logged, as one JSON line.
 */
import fs from 'fs';
import http from 'http';
import os from 'os';
import path from 'path';

async function main(): Promise<void> {
    const root = path.resolve(__dirname, '..', '..', '..');
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-erp-load-'));
    const scope = path.join(userDir, 'node_modules', '@cn-erp');
    fs.mkdirSync(scope, { recursive: true });
    fs.symlinkSync(root, path.join(scope, 'node-red-connectors'), 'dir');
    fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true, dependencies: { [pkg.name]: pkg.version } }));

    const RED = require(process.env.NODE_RED_PATH || 'node-red');
    const logs: Array<{ level: number; msg: string }> = [];
    const server = http.createServer();
    RED.init(server, {
        userDir,
        httpAdminRoot: '/',
        httpNodeRoot: '/api',
        uiPort: 0,
        flowFile: 'flows.json',
        credentialSecret: 'load-test',
        logging: {
            capture: { level: 'warn', metrics: false, audit: false, handler: () => (m: { level: number; msg: unknown }) => logs.push({ level: m.level, msg: String(m.msg) }) },
        },
        editorTheme: { tours: false },
    });
    await RED.start();
    const list = RED.nodes.getNodeList().filter((s: any) => s.module === pkg.name);
    const result = {
        nodeRed: RED.version(),
        node: process.version,
        sets: list.map((s: any) => ({ name: s.name, types: s.types, enabled: s.enabled, loaded: s.loaded, err: s.err ?? null })),
        warnings: logs.map((l) => l.msg),
    };
    await RED.stop();
    server.close();
    fs.rmSync(userDir, { recursive: true, force: true });
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
    process.exit(0);
}

main().catch((err) => {
    process.stdout.write(`RESULT ${JSON.stringify({ error: String(err && err.stack) })}\n`);
    process.exit(1);
});

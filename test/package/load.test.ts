import { execFileSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import should from 'should';

/** Installs nothing: runs a real Node-RED in a child process with this package in its user dir. */
describe('package: a real Node-RED loads every node of the palette', function () {
    this.timeout(60000);
    const root = path.resolve(__dirname, '..', '..', '..');
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    let result: any;

    before(() => {
        const out = execFileSync(process.execPath, [path.join(__dirname, 'start-runtime.js')], { env: process.env, encoding: 'utf8' });
        const line = out.split('\n').find((l) => l.startsWith('RESULT '));
        result = JSON.parse(line!.slice(7));
        if (result.error) throw new Error(result.error);
    });

    it('registers every node type declared in package.json, loaded and enabled, with no error', () => {
        const declared = Object.keys(pkg['node-red'].nodes).sort();
        const loaded = result.sets.filter((s: any) => s.loaded !== false && s.enabled && !s.err).flatMap((s: any) => s.types).sort();
        should(result.sets.filter((s: any) => s.err).map((s: any) => `${s.name}: ${s.err}`)).eql([]);
        should(loaded).eql(declared);
    });

    it('logs no warning while loading', () => {
        should(result.warnings.filter((w: string) => /cn-erp|node-red-connectors|kingdee|jackyun|wdt|guanyi|maycur|jingcheng|qeasy|mapper/i.test(w))).eql([]);
    });
});

#!/usr/bin/env node
// The second column of the test matrix: the whole suite against Node-RED 5 on Node 22.
// Node 22 (npm package `node@22`) and Node-RED 5 are installed into .nr5/, a temporary prefix outside the package's
// own dependencies, then mocha runs under that Node binary with NODE_RED_PATH pointing at Node-RED 5.
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const prefix = path.join(root, '.nr5');
const NODE_RED = process.env.NR5_VERSION || '5.0.x';
const NODE = process.env.NR5_NODE || '22';

const nrPkg = path.join(prefix, 'node_modules', 'node-red', 'package.json');
const nodeBin = path.join(prefix, 'node_modules', '.bin', 'node');
if (!fs.existsSync(nrPkg) || !fs.existsSync(nodeBin) || !/^5\./.test(JSON.parse(fs.readFileSync(nrPkg, 'utf8')).version)) {
    fs.mkdirSync(prefix, { recursive: true });
    fs.writeFileSync(path.join(prefix, 'package.json'), JSON.stringify({ name: 'nr5-matrix', private: true }));
    console.log(`test:nr5: installing node@${NODE} and node-red@${NODE_RED} into .nr5/`);
    execFileSync('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-save', `node@${NODE}`, `node-red@${NODE_RED}`], { stdio: 'inherit' });
}
if (!fs.existsSync(path.join(root, 'dist', 'test'))) {
    execFileSync(process.execPath, [path.join(root, 'scripts', 'build.js')], { stdio: 'inherit' });
}
const version = execFileSync(nodeBin, ['--version'], { encoding: 'utf8' }).trim();
const nrVersion = JSON.parse(fs.readFileSync(nrPkg, 'utf8')).version;
console.log(`test:nr5: Node-RED ${nrVersion} on Node ${version}`);
const res = spawnSync(nodeBin, [path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js'), ...process.argv.slice(2)], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NODE_RED_PATH: path.join(prefix, 'node_modules', 'node-red') },
});
process.exit(res.status === null ? 1 : res.status);

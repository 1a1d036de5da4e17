#!/usr/bin/env node
// The other columns of the test matrix: the whole suite (or the files given) against another Node-RED.
//   node scripts/test-nodered.js 5 …   Node-RED 5 on Node 22 (npm package `node@22`), installed into .nr5/
//   node scripts/test-nodered.js 3 …   Node-RED 3.1, the oldest the package declares, on this machine's Node, in .nr3/
// Each is installed into a prefix of its own outside the package's dependencies, then mocha runs under that column's
// Node binary with NODE_RED_PATH pointing at that Node-RED. Arguments after the column go to mocha.
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const columns = {
    5: { dir: '.nr5', nodeRed: process.env.NR5_VERSION || '5.0.x', node: process.env.NR5_NODE || '22' },
    3: { dir: '.nr3', nodeRed: process.env.NR3_VERSION || '3.1.x' },
};
const [major, ...mochaArgs] = process.argv.slice(2);
const column = columns[major];
if (!column) {
    console.error(`usage: test-nodered.js <${Object.keys(columns).join('|')}> [mocha arguments]`);
    process.exit(2);
}
const prefix = path.join(root, column.dir);
const nrPkg = path.join(prefix, 'node_modules', 'node-red', 'package.json');
const nodeBin = column.node ? path.join(prefix, 'node_modules', '.bin', 'node') : process.execPath;
const installed = () => fs.existsSync(nrPkg) && fs.existsSync(nodeBin) && JSON.parse(fs.readFileSync(nrPkg, 'utf8')).version.startsWith(`${major}.`);
if (!installed()) {
    fs.mkdirSync(prefix, { recursive: true });
    fs.writeFileSync(path.join(prefix, 'package.json'), JSON.stringify({ name: `nr${major}-matrix`, private: true }));
    const packages = [...(column.node ? [`node@${column.node}`] : []), `node-red@${column.nodeRed}`];
    console.log(`test:nr${major}: installing ${packages.join(' and ')} into ${column.dir}/`);
    execFileSync('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-save', ...packages], { stdio: 'inherit' });
}
if (!fs.existsSync(path.join(root, 'dist', 'test'))) {
    execFileSync(process.execPath, [path.join(root, 'scripts', 'build.js')], { stdio: 'inherit' });
}
const version = execFileSync(nodeBin, ['--version'], { encoding: 'utf8' }).trim();
const nrVersion = JSON.parse(fs.readFileSync(nrPkg, 'utf8')).version;
console.log(`test:nr${major}: Node-RED ${nrVersion} on Node ${version}`);
const res = spawnSync(nodeBin, [path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js'), ...mochaArgs], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NODE_RED_PATH: path.join(prefix, 'node_modules', 'node-red') },
});
process.exit(res.status === null ? 1 : res.status);

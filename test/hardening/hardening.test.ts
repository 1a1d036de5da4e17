/**
 * Cross-cutting promises (issue 9, "Bad input" and "Secrets"), checked for every endpoint node in
 * test/fixtures/systems.ts against its simulator, and for erp-mapper and qeasy-callback in their own sections:
 *  - bad input: a few hundred generated invalid inputs per node (test/fuzz/invalid-inputs.ts: wrong types, missing
 *    fields, huge strings, deep nesting, __proto__/constructor keys, non-UTF-8 Buffers, lists for objects, objects
 *    that contain themselves; bad params of write nodes; bad msg settings) each get a clear error naming a field
 *    (Catch or output 2), nothing reaches the vendor, no prototype is polluted, and the node still works after;
 *  - malformed vendor answers (HTML error page, truncated JSON, XML for JSON, JSON for XML, empty body, 200 with a
 *    wrong envelope), to data calls and to logins, give a classified error, never a crash, a hang or an empty
 *    "success"; a write whose answer was unreadable or lost after it was sent is not sent again;
 *  - secrets (the right ones and wrong ones, in every auth mode) never appear in GET /flows, in the editor's view of
 *    credentials (GET /credentials/<type>/<id>: has_<field> only), in any log line at any level or on the console,
 *    in status, outputs, msg.error or Catch, nor in the test-connection answers, even when connections are cut; nor
 *    is a session id, when the session of a new login is refused again;
 *  - a name of Object.prototype's ('constructor', '__proto__') as any text parameter gets the vendor's refusal or an
 *    error naming a field, never a TypeError of ours;
 *  - the admin routes (test connection, mapper preview) answer hostile bodies in JSON and keep working.
 * One Node-RED flow per node serves all its inputs, so the sweep stays fast.
 */
import http from 'http';
import { AddressInfo } from 'net';
import should from 'should';
import sinon from 'sinon';
import type { SinonSpy } from 'sinon';
import { helper, load, withProbes, caughtCode, aMinuteAfterTheLogins, Msg, RunResult } from '../helpers/nodered';
import { FIXTURES, NodeFixture, wrongCredentials } from '../fixtures/systems';
import { invalidObjects, nonUtf8, seededRandom } from '../fuzz/invalid-inputs';
import { compileParamsSchema, compileRecordSchema } from '../../nodes/core/validate';
import { unfitInput } from '../../nodes/core/endpoint';
import type { SimServer } from '../sim/harness';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const express = require('express');
import { mountAdminApi } from './admin-api';
import { fixture as mapperFixture } from '../mapper/fixtures';
import { qeasySignature } from '../../nodes/qeasy/sign';
import erpMapper = require('../../nodes/mapper/erp-mapper');
import jingchengConfig = require('../../nodes/jingcheng/jingcheng-config');
import jingchengRecv = require('../../nodes/jingcheng/jingcheng-recv');
import qeasyConfig = require('../../nodes/qeasy/qeasy-config');
import qeasyCallback = require('../../nodes/qeasy/qeasy-callback');

const MALFORMED = [
    { name: 'an HTML error page', body: '<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>', headers: { 'Content-Type': 'text/html' } },
    { name: 'truncated JSON', body: '{"code":200,"result":{"data":[{"a":', headers: { 'Content-Type': 'application/json' } },
    { name: 'XML where JSON is expected (truncated XML for an XML API)', body: '<?xml version="1.0"?><response><flag>success</flag>', headers: { 'Content-Type': 'text/xml' } },
    { name: 'JSON where XML is expected (a JSON answer without the vendor envelope)', body: '{"result":"success","msg":"ok"}', headers: { 'Content-Type': 'application/json' } },
    { name: 'an empty body', body: '', headers: {} as Record<string, string> },
    { name: '200 with a wrong envelope (an object)', body: '{"status":"ok","items":[{"id":1}],"total":1}', headers: { 'Content-Type': 'application/json' } },
    { name: '200 with a wrong envelope (a list)', body: '[{"id":1},{"id":2}]', headers: { 'Content-Type': 'application/json' } },
    { name: '200 with a wrong envelope (null)', body: 'null', headers: { 'Content-Type': 'application/json' } },
];

const KINDS = ['business', 'transient', 'validation', 'config', 'auth', 'rate-limit'];

function summarize(msg: unknown): string {
    try {
        return JSON.stringify(msg, (_k, v) => (typeof v === 'string' && v.length > 80 ? `${v.slice(0, 80)}…(${v.length})` : v)).slice(0, 300);
    } catch {
        return '(too deep to print)';
    }
}

function specOf(fixture: NodeFixture): any {
    return (fixture.modules[fixture.modules.length - 1] as any).spec;
}

function outputsOf(kind: NodeFixture['kind']): number {
    return kind === 'query' ? 1 : 2;
}

/**
 * Sends `msg` to node `id` (loaded with withProbes) and resolves once the node has finished with it. Like run() in
 * the helpers, but it waits for delivery by turns of the event loop rather than a fixed pause: msgs sent before done()
 * are queued ahead of the Catch/Complete notices, so they have arrived when those do.
 */
function send(id: string, msg: Msg, outputs: number, timeoutMs = 10000): Promise<RunResult> {
    const result: RunResult = { outputs: Array.from({ length: outputs }, () => []) };
    return new Promise((resolve, reject) => {
        const listeners: Array<[any, (m: Msg) => void]> = [];
        const cleanup = () => listeners.forEach(([node, fn]) => node.removeListener('input', fn));
        let finished = false;
        const finish = () => {
            if (finished) return;
            finished = true;
            clearTimeout(timer);
            setImmediate(() =>
                setImmediate(() => {
                    cleanup();
                    resolve(result);
                }),
            );
        };
        const timer = setTimeout(() => {
            cleanup();
            reject(new Error(`node ${id} did not call done() within ${timeoutMs} ms for ${summarize(msg)}`));
        }, timeoutMs);
        const on = (probeId: string, fn: (m: Msg) => void) => {
            const probe = helper.getNode(probeId);
            probe.on('input', fn);
            listeners.push([probe, fn]);
        };
        for (let i = 0; i < outputs; i++) on(`${id}-out${i + 1}`, (m) => result.outputs[i].push(m));
        on(`${id}-caught`, (m) => {
            result.caught = m;
            finish();
        });
        on(`${id}-completed`, finish);
        helper.getNode(id).receive(msg);
    });
}

/**
 * The flow for a fixture: its config node `c1` and the node `n1`, probed. (One probed node per flow: the test helper
 * cannot load two Catch nodes in one flow.)
 */
function flowOf(fixture: NodeFixture, sim: SimServer, configExtra: Msg = {}): Msg[] {
    const flow: Msg[] = [
        { id: 'c1', type: fixture.configType, ...fixture.config(sim), ...configExtra },
        { id: 'n1', type: fixture.type, z: 'f1', config: 'c1', params: {}, ...fixture.node },
    ];
    return withProbes(flow, 'n1', outputsOf(fixture.kind));
}

function dataCalls(fixture: NodeFixture, sim: SimServer): number {
    return sim.requests.filter((r) => (fixture.isDataCall ? fixture.isDataCall(r) : true)).length;
}

/** Every error an input produced, wherever it surfaced: Catch (the kit's classified error is msg._error) or output 2. */
function errorsOf(r: RunResult): Array<{ message: string; field?: string; kind?: string }> {
    const out: Array<{ message: string; field?: string; kind?: string }> = [];
    if (r.caught) {
        const e = r.caught._error ?? r.caught.error?.cause ?? {};
        out.push({ message: String(r.caught.error?.message ?? ''), field: e.field, kind: e.kind });
    }
    for (const m of r.outputs[1] ?? []) out.push({ message: String(m.error?.message ?? ''), field: m.error?.field, kind: m.error?.kind });
    return out;
}

/** Every property name a schema knows, at any depth (the names an error may cite). */
function fieldNames(schema: any, into = new Set<string>()): Set<string> {
    if (!schema || typeof schema !== 'object') return into;
    for (const [k, v] of Object.entries<any>(schema.properties ?? {})) {
        into.add(k);
        fieldNames(v, into);
    }
    if (schema.items) fieldNames(schema.items, into);
    for (const alt of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) {
        for (const r of alt.required ?? []) into.add(r);
        fieldNames(alt, into);
    }
    return into;
}

/** Does the error name a field: `<path>: <reason>` with a path through known fields, or a known msg.error.field? */
function namesField(e: { message: string; field?: string }, known: Set<string>): boolean {
    const paths = [...e.message.matchAll(/([A-Za-z_$][\w$]*(?:\[\d+\]|\.[A-Za-z_$][\w$]*)*)\s*: /g)].map((m) => m[1]);
    if (e.field) paths.push(e.field);
    return paths.some((p) => p.split(/[.[\]]/).some((segment) => known.has(segment)));
}

/** The node's own parameter settings as values (the node's setting wins over msg.params). */
function nodeSettingValues(fixture: NodeFixture): Msg {
    const out: Msg = {};
    for (const [k, tv] of Object.entries<any>(fixture.node?.params ?? {})) {
        if (tv.value === '' || tv.value === undefined) continue;
        out[k] = tv.type === 'num' ? Number(tv.value) : tv.type === 'bool' ? tv.value === 'true' : tv.type === 'json' ? JSON.parse(tv.value) : tv.value;
    }
    return out;
}

/** Whether the node must refuse these msg.params: too deep, or invalid once reduced to what the node reads. */
function paramsRejected(spec: any, fixture: NodeFixture, candidate: Record<string, unknown>): boolean {
    if (unfitInput(candidate, 'params')) return true;
    const names = Object.keys(spec.requestSchema.properties ?? {}).filter((n) => !['__proto__', 'constructor', 'prototype'].includes(n));
    const effective: Msg = {};
    for (const n of names) if (Object.prototype.hasOwnProperty.call(candidate, n) && candidate[n] !== undefined) effective[n] = candidate[n];
    Object.assign(effective, nodeSettingValues(fixture));
    try {
        // The params validator fills in defaults and coerces: give it a copy.
        return !compileParamsSchema(spec.requestSchema)(structuredClone(effective));
    } catch {
        return true; // not even copyable: hostile either way
    }
}

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);

/** A few hundred invalid msgs for a node, each one the node must refuse. */
function badInputs(fixture: NodeFixture, sim: SimServer): Msg[] {
    const spec = specOf(fixture);
    const inputs: Msg[] = [];
    const paramCandidates = invalidObjects({ ...spec.requestSchema, required: spec.requestSchema.required ?? [] }, 300, 11).filter(isPlain);
    if (fixture.kind === 'write') {
        const valid = compileRecordSchema(spec.recordSchema);
        const records = invalidObjects(spec.recordSchema, 400, 7).filter((r) => {
            try {
                return !valid(r);
            } catch {
                return true;
            }
        });
        // Each record alone (a list as payload is a list of records, so lists go only in batches), and batches.
        for (const r of records.filter((x) => !Array.isArray(x)).slice(0, 220)) inputs.push({ payload: r });
        inputs.push({ payload: records });
        for (let i = 0; i + 10 <= records.length && i < 60; i += 10) inputs.push({ payload: records.slice(i, i + 10) });
        for (const p of ['text', 42, null, true, undefined, nonUtf8(), 'x'.repeat(2 * 1024 * 1024)]) inputs.push({ payload: p });
        // A good record with bad request parameters: the whole msg is refused before anything is sent.
        const good = fixture.validMsg(sim).payload;
        for (const c of paramCandidates.filter((c) => paramsRejected(spec, fixture, c)).slice(0, 80)) inputs.push({ payload: structuredClone(good), params: c });
    } else {
        const rejected = paramCandidates.filter((c) => paramsRejected(spec, fixture, c));
        // Two faults in one msg (each candidate has one): the error must still name a field.
        const random = seededRandom(13);
        for (let i = 0; i < 120 && rejected.length > 1; i++) {
            const a = rejected[Math.floor(random() * rejected.length)];
            const b = rejected[Math.floor(random() * rejected.length)];
            const both = { ...a, ...b };
            if (paramsRejected(spec, fixture, both)) rejected.push(both);
        }
        // Query parameters come from msg.params or, failing that, from msg.payload: try both ways in.
        rejected.forEach((c, i) => inputs.push(i % 5 === 4 ? { payload: c } : { params: c }));
    }
    // The msg properties the kit reads besides params: a good msg with one bad setting is refused, named.
    const settings: Msg[] = [-1, 0, 1e308, 'abc', {}, [5], nonUtf8(), Number.NaN].map((v) => ({ requestTimeout: v }));
    if (fixture.kind === 'query') {
        settings.push(...[-1, 1.5, 'x', {}, [3], true].map((v) => ({ maxRecords: v })));
        settings.push(...['bogus', 'ALL', {}, 42, ['all']].map((v) => ({ outputMode: v })));
    }
    for (const extra of settings) inputs.push({ ...fixture.validMsg(sim), ...extra });
    return inputs;
}

for (const fixture of FIXTURES) {
    describe(`hardening: ${fixture.type}`, function () {
        this.timeout(120000);
        let sim: SimServer;
        const outputs = outputsOf(fixture.kind);

        beforeEach(async () => {
            sim = fixture.sim();
            await sim.start();
        });
        afterEach(async () => {
            await helper.unload();
            await sim.stop();
        });

        it('bad input: a few hundred generated invalid inputs each get a clear error naming a field, nothing is sent, Node-RED stays up', async () => {
            await load(fixture.modules, flowOf(fixture, sim), { c1: fixture.credentials });
            const spec = specOf(fixture);
            const known = fieldNames(spec.requestSchema, fieldNames(fixture.kind === 'write' ? spec.recordSchema : {}, new Set(['payload', 'params', 'requestTimeout', 'maxRecords', 'outputMode'])));
            const inputs = badInputs(fixture, sim);
            should(inputs.length).be.within(200, 600);
            const kinds = new Set<string>();
            for (const msg of inputs) {
                const r = await send('n1', msg, outputs);
                const errors = errorsOf(r);
                should(errors.length).be.above(0, `no error for ${summarize(msg)}`);
                for (const e of errors) {
                    should(namesField(e, known)).equal(true, `error "${e.message.slice(0, 200)}" names no field, for ${summarize(msg)}`);
                    kinds.add(String(e.kind));
                }
                should(r.outputs[0]).have.length(0, `output 1 got something for ${summarize(msg)}`);
                // Every record of a refused batch is accounted for: the whole msg at Catch, or each record on output 2.
                if (!r.caught && Array.isArray(msg.payload)) should(r.outputs[1]).have.length(msg.payload.length);
            }
            should([...kinds]).eql(['validation']);
            should(dataCalls(fixture, sim)).equal(0);
            should(({} as any).polluted).be.undefined();
            should((Object.prototype as any).polluted).be.undefined();
            // Node-RED is still up and the node still works.
            const ok = await send('n1', fixture.validMsg(sim), outputs);
            should(ok.caught).be.undefined();
            should(ok.outputs[0].length).be.above(0);
        });

        for (const bad of MALFORMED) {
            it(`malformed answer: ${bad.name} → a classified error, no crash, no hang${fixture.kind === 'write' ? ', the write not sent again' : ''}`, async () => {
                await load(fixture.modules, flowOf(fixture, sim), { c1: fixture.credentials });
                // Enough to outlast the retries of a data call (logins are left alone).
                sim.inject({ type: 'http', status: 200, body: bad.body, headers: bad.headers }, 10, (req) => (fixture.isDataCall ? fixture.isDataCall(req) : true));
                const msg = fixture.validMsg(sim);
                const r = await send('n1', msg, outputs);
                const errors = errorsOf(r);
                should(errors.length).be.above(0, 'a malformed answer passed for a success');
                for (const e of errors) should(KINDS).containEql(e.kind);
                // Nothing is taken for a result: no empty page, no "saved".
                should(r.outputs[0]).have.length(0);
                if (fixture.kind === 'write') {
                    // The request left and its answer is unreadable: it may have been processed, so it is not repeated.
                    should(dataCalls(fixture, sim)).equal(1);
                    const records = Array.isArray(msg.payload) ? msg.payload.length : 1;
                    if (!r.caught) should(r.outputs[1]).have.length(records);
                } else {
                    should(dataCalls(fixture, sim)).be.within(1, 3);
                }
                sim.clearFaults();
                const ok = await send('n1', fixture.validMsg(sim), outputs);
                should(ok.caught).be.undefined();
                should(ok.outputs[0].length).be.above(0);
            });
        }

        it('test-connection route: hostile bodies get a JSON answer naming a setting, never a crash or a hang', async () => {
            await load(fixture.modules, flowOf(fixture, sim), { c1: fixture.credentials });
            const hostile: unknown[] = [
                'text',
                [],
                { config: 'text' },
                { config: [1, 2] },
                { config: null, credentials: 'text' },
                { credentials: [1] },
                JSON.parse('{"__proto__":{"polluted":true},"config":{"__proto__":{"polluted":true}},"credentials":{"constructor":{"prototype":{"polluted":true}}}}'),
                { id: { $ne: 1 } },
                { id: 'no-such-node', config: {} },
                { config: { ...fixture.config(sim), timeout: -5, rps: 'x', maxRetries: 1e9 }, credentials: { [Object.keys(fixture.credentials)[0]]: 'x'.repeat(100000) } },
            ];
            for (const body of hostile) {
                const res = await helper.request().post(`/cn-erp/${fixture.configType}/test`).send(body as object).timeout(25000);
                should(res.status).equal(200);
                should(res.body.ok).equal(false, `accepted ${summarize(body)}`);
                should(res.body.message).match(/\w+: /);
            }
            should(({} as any).polluted).be.undefined();
            // The route still works.
            const ok = await helper.request().post(`/cn-erp/${fixture.configType}/test`).send({ config: fixture.config(sim), credentials: fixture.credentials }).expect(200);
            should(ok.body.ok).equal(true);
        });

        const isLogin = fixture.isLogin;
        if (isLogin) {
            for (const bad of MALFORMED) {
                it(`malformed login answer: ${bad.name} → a classified error for each msg, no crash, no hang, no data sent`, async () => {
                    await load(fixture.modules, flowOf(fixture, sim), { c1: fixture.credentials });
                    sim.inject({ type: 'http', status: 200, body: bad.body, headers: bad.headers }, 20, isLogin);
                    for (let i = 0; i < 2; i++) {
                        const r = await send('n1', fixture.validMsg(sim), outputs);
                        const errors = errorsOf(r);
                        should(errors.length).be.above(0, 'a malformed login answer passed for a session');
                        for (const e of errors) should(KINDS).containEql(e.kind);
                        should(r.outputs[0]).have.length(0);
                    }
                    should(dataCalls(fixture, sim)).equal(0);
                    // Not hammered: at most one login and its retries per msg.
                    should(sim.requests.filter(isLogin).length).be.within(1, 6);
                });
            }
        }

        if (fixture.kind === 'write') {
            it('answer lost after the vendor processed the write → reported as possibly processed, not sent again', async () => {
                await load(fixture.modules, flowOf(fixture, sim), { c1: fixture.credentials });
                sim.inject({ type: 'reset-after-processing' }, 10, (req) => (fixture.isDataCall ? fixture.isDataCall(req) : true));
                const r = await send('n1', fixture.validMsg(sim), outputs);
                should(dataCalls(fixture, sim)).equal(1);
                should(r.outputs[0]).have.length(0);
                const errors = errorsOf(r);
                should(errors).have.length(1);
                should(errors[0].kind).equal('transient');
                should(errors[0].message).match(/may have been processed/);
            });
        }

        it('bad input: a part of the msg that cannot be read (a getter that throws) → Catch naming it, no crash; a BigInt beside a node setting is no crash either', async () => {
            await load(fixture.modules, flowOf(fixture, sim), { c1: fixture.credentials });
            const unhandled: unknown[] = [];
            const onUnhandled = (e: unknown) => unhandled.push(e);
            process.on('unhandledRejection', onUnhandled);
            try {
                const evil = <T extends object>(o: T): T => Object.defineProperty(o, 'evil', { enumerable: true, get: () => { throw new Error('getter boom'); } });
                const valid = fixture.validMsg(sim);
                const cases: Array<[Msg, RegExp]> = [[{ ...valid, params: evil({ ...(valid.params ?? {}) }) }, /params\.evil: cannot be read \(getter boom\)/]];
                if (fixture.kind === 'write') {
                    cases.push([{ payload: evil({ ...valid.payload }) }, /payload\.evil: cannot be read/]);
                    cases.push([{ payload: [valid.payload, { nested: [evil({})] }] }, /payload\[1\]\.nested\[0\]\.evil: cannot be read/]);
                }
                for (const [msg, reason] of cases) {
                    const r = await send('n1', msg, outputs);
                    should(r.caught).not.be.undefined();
                    should(String(r.caught!.error.message)).match(reason);
                    should(r.caught!._error).match({ kind: 'validation' });
                    should(r.outputs[0]).have.length(0);
                }
                // A BigInt in msg.params for a parameter the node itself sets: the node's value is used, as for any value.
                const set = Object.keys(fixture.node?.params ?? {}).find((k) => fixture.node!.params[k].value !== '');
                if (set) {
                    const r = await send('n1', { ...fixture.validMsg(sim), params: { [set]: 10n } }, outputs);
                    should(r.caught).be.undefined();
                    should(r.outputs[0].length).be.above(0);
                }
                await new Promise((r) => setImmediate(r));
                should(unhandled).have.length(0, `uncaught: ${unhandled.map(String).join('; ')} (Node-RED stops on these)`);
                const ok = await send('n1', fixture.validMsg(sim), outputs);
                should(ok.caught).be.undefined();
                should(ok.outputs[0].length).be.above(0);
            } finally {
                process.removeListener('unhandledRejection', onUnhandled);
            }
        });

        if (fixture.kind === 'write') {
            it('bad input: NaN, Infinity or a BigInt in a field, listed in the schema or not (a sum over a missing amount in a function node) → that record on output 2 naming the field, none of it sent; the others written', async () => {
                await load(fixture.modules, flowOf(fixture, sim), { c1: fixture.credentials });
                const cases: Array<[unknown, RegExp]> = [
                    [Number.NaN, /^zzAmount: must be a finite number, not NaN; not sent$/],
                    [-Infinity, /^zzAmount: must be a finite number, not -Infinity; not sent$/],
                    [12n, /^zzAmount: must be a number or text, not a BigInt \(12n\)/],
                ];
                for (const [value, reason] of cases) {
                    sim.requests.length = 0;
                    const good = fixture.validMsg(sim).payload;
                    const bad = { ...fixture.validMsg(sim).payload, zzAmount: value };
                    const r = await send('n1', { payload: [bad, good] }, outputs);
                    should(r.caught).be.undefined();
                    should(r.outputs[1]).have.length(1, `${String(value)} was not refused`);
                    should(r.outputs[1][0]).match({ recordIndex: 0, error: { kind: 'validation', code: 'INVALID_RECORD', field: 'zzAmount' } });
                    should(String(r.outputs[1][0].error.message)).match(reason);
                    should(r.outputs[0]).have.length(1);
                    should(r.outputs[0][0].payload).have.length(1);
                    // Only the good record went out: the bad one's marker is in no request (NaN would have gone as null).
                    should(sim.requests.some((q) => /zzAmount/.test(q.body))).be.false(`a request carried the record with ${String(value)}`);
                }
            });
        }

        const textParams = Object.entries<any>(specOf(fixture).requestSchema.properties ?? {}).filter(([, p]) => p.type === 'string' && !p.enum).map(([n]) => n);
        if (textParams.length > 0) it("bad input: a name of Object.prototype's ('constructor', '__proto__') for any text parameter → the vendor's refusal or an error naming a field, never a TypeError of ours", async () => {
            const spec = specOf(fixture);
            const known = fieldNames(spec.requestSchema, fieldNames(fixture.kind === 'write' ? spec.recordSchema : {}, new Set(['params'])));
            for (const name of textParams) {
                for (const value of ['constructor', '__proto__']) {
                    // Set where the node reads it: in the node when the fixture sets it there (the node's setting wins), else in msg.params.
                    const inNode = fixture.node?.params?.[name] !== undefined;
                    const flow = flowOf(fixture, sim);
                    if (inNode) flow.find((n) => n.id === 'n1')!.params = { ...fixture.node!.params, [name]: { value, type: 'str' } };
                    await load(fixture.modules, flow, { c1: fixture.credentials });
                    const valid = fixture.validMsg(sim);
                    const msg = inNode ? valid : { ...valid, params: { ...(valid.params ?? {}), [name]: value } };
                    // Twice: a write's second time takes the paths of a record already written (a duplicate, a source already pushed).
                    for (let i = 0; i < 2; i++) {
                        const r = await send('n1', structuredClone(msg), outputs);
                        for (const e of errorsOf(r)) {
                            const what = `error "${e.message.slice(0, 200)}" for ${name} = '${value}'`;
                            should(e.message).not.match(/is not a function|Cannot read propert|Cannot convert|UNEXPECTED/, what);
                            if (e.kind !== 'business') should(namesField(e, known)).equal(true, `${what} names no field`);
                        }
                        if (r.caught) should(caughtCode(r.caught)).not.equal('UNEXPECTED');
                    }
                    await helper.unload();
                }
            }
        });

        if (fixture.kind === 'query') {
            it('bad input: 2^60 for any parameter (a page number, a time) → an error naming it or a read that ends, never a hang or a crash', async () => {
                await load(fixture.modules, flowOf(fixture, sim), { c1: fixture.credentials });
                const valid = fixture.validMsg(sim);
                const known = fieldNames(specOf(fixture).requestSchema, new Set(['params']));
                for (const name of Object.keys(specOf(fixture).requestSchema.properties ?? {})) {
                    const msg = { ...valid, params: { ...(valid.params ?? {}), [name]: 2 ** 60 } };
                    // A page number past 2^53 has no next number (n + 1 === n): the read asked for the same page for ever.
                    const r = await send('n1', msg, outputs, 8000);
                    // The node's own refusals name the parameter (the vendor's refusal of a filter text is its own).
                    for (const e of errorsOf(r)) if (e.kind !== 'business') should(namesField(e, known)).equal(true, `error "${e.message.slice(0, 200)}" names no field, for ${name} = 2^60`);
                }
            });
        }

        const variants = [{ name: 'default settings', config: () => ({}), sim: undefined as undefined | (() => SimServer) }, ...(fixture.variants ?? [])];
        for (const variant of variants) {
            it(`secrets (${variant.name}): right or wrong, never in GET /flows, the credentials view, logs, status, outputs, errors or the test-connection answer`, async () => {
                if (variant.sim) {
                    await sim.stop();
                    sim = variant.sim();
                    await sim.start();
                }
                const secrets = fixture.credentials;
                const wrong = wrongCredentials(secrets);
                const config = { ...fixture.config(sim), ...variant.config(sim) };
                const route = `/cn-erp/${fixture.configType}/test`;
                const blank = Object.fromEntries(Object.keys(secrets).map((k) => [k, '__PWRD__']));
                const seen = new Sightings();
                // What the editor gets of a deployed config node: the exported flow (v1 and v2) and has_<field> flags.
                const editorView = async () => {
                    const flows = await helper.request().get('/flows').expect(200);
                    should(flows.body.map((n: Msg) => n.id)).containDeep(['c1', 'n1']);
                    seen.push(flows.body, (await helper.request().get('/flows').set('Node-RED-API-Version', 'v2').expect(200)).body);
                    const view = (await helper.request().get(`/credentials/${fixture.configType}/c1`).expect(200)).body;
                    for (const name of Object.keys(secrets)) {
                        should(view).have.property(`has_${name}`, true);
                        should(view).not.have.property(name);
                    }
                    seen.push(view);
                };
                // Every log line at every level (the helper's spy on Node-RED's log), and every status, before unload.
                try {
                    // The right credentials: a success, a malformed answer, bad input.
                    await load(fixture.modules, flowOf(fixture, sim, variant.config(sim)), { c1: secrets });
                    mountAdminApi();
                    const ok = await send('n1', fixture.validMsg(sim), outputs);
                    should(ok.caught).be.undefined();
                    should(ok.outputs[0].length).be.above(0);
                    seen.push(ok);
                    sim.inject({ type: 'http', status: 200, body: '<html>oops</html>' }, 10, (req) => (fixture.isDataCall ? fixture.isDataCall(req) : true));
                    seen.push(await send('n1', fixture.validMsg(sim), outputs));
                    sim.clearFaults();
                    // Connections cut, logins included (a fresh deploy: no session yet): the network error carries
                    // the request it failed on, login body and all.
                    seen.collect();
                    await helper.unload();
                    await load(fixture.modules, flowOf(fixture, sim, variant.config(sim)), { c1: secrets });
                    mountAdminApi();
                    sim.inject({ type: 'reset' }, 20);
                    const cut = await send('n1', fixture.validMsg(sim), outputs);
                    should(errorsOf(cut).length).be.above(0);
                    seen.push(cut);
                    sim.clearFaults();
                    seen.push(await send('n1', fixture.kind === 'write' ? { payload: 'bad' } : { params: { [Object.keys(specOf(fixture).requestSchema.properties)[0]]: { bad: true } } }, outputs));
                    // The test-connection route: the dialog's values right and wrong, and the stored credentials
                    // (each click a login, as many as Maycur allows an app in a minute).
                    aMinuteAfterTheLogins();
                    const answers = [
                        await helper.request().post(route).send({ config, credentials: secrets }).expect(200),
                        await helper.request().post(route).send({ config, credentials: wrong }).expect(200),
                        await helper.request().post(route).send({ id: 'c1', config, credentials: blank }).expect(200),
                    ].map((res) => res.body);
                    should(answers.map((a) => a.ok)).eql([true, false, true]);
                    seen.push(answers);
                    await editorView();
                    seen.collect();
                    await helper.unload();

                    // Wrong credentials: a failing login / refused signature, twice (the second may be refused from
                    // memory of the first), and the route with the stored wrong ones.
                    aMinuteAfterTheLogins();
                    await load(fixture.modules, flowOf(fixture, sim, variant.config(sim)), { c1: wrong });
                    mountAdminApi();
                    for (let i = 0; i < 2; i++) {
                        const failed = await send('n1', fixture.validMsg(sim), outputs);
                        should(errorsOf(failed).length).be.above(0, 'wrong credentials were accepted');
                        should(failed.outputs[0]).have.length(0);
                        seen.push(failed);
                    }
                    const stored = (await helper.request().post(route).send({ id: 'c1', config, credentials: blank }).expect(200)).body;
                    should(stored.ok).equal(false);
                    seen.push(stored);
                    await editorView();
                    seen.collect();
                } finally {
                    seen.restore();
                }
                const all = seen.text();
                should(all).match(new RegExp(fixture.type));
                shouldNotLeak(all, [...Object.entries(secrets), ...Object.entries(wrong).map(([k, v]): [string, string] => [`wrong ${k}`, v])]);
            });
        }

        for (const variant of variants) {
            it(`secrets (${variant.name}): an answer quoting the request back (its body, URL or headers) carries no credential or session id into errors, logs or the test-connection answer`, async () => {
                if (variant.sim) {
                    await sim.stop();
                    sim = variant.sim();
                    await sim.start();
                }
                const secrets = fixture.credentials;
                const config = { ...fixture.config(sim), ...variant.config(sim) };
                const route = `/cn-erp/${fixture.configType}/test`;
                const seen = new Sightings();
                const isData = (req: any) => (fixture.isDataCall ? fixture.isDataCall(req) : true);
                const echoes = ([400, 500, 200] as const).flatMap((status) => (['body', 'url', 'headers'] as const).map((part) => ({ type: 'echo' as const, status, part })));
                try {
                    await load(fixture.modules, flowOf(fixture, sim, variant.config(sim)), { c1: secrets });
                    mountAdminApi();
                    const ok = await send('n1', fixture.validMsg(sim), outputs);
                    should(ok.caught).be.undefined();
                    for (const echo of echoes) {
                        // A data call answered so by the node (its session in place), and a whole test connection (its
                        // login first): nine logins or more, faster than Maycur allows an app.
                        aMinuteAfterTheLogins();
                        sim.inject(echo, 10, isData);
                        const r = await send('n1', fixture.validMsg(sim), outputs);
                        should(errorsOf(r).length).be.above(0, `an echo (${echo.status}, ${echo.part}) passed for a success`);
                        seen.push(r);
                        sim.clearFaults();
                        sim.inject(echo, 10);
                        const answer = (await helper.request().post(route).send({ config, credentials: secrets }).expect(200)).body;
                        seen.push(answer);
                        sim.clearFaults();
                    }
                    seen.collect();
                    // The node's own login answered so (a fresh deploy: no session yet).
                    for (const echo of echoes.filter((e) => e.status !== 200)) {
                        aMinuteAfterTheLogins();
                        await helper.unload();
                        await load(fixture.modules, flowOf(fixture, sim, variant.config(sim)), { c1: secrets });
                        sim.inject(echo, 10);
                        seen.push(await send('n1', fixture.validMsg(sim), outputs));
                        sim.clearFaults();
                        seen.collect();
                    }
                } finally {
                    seen.restore();
                }
                const all = seen.text();
                should(all).match(new RegExp(fixture.type));
                shouldNotLeak(all, [...Object.entries(secrets), ...sessionIds(sim)]);
            });
        }

        if (isLogin) {
            it('secrets: a session refused again after a new login → no session id in Catch, the error the node reports, the log or status', async () => {
                const seen = new Sightings();
                try {
                    await load(fixture.modules, flowOf(fixture, sim), { c1: fixture.credentials });
                    should((await send('n1', fixture.validMsg(sim), outputs)).caught).be.undefined();
                    // Every data call answered "session lost": the node logs in again once, and the new session is refused too.
                    sim.inject({ type: 'vendor', name: 'session-expired' }, 10, (req) => (fixture.isDataCall ? fixture.isDataCall(req) : true));
                    const r = await send('n1', fixture.validMsg(sim), outputs);
                    should(errorsOf(r).map((e) => e.kind)).containEql('auth');
                    should(sim.requests.filter(isLogin).length).equal(2);
                    seen.push(r);
                    seen.collect();
                } finally {
                    seen.restore();
                }
                const all = seen.text();
                should(all).match(new RegExp(fixture.type));
                const sessions = sessionIds(sim);
                should(new Set(sessions.map(([, v]) => v)).size).equal(2);
                shouldNotLeak(all, [...Object.entries(fixture.credentials), ...sessions]);
            });
        }
    });
}

/**
 * What a secrets test saw: the console (watched from construction to restore()), the runtime log and node n1's status
 * and log calls (collect()), and whatever the test adds (push()); text() is all of it as one text for the leak checks.
 */
class Sightings {
    private readonly seen: unknown[] = [];
    private readonly consoleSpies = (['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((m) => sinon.spy(console, m));

    push(...values: unknown[]): void {
        this.seen.push(...values);
    }

    collect(): void {
        this.seen.push((helper.log() as SinonSpy).args, (helper.getNode('n1').status as SinonSpy).args);
        for (const method of ['warn', 'error', 'log', 'debug', 'trace'] as const) this.seen.push((helper.getNode('n1')[method] as SinonSpy).args);
    }

    /** Stops watching the console, keeping what it printed. */
    restore(): void {
        for (const spy of this.consoleSpies) {
            this.seen.push(spy.args);
            spy.restore();
        }
    }

    text(): string {
        return this.seen.map((s) => safeJson(s)).join('\n');
    }
}

/**
 * Derived credentials: the session ids and tokens the client sent (Kingdee's session, Maycur's tokenId), and Kingdee's
 * X-Kd-Signature (API-signature mode): no timestamp goes into it, so with the app id and app data sent beside it in
 * clear it authenticates any request for as long as the app secret is valid.
 */
function sessionIds(sim: SimServer): Array<[string, string]> {
    const derived: Array<[string, string]> = [];
    for (const req of sim.requests) {
        for (const h of ['kdservice-sessionid', 'tokenid', 'x-kd-signature']) {
            const v = req.headers[h];
            if (typeof v === 'string' && v.length >= 8) derived.push([`${h === 'x-kd-signature' ? 'signature' : 'session'} header ${h}`, v]);
        }
    }
    return derived;
}

/** Fails naming the first credential found in `text`, in any form a request or an answer may carry it. */
function shouldNotLeak(text: string, credentials: Array<[string, string]>): void {
    for (const [name, value] of credentials) {
        for (const form of new Set([value, encodeURIComponent(value), Buffer.from(value).toString('base64'), JSON.stringify(value).slice(1, -1)])) {
            should(text.includes(form)).equal(false, `credential ${name} leaked (as "${form}")`);
        }
    }
}

describe('hardening: erp-mapper', function () {
    this.timeout(60000);
    afterEach(() => helper.unload());

    // Seed 002's source (a Guanyi return) as a schema, so the generator knows which fields the mapping reads.
    const SOURCE_SCHEMA = {
        type: 'object',
        required: ['code', 'details'],
        properties: {
            ...Object.fromEntries(['id', 'reason', 'receive_date', 'shop_name', 'shop_code', 'platform_code'].map((k) => [k, { type: 'string' }])),
            code: { type: 'string', minLength: 1 },
            details: {
                type: 'array',
                minItems: 1,
                items: { type: 'object', required: ['sku_code', 'qty'], properties: { sku_code: { type: 'string', minLength: 1 }, qty: { type: 'string' }, price: { type: 'string' }, amount: { type: 'string' }, note: { type: 'string' } } },
            },
        },
    };

    it('bad input: a few hundred invalid source records → output 2 naming a target field (or Catch), output 1 only valid target records, no crash', async () => {
        const fx = mapperFixture(2);
        await load([jingchengConfig, jingchengRecv, erpMapper], withProbes([{ id: 'n1', type: 'erp-mapper', z: 'f1', target: 'jingcheng-recv', mapping: JSON.stringify(fx.mapping) }], 'n1', 2));
        const targetValid = compileRecordSchema((jingchengRecv as any).spec.recordSchema);
        // A record that is not an object at all is named as the record itself: "(root)".
        const known = fieldNames((jingchengRecv as any).spec.recordSchema, new Set(['(root)']));
        const records = invalidObjects(SOURCE_SCHEMA, 300, 5);
        // First of all, while the runtime is cold: a payload far deeper than any record (it used to vanish).
        let tower: unknown = { leaf: true };
        for (let i = 0; i < 5000; i++) tower = { nested: tower };
        const inputs: unknown[] = [tower, [tower], ...records, records.slice(0, 40), 'text', 42, null, true, undefined, nonUtf8(), 'x'.repeat(2 * 1024 * 1024)];
        let failedRecords = 0;
        for (const payload of inputs) {
            const r = await send('n1', { payload }, 2);
            const count = Array.isArray(payload) ? payload.length : 1;
            if (r.caught) {
                should(String(r.caught.error?.message ?? '')).match(/^(Error: )?erp-mapper: payload: /);
                should(r.outputs[0]).have.length(0);
                continue;
            }
            const mapped: unknown[] = r.outputs[0].length ? (Array.isArray(payload) ? r.outputs[0][0].payload : [r.outputs[0][0].payload]) : [];
            // Every record leaves once: mapped on output 1 or failed on output 2.
            should(mapped.length + r.outputs[1].length).equal(count, `records lost or doubled for ${summarize(payload)}`);
            for (const m of mapped) should(targetValid(m)).equal(true, `output 1 holds an invalid target record ${summarize(m)} for ${summarize(payload)}`);
            for (const f of r.outputs[1]) {
                failedRecords++;
                should(f.error).match({ system: 'mapper', kind: 'validation' });
                should(namesField({ message: String(f.error.message), field: f.error.field }, known)).equal(true, `error "${f.error.message}" names no field`);
            }
            // Text, numbers, bytes and nothing are not records: they never come out as mapped.
            if (!isPlain(payload) && !Array.isArray(payload)) should(mapped).have.length(0, `${summarize(payload)} was mapped`);
        }
        should(failedRecords).be.above(150);
        should(({} as any).polluted).be.undefined();
        const ok = await send('n1', { payload: fx.source }, 2);
        should(ok.outputs[0][0].payload).eql(fx.expected);
    });
});

describe('hardening: erp-mapper unreadable input', function () {
    this.timeout(30000);
    afterEach(() => helper.unload());

    it('a record with a getter that throws → Catch naming it, no uncaught error (Node-RED stops on those)', async () => {
        const fx = mapperFixture(2);
        await load([jingchengConfig, jingchengRecv, erpMapper], withProbes([{ id: 'n1', type: 'erp-mapper', z: 'f1', target: 'jingcheng-recv', mapping: JSON.stringify(fx.mapping) }], 'n1', 2));
        const unhandled: unknown[] = [];
        const onUnhandled = (e: unknown) => unhandled.push(e);
        process.on('unhandledRejection', onUnhandled);
        try {
            const record = Object.defineProperty({ ...fx.source }, 'evil', { enumerable: true, get: () => { throw new Error('getter boom'); } });
            const r = await send('n1', { payload: [fx.source, record] }, 2);
            should(r.caught).not.be.undefined();
            should(String(r.caught!.error.message)).match(/payload\[1\]\.evil: cannot be read \(getter boom\)/);
            should(r.outputs[0]).have.length(0);
            await new Promise((res) => setImmediate(res));
            should(unhandled).have.length(0);
        } finally {
            process.removeListener('unhandledRejection', onUnhandled);
        }
        const ok = await send('n1', { payload: fx.source }, 2);
        should(ok.outputs[0][0].payload).eql(fx.expected);
    });
});

describe('hardening: erp-mapper runaway JSONata', function () {
    this.timeout(30000);
    afterEach(() => helper.unload());

    it('endless recursion or an endless tail call in a rule fails the record on output 2 with the reason; the runtime keeps running', async () => {
        const mapping = { fields: { id: { path: 'id', required: true }, deep: { jsonata: '($f := function($x){ 1 + $f($x) }; $f(1))' }, loop: { jsonata: '($g := function($x){ $g($x) }; $g(1))' } } };
        await load([erpMapper], withProbes([{ id: 'n1', type: 'erp-mapper', z: 'f1', target: '', mapping: JSON.stringify(mapping) }], 'n1', 2));
        // A timer that must still fire while the mapping runs: the event loop is not starved.
        let ticks = 0;
        const timer = setInterval(() => ticks++, 100);
        const r = await send('n1', { payload: { id: 'A1' } }, 2, 20000).finally(() => clearInterval(timer));
        should(r.caught).be.undefined();
        should(r.outputs[0]).have.length(0);
        should(r.outputs[1]).have.length(1);
        const reasons = r.outputs[1][0].error.errors.map((e: Msg) => `${e.field}: ${e.reason}`);
        should(reasons).containDeep(['deep: JSONata failed: Stack overflow. Check for non-terminating recursive function.  Consider rewriting as tail-recursive']);
        should(reasons.some((x: string) => /^loop: JSONata failed: Evaluation timeout/.test(x))).be.true();
        should(ticks).be.above(0);
    });
});

describe('hardening: erp-mapper preview route', function () {
    this.timeout(30000);
    afterEach(() => helper.unload());

    it('hostile bodies get a JSON answer (400 with the reason, or results), never a crash or a hang', async () => {
        const fx = mapperFixture(2);
        await load([jingchengConfig, jingchengRecv, erpMapper], withProbes([{ id: 'n1', type: 'erp-mapper', z: 'f1', target: 'jingcheng-recv', mapping: JSON.stringify(fx.mapping) }], 'n1', 2));
        const mapping = JSON.stringify(fx.mapping);
        const hostile: unknown[] = [
            'text',
            [],
            { mapping: 'not json' },
            { mapping: 42 },
            { mapping: { fields: 'x' } },
            { mapping: { fields: { a: { jsonata: '$$$(' } } } },
            { mapping: { fields: { a: { path: '__proto__.polluted' } } } },
            { mapping, target: { $ne: 1 }, sample: {} },
            { mapping, sample: '{"broken":' },
            { mapping, sample: JSON.parse('{"__proto__":{"polluted":true}}') },
            { mapping, sample: Array.from({ length: 5000 }, () => fx.source) },
            { mapping, sample: 'x'.repeat(1024 * 1024) },
        ];
        for (const body of hostile) {
            const res = await helper.request().post('/cn-erp/mapper/preview').send(body as object).timeout(25000);
            should([200, 400]).containEql(res.status);
            if (res.status === 400) should(res.body.error).match(/\w/);
            else should(res.body.results).be.an.Array();
        }
        should(({} as any).polluted).be.undefined();
        // A runaway expression is stopped and reported (unbounded, it starved the event loop: the runtime froze).
        const runaway = await helper.request().post('/cn-erp/mapper/preview').send({ mapping: { fields: { a: { jsonata: '($f := function($x){ 1 + $f($x) }; $f(1))' } } }, sample: {} }).timeout(25000).expect(200);
        should(runaway.body.results[0].errors[0]).match({ field: 'a', reason: /JSONata failed: Stack overflow/ });
        const ok = await helper.request().post('/cn-erp/mapper/preview').send({ mapping, sample: fx.source }).expect(200);
        should(ok.body.results[0]).match({ ok: true, record: fx.expected });
    });
});

describe('hardening: qeasy-callback secrets', function () {
    this.timeout(30000);
    // The test helper serves only the admin app: a capture node hands over RED.httpNode so the test can serve it.
    let httpNode: any;
    const captureHttpNode = (RED: any) => {
        httpNode = RED.httpNode;
    };
    let server: http.Server | undefined;
    afterEach(async () => {
        await helper.unload();
        await new Promise((r) => (server ? server.close(() => r(undefined)) : r(undefined)));
        server = undefined;
    });

    for (const auth of ['hmac', 'token'] as const) {
        it(`qeasy-config's secret (${auth} mode), right or wrong, never in GET /flows, the credentials view, logs, status, msgs, answers or the settings check`, async () => {
            const SECRET = 'qeasy-hardening-secret-5b8e21';
            const WRONG = 'qeasy-wrong-secret-0c4f77a1';
            const flow = [
                { id: 'f1', type: 'tab' },
                { id: 'c1', type: 'qeasy-config', auth },
                { id: 'c2', type: 'qeasy-config', auth },
                { id: 'n1', type: 'qeasy-callback', z: 'f1', config: 'c1', path: '/hardening/right', wires: [['out']] },
                { id: 'n2', type: 'qeasy-callback', z: 'f1', config: 'c2', path: '/hardening/wrong', wires: [['out']] },
                { id: 'out', type: 'helper', z: 'f1' },
            ];
            const seen = new Sightings();
            try {
                await load([captureHttpNode, qeasyConfig, qeasyCallback], flow, { c1: { secret: SECRET }, c2: { secret: WRONG } });
                mountAdminApi();
                const received: Msg[] = [];
                helper.getNode('out').on('input', (m: Msg) => received.push(m));
                const app = express();
                app.use('/api', httpNode);
                server = http.createServer(app);
                await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
                const base = `http://127.0.0.1:${(server!.address() as AddressInfo).port}/api`;
                const post = async (url: string, body: string, secret: string) => {
                    const ts = Math.floor(Date.now() / 1000);
                    const headers: Record<string, string> = auth === 'hmac' ? { 'X-Timestamp': String(ts), 'X-Signature': qeasySignature(secret, ts, body) } : { 'X-Token': secret };
                    const res = await fetch(base + url, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers } });
                    return { status: res.status, contentType: res.headers.get('content-type'), body: await res.text() };
                };
                const order = (tid: string) => JSON.stringify({ shop_no: 'SHOP01', tid, trade_status: '30', order_list: [{ oid: `${tid}-1`, num: '1', price: '1.00', spec_no: 'G001-RED' }] });
                const answers = [
                    await post('/hardening/right', order('TQ-1'), SECRET),
                    await post('/hardening/right', order('TQ-2'), WRONG),
                    await post('/hardening/wrong', order('TQ-3'), SECRET),
                    await post('/hardening/wrong', order('TQ-4'), WRONG),
                    await post('/hardening/right', '{"tid":', SECRET),
                ];
                should(answers.map((a) => a.status)).eql([200, 401, 401, 200, 400]);
                await new Promise((r) => setImmediate(() => setImmediate(r)));
                should(received.map((m) => m.payload.tid)).eql(['TQ-1', 'TQ-4']);
                seen.push(answers, received.map((m) => ({ ...m, callback: { ...m.callback } })));
                const route = '/cn-erp/qeasy-config/test';
                const checks = [
                    await helper.request().post(route).send({ config: { auth }, credentials: { secret: SECRET } }).expect(200),
                    await helper.request().post(route).send({ config: { auth }, credentials: { secret: 'short' } }).expect(200),
                    await helper.request().post(route).send({ id: 'c1', config: { auth }, credentials: { secret: '__PWRD__' } }).expect(200),
                    await helper.request().post(route).send({ id: 'c2', config: { auth }, credentials: { secret: '__PWRD__' } }).expect(200),
                ].map((r) => r.body);
                should(checks.map((c) => c.ok)).eql([true, false, true, true]);
                seen.push(checks);
                const flows = await helper.request().get('/flows').expect(200);
                should(flows.body.map((n: Msg) => n.id)).containDeep(['c1', 'c2', 'n1', 'n2']);
                seen.push(flows.body);
                for (const id of ['c1', 'c2']) {
                    const view = (await helper.request().get(`/credentials/qeasy-config/${id}`).expect(200)).body;
                    should(view).eql({ has_secret: true });
                    seen.push(view);
                }
                seen.push((helper.log() as SinonSpy).args, (helper.getNode('n1').status as SinonSpy).args);
            } finally {
                seen.restore();
            }
            const all = seen.text();
            should(all).match(/TQ-1/);
            for (const value of [SECRET, WRONG]) {
                for (const form of [value, encodeURIComponent(value), Buffer.from(value).toString('base64')]) should(all.includes(form)).equal(false, `secret leaked as "${form}"`);
            }
        });
    }
});

/** JSON text of anything, whatever its depth or cycles. */
function safeJson(value: unknown): string {
    const seen = new WeakSet<object>();
    try {
        return JSON.stringify(value, (_k, v) => {
            if (typeof v === 'object' && v !== null) {
                if (seen.has(v)) return '[cycle]';
                seen.add(v);
            }
            if (typeof v === 'bigint') return String(v);
            return v;
        });
    } catch {
        return String(value);
    }
}

/**
 * Cross-cutting promises, checked for every endpoint node in test/fixtures/systems.ts against its simulator:
 *  - bad input: a few hundred generated invalid inputs each get a clear error (Catch or output 2), Node-RED stays
 *    up, and nothing reaches the vendor;
 *  - malformed vendor answers (HTML error page, truncated JSON, the wrong format, empty body) give a classified
 *    error, never a crash;
 *  - secrets never appear in the exported flow, the editor's view of credentials, any log line, status, output or
 *    error.
 */
import should from 'should';
import type { SinonSpy } from 'sinon';
import { helper, load, run, withProbes, Msg, RunResult } from '../helpers/nodered';
import { FIXTURES, NodeFixture } from '../fixtures/systems';
import { invalidObjects } from '../fuzz/invalid-inputs';
import { compileParamsSchema, compileRecordSchema } from '../../nodes/core/validate';
import type { SimServer } from '../sim/harness';

const MALFORMED = [
    { name: 'an HTML error page', body: '<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>', headers: { 'Content-Type': 'text/html' } },
    { name: 'truncated JSON', body: '{"code":200,"result":{"data":[{"a":', headers: { 'Content-Type': 'application/json' } },
    { name: 'XML where JSON is expected (or JSON where XML is)', body: '<?xml version="1.0"?><response><flag>success</flag>', headers: { 'Content-Type': 'text/xml' } },
    { name: 'an empty body', body: '', headers: {} as Record<string, string> },
];

function summarize(msg: Msg): string {
    try {
        return JSON.stringify(msg).slice(0, 300);
    } catch {
        return '(too deep to print)';
    }
}

function specOf(fixture: NodeFixture): any {
    return (fixture.modules[1] as any).spec;
}

function outputsOf(kind: NodeFixture['kind']): number {
    return kind === 'query' ? 1 : 2;
}

async function loadFixture(fixture: NodeFixture, sim: SimServer): Promise<void> {
    const flow = [
        { id: 'c1', type: fixture.configType, ...fixture.config(sim) },
        { id: 'n1', type: fixture.type, z: 'f1', config: 'c1', params: {}, ...fixture.node },
    ];
    await load(fixture.modules, withProbes(flow, 'n1', outputsOf(fixture.kind)), { c1: fixture.credentials });
}

function dataCalls(fixture: NodeFixture, sim: SimServer): number {
    return sim.requests.filter((r) => (fixture.isDataCall ? fixture.isDataCall(r) : true)).length;
}

/** Every error a failed input produced, wherever it surfaced. */
function errorsOf(r: RunResult): string[] {
    const out: string[] = [];
    if (r.caught) out.push(String(r.caught.error?.message ?? ''));
    for (const m of r.outputs[1] ?? []) out.push(String(m.error?.message ?? ''));
    return out;
}

for (const fixture of FIXTURES) {
    describe(`hardening: ${fixture.type}`, function () {
        this.timeout(120000);
        let sim: SimServer;

        beforeEach(async () => {
            sim = fixture.sim();
            await sim.start();
        });
        afterEach(async () => {
            await helper.unload();
            await sim.stop();
        });

        it('gives every one of a few hundred invalid inputs a clear error and sends nothing', async () => {
            await loadFixture(fixture, sim);
            const spec = specOf(fixture);
            const inputs: Msg[] = [];
            if (fixture.kind === 'write') {
                const valid = compileRecordSchema(spec.recordSchema);
                const records = invalidObjects(spec.recordSchema, 300, 7).filter((r) => !valid(r));
                // Each record alone (a list as payload is a list of records, so lists go only in the batch), and all
                // of them in one message.
                for (const r of records.filter((x) => !Array.isArray(x)).slice(0, 150)) inputs.push({ payload: r });
                inputs.push({ payload: records });
                for (const p of ['text', 42, null, true]) inputs.push({ payload: p });
            } else {
                const valid = compileParamsSchema(spec.requestSchema);
                const candidates = invalidObjects({ ...spec.requestSchema, required: spec.requestSchema.required ?? [] }, 300, 11);
                for (const c of candidates) {
                    if (typeof c !== 'object' || c === null || Array.isArray(c)) continue;
                    let rejected: boolean;
                    try {
                        rejected = !valid(structuredClone(c));
                    } catch {
                        rejected = true; // too deep even to copy: hostile either way
                    }
                    if (rejected) inputs.push({ params: c });
                }
            }
            should(inputs.length).be.above(20);
            let handled = 0;
            for (const msg of inputs) {
                const r = await run('n1', msg, outputsOf(fixture.kind), 5000).catch((e: Error) => {
                    throw new Error(`${e.message} for input ${summarize(msg)}`);
                });
                const errors = errorsOf(r);
                should(errors.length).be.above(0, `no error for ${summarize(msg)}`);
                for (const e of errors) should(e).match(/\w+.*: /, `unclear error "${e}"`);
                should(r.outputs[0]).have.length(0);
                handled++;
            }
            should(handled).equal(inputs.length);
            should(dataCalls(fixture, sim)).equal(0);
            // Node-RED is still up and the node still works.
            const ok = await run('n1', fixture.validMsg(sim), outputsOf(fixture.kind));
            should(ok.caught).be.undefined();
            should(ok.outputs[0].length).be.above(0);
        });

        for (const bad of MALFORMED) {
            it(`classifies ${bad.name} from the vendor, without crashing`, async () => {
                await loadFixture(fixture, sim);
                // Enough to outlast the retries of a data call (logins are left alone).
                sim.inject({ type: 'http', status: 200, body: bad.body, headers: bad.headers }, 10, (req) => (fixture.isDataCall ? fixture.isDataCall(req) : true));
                const r = await run('n1', fixture.validMsg(sim), outputsOf(fixture.kind));
                const classified = r.caught ? r.caught.error?.cause?.kind : r.outputs[1]?.[0]?.error?.kind;
                should(['business', 'transient', 'validation', 'config', 'auth', 'rate-limit']).containEql(classified);
                sim.clearFaults();
                const ok = await run('n1', fixture.validMsg(sim), outputsOf(fixture.kind));
                should(ok.caught).be.undefined();
            });
        }

        it('never shows a secret in the deployed flow, logs, status, outputs or errors', async () => {
            await loadFixture(fixture, sim);
            const seen: string[] = [];
            const outputs = outputsOf(fixture.kind);
            seen.push(JSON.stringify(await run('n1', fixture.validMsg(sim), outputs)));
            sim.inject({ type: 'http', status: 200, body: '<html>oops</html>' }, 10, (req) => (fixture.isDataCall ? fixture.isDataCall(req) : true));
            seen.push(JSON.stringify(await run('n1', fixture.validMsg(sim), outputs)));
            sim.clearFaults();
            seen.push(JSON.stringify(await run('n1', fixture.kind === 'write' ? { payload: 'bad' } : { params: { __nonsense: 1 }, payload: 1 }, outputs)));
            // What the runtime would export (GET /flows serves this; the e2e test checks the HTTP route itself).
            seen.push(JSON.stringify(helper._RED.nodes.getFlows()));
            const logSpy = helper.log() as SinonSpy;
            seen.push(...logSpy.args.map((a) => JSON.stringify(a)));
            const status = helper.getNode('n1').status as SinonSpy;
            seen.push(...status.args.map((a) => JSON.stringify(a)));
            const all = seen.join('\n');
            should(all).match(new RegExp(fixture.type));
            for (const [name, secret] of Object.entries(fixture.credentials)) {
                should(all.includes(secret)).equal(false, `credential ${name} leaked`);
            }
        });
    });
}

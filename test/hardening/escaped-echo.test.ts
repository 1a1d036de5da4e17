/**
 * Issue 9 "Secrets", the echo as a real page or answer writes it: an HTML error page shows what it quotes
 * HTML-escaped (every template engine escapes what it shows: & < > " ' become &amp; &lt; &gt; &quot; &#39;), and a
 * JSON error of a .NET or Java server (K/3 Cloud is .NET) writes &, <, >, ', + and every character past ASCII as
 * \uXXXX. A password holding such characters (a password policy asks for a special character; a Chinese word) so
 * quoted is the password all the same, one unescape away: it must reach no error, log, status or Test connection
 * answer either. hardening.test.ts's echo quotes the request as it came, with credentials of letters and digits.
 */
import should from 'should';
import sinon from 'sinon';
import type { SinonSpy } from 'sinon';
import { helper, load, withProbes, aMinuteAfterTheLogins, Msg } from '../helpers/nodered';
import { FIXTURES, NodeFixture } from '../fixtures/systems';
import { htmlEscape, jsonAscii } from '../sim/harness';
import type { SimServer } from '../sim/harness';

const outputsOf = (kind: NodeFixture['kind']) => (kind === 'query' ? 1 : 2);

/** Each credential with the characters pages and serializers escape added: still one value to the client. */
function special(credentials: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(credentials).map(([k, v]) => [k, `${v}&<>"'+密码`]));
}

/** Every form of `value` an escaped echo shows (a JSON request body holds it JSON-escaped, quoted in a JSON error it is escaped twice). */
function escapedForms(value: string): string[] {
    const json = JSON.stringify(value).slice(1, -1);
    const forms = [value, json, htmlEscape(value), htmlEscape(json), jsonAscii(value), jsonAscii(json), encodeURIComponent(value)];
    // As the text looked in holds them: JSON (a msg, a log line, an answer of the admin API).
    return [...new Set(forms.flatMap((f) => [f, JSON.stringify(f).slice(1, -1)]))];
}

function run(id: string, msg: Msg, outputs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
        const got: unknown[] = [];
        const timer = setTimeout(() => reject(new Error(`node ${id} did not finish`)), 15000);
        const probes = [...Array.from({ length: outputs }, (_, i) => `${id}-out${i + 1}`), `${id}-caught`, `${id}-completed`];
        const listeners = probes.map((p) => {
            const fn = (m: Msg) => {
                got.push(m);
                if (p.endsWith('caught') || p.endsWith('completed')) {
                    clearTimeout(timer);
                    setImmediate(() => {
                        listeners.forEach(([n, f]) => n.removeListener('input', f));
                        resolve(got);
                    });
                }
            };
            const node = helper.getNode(p);
            node.on('input', fn);
            return [node, fn] as const;
        });
        helper.getNode(id).receive(msg);
    });
}

for (const fixture of FIXTURES) {
    describe(`secrets, escaped echo: ${fixture.configType} (${fixture.type})`, function () {
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

        it('an answer quoting the request HTML-escaped or \\u-escaped carries no credential into errors, logs, status or the Test connection answer', async () => {
            const secrets = special(fixture.credentials);
            const config = fixture.config(sim);
            const route = `/cn-erp/${fixture.configType}/test`;
            const outputs = outputsOf(fixture.kind);
            const flow = withProbes([
                { id: 'c1', type: fixture.configType, ...config },
                { id: 'n1', type: fixture.type, z: 'f1', config: 'c1', params: {}, ...fixture.node },
            ], 'n1', outputs);
            const seen: unknown[] = [];
            const consoleSpies = (['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((m) => sinon.spy(console, m));
            try {
                for (const escape of ['html', 'json'] as const) {
                    for (const status of [200, 400, 500]) {
                        for (const part of ['body', 'headers', 'url'] as const) {
                            // A fresh deploy (no session yet): the first request, a login where there is one, is answered so.
                            aMinuteAfterTheLogins();
                            await load(fixture.modules, flow, { c1: secrets });
                            sim.inject({ type: 'echo', status, part, escape }, 10);
                            seen.push(await run('n1', fixture.validMsg(sim), outputs));
                            sim.clearFaults();
                            sim.inject({ type: 'echo', status, part, escape }, 10);
                            seen.push((await helper.request().post(route).send({ config, credentials: secrets }).expect(200)).body);
                            sim.clearFaults();
                            seen.push((helper.log() as SinonSpy).args, (helper.getNode('n1').status as SinonSpy).args);
                            for (const m of ['warn', 'error', 'log'] as const) seen.push((helper.getNode('n1')[m] as SinonSpy).args);
                            await helper.unload();
                        }
                    }
                }
            } finally {
                for (const spy of consoleSpies) {
                    seen.push(spy.args);
                    spy.restore();
                }
            }
            const all = seen.map((s) => JSON.stringify(s)).join("\n");
            // The echo reached what was looked at: the quoted page is in the errors.
            should(all).match(/request refused/);
            for (const [name, value] of Object.entries(secrets)) {
                for (const form of escapedForms(value)) should(all.includes(form)).equal(false, `credential ${name} leaked (as "${form}")`);
            }
        });
    });
}

/**
 * Issue 9 "Secrets", the vendor's words inside a well-formed answer: a write answer refusing one record, or listing an
 * error for no record beside saved ones (Kingdee's requestErrors), in words that quote the request back. A thrown
 * error is redacted on its way out of call(); these are not thrown: they reach output 2's msg.error, output 1's
 * requestErrors and the node's warning. No credential may reach any of them.
 */
import should from 'should';
import type { SinonSpy } from 'sinon';
import { helper, load, withProbes, aMinuteAfterTheLogins, Msg } from '../helpers/nodered';
import { FIXTURES } from '../fixtures/systems';
import type { SimServer } from '../sim/harness';

describe('secrets: a write answer quoting the request in a record\'s refusal or in an error for no record (kingdee-batch-save)', function () {
    this.timeout(60000);
    const fixture = FIXTURES.find((f) => f.type === 'kingdee-batch-save')!;
    let sim: SimServer;
    beforeEach(async () => {
        sim = fixture.sim();
        await sim.start();
    });
    afterEach(async () => {
        await helper.unload();
        await sim.stop();
    });

    it('no credential reaches output 2\'s msg.error, output 1\'s requestErrors or the warning', async () => {
        const echo = Object.values(fixture.credentials).join(' ');
        const answer = { Result: { ResponseStatus: {
            IsSuccess: false,
            MsgCode: 11,
            Errors: [
                { FieldName: 'FCustomerID', Message: `客户不存在（请求：${echo}）`, DIndex: 0 },
                { FieldName: null, Message: `自动审核失败（请求：${echo}）` },
            ],
            SuccessEntitys: [{ Id: '300001', Number: 'XSCKD0001', DIndex: 1 }],
            SuccessMessages: [],
        } } };
        sim.inject({ type: 'http', status: 200, body: JSON.stringify(answer) }, 1, (r) => /BatchSave/.test(r.path));
        const flow = withProbes([
            { id: 'c1', type: fixture.configType, ...fixture.config(sim) },
            { id: 'n1', type: fixture.type, z: 'f1', config: 'c1', params: {}, ...fixture.node },
        ], 'n1', 2);
        aMinuteAfterTheLogins();
        await load(fixture.modules, flow, { c1: fixture.credentials });
        const record = fixture.validMsg(sim).payload;
        const got: Msg[][] = [[], []];
        helper.getNode('n1-out1').on('input', (m: Msg) => got[0].push(m));
        helper.getNode('n1-out2').on('input', (m: Msg) => got[1].push(m));
        helper.getNode('n1').receive({ payload: [record, { ...record }] });
        await new Promise<void>((resolve, reject) => {
            const t = setTimeout(() => reject(new Error('no outputs')), 15000);
            const check = setInterval(() => {
                if (got[0].length + got[1].length >= 2) {
                    clearTimeout(t);
                    clearInterval(check);
                    resolve();
                }
            }, 20);
        });
        // The answer was read as sent: one refused, one saved with the error for no record, a warning.
        should(got[1][0].error.message).match(/客户不存在/);
        should(JSON.stringify(got[0][0].payload)).match(/自动审核失败/);
        const warnings = (helper.getNode('n1').warn as SinonSpy).args;
        should(JSON.stringify(warnings)).match(/自动审核失败/);
        const seen = JSON.stringify([got, warnings, (helper.getNode('n1').error as SinonSpy).args, (helper.getNode('n1').status as SinonSpy).args]);
        for (const [name, value] of Object.entries(fixture.credentials)) should(seen.includes(value)).equal(false, `credential ${name} leaked`);
    });
});

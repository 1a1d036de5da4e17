import should from 'should';
import { GuanyiClient, normaliseReturn } from '../../nodes/guanyi/client';
import { commonClientSettings } from '../../nodes/core';
import { GuanyiSim, GUANYI_DEMO } from '../sim/guanyi';

describe('guanyi client: classification, record shape, test connection', () => {
    let sim: GuanyiSim;
    beforeEach(async () => {
        sim = new GuanyiSim();
        await sim.start();
    });
    afterEach(() => sim.stop());

    const client = (sessionkey = GUANYI_DEMO.sessionkey) => new GuanyiClient(commonClientSettings('guanyi', { rps: 0, retryBaseMs: 5, maxRetries: 0 }, { rps: 5, concurrency: 2 }), { url: `${sim.baseUrl}/rest/erp_open`, appkey: GUANYI_DEMO.appkey }, { sessionkey, secret: GUANYI_DEMO.secret });

    it('classifies success:false by errorCode/errorDesc (§6.3)', () => {
        const c = client();
        const k = (errorCode: string, errorDesc: string, subErrorCode = '') => c.classify({ success: false, errorCode, errorDesc, subErrorCode });
        should(k('SESSIONKEY_INVALID', 'sessionkey无效')).match({ kind: 'config', code: 'SESSIONKEY_INVALID' });
        should(k('SIGN_INVALID', '签名sign验证失败').kind).equal('config');
        should(k('APPKEY_INVALID', 'appkey不存在').kind).equal('config');
        should(k('REQUEST_LIMIT', '调用过于频繁,请稍后再试').kind).equal('rate-limit');
        // A frequency text naming the appkey or sessionkey is a rate limit (backed off), not "check appkey, sessionkey and secret".
        should(k('APPKEY_LIMIT', 'appkey调用过于频繁,请稍后再试')).match({ kind: 'rate-limit', message: /^((?!check appkey).)*$/ });
        should(k('FAILED', 'sessionkey请求触发限流').kind).equal('rate-limit');
        // Worded with 频率 (frequency) rather than 频繁 (too often): a rate limit too, also naming the appkey.
        should(k('FAILED', 'appkey调用频率超限').kind).equal('rate-limit');
        should(k('FAILED', '超过调用频率限制，请稍后再试').kind).equal('rate-limit');
        should(k('PARAM_ERROR', 'page_size不能大于100', 'isv.page_size')).match({ kind: 'business', field: 'page_size' });
        should(k('BIZ_ERROR', 'item assigned elsewhere').kind).equal('business');
        c.close();
    });

    it('normaliseReturn keeps other fields and makes details/payments arrays', () => {
        should(normaliseReturn({ code: 'R1', details: undefined })).eql({ code: 'R1', details: [] });
        should(normaliseReturn({ code: 'R2', details: '[{"qty":1,"payments":{"payment":5}}]' })).eql({ code: 'R2', details: [{ qty: 1, payments: [{ payment: 5 }] }] });
        should(normaliseReturn({ code: 'R3', details: { qty: 2 } })).eql({ code: 'R3', details: [{ qty: 2, payments: [] }] });
    });

    it('normaliseReturn returns a record already in shape as it is (no copy per record, detail or payment)', () => {
        const payment = { payment: 5 };
        const detail = { qty: 1, payments: [payment] };
        const record = { code: 'R4', details: [detail] };
        const out = normaliseReturn(record);
        should(out).equal(record);
        should(out.details).equal(record.details);
        should((out.details as any[])[0]).equal(detail);
        should((out.details as any[])[0].payments[0]).equal(payment);
        should(out).eql({ code: 'R4', details: [{ qty: 1, payments: [{ payment: 5 }] }] });
    });

    it('an answer counting returns (total above 0) or holding a list under another key, but no tradeReturns list, is BAD_RESPONSE naming its keys, not an empty page', async () => {
        const c = client();
        const page = () => c.returnGet({}, 1, 10).then((p) => p, (e) => e);
        // A server naming the list otherwise, or an answer cut of its list: 25 returns counted, none read.
        for (const key of ['trade_returns', 'returns', null]) {
            sim.listKey = key;
            const err = await page();
            should(err).match({ system: 'guanyi', kind: 'business', code: 'BAD_RESPONSE', retryable: false });
            should(err.message).match(/^the answer holds no tradeReturns list: keys success, .*total$/);
            if (key) should(err.message).containEql(key);
        }
        sim.listKey = 'tradeReturns';
        const head = { success: true, errorCode: '', subErrorCode: '', errorDesc: '', subErrorDesc: '', requestMethod: 'gy.erp.trade.return.get' };
        const answer = (body: Record<string, unknown>) => sim.inject({ type: 'http', status: 200, body: JSON.stringify({ ...head, ...body }) });
        // A null or non-list tradeReturns with a total, and a list elsewhere without a total.
        for (const body of [{ tradeReturns: null, total: 30 }, { tradeReturns: 5, total: '30' }, { tradeReturns: 'none', total: 1 }, { data: [{ code: 'R1' }] }]) {
            answer(body);
            should(await page()).match({ code: 'BAD_RESPONSE', message: new RegExp(`keys .*${Object.keys(body)[0]}`) });
        }
        // No returns: an empty page still.
        for (const body of [{ total: 0 }, { tradeReturns: null, total: 0 }, {}, { tradeReturns: [], total: 0 }, { total: 0, data: [] }]) {
            answer(body);
            should(await page()).eql({ records: [], total: body.total });
        }
        // A JSON-text list and a lone return are lists.
        answer({ tradeReturns: '[{"code":"R1"}]', total: 1 });
        should(await page()).eql({ records: [{ code: 'R1', details: [] }], total: 1 });
        answer({ tradeReturns: { code: 'R2' }, total: 1 });
        should(await page()).eql({ records: [{ code: 'R2', details: [] }], total: 1 });
        c.close();
    });

    it('testConnection reads one record; a bad sessionkey is reported as SESSIONKEY_INVALID without the key', async () => {
        let c = client();
        should(await c.testConnection({})).match(/25 returns/);
        should(JSON.parse(sim.requests[0].body)).match({ page_no: 1, page_size: 1 });
        c.close();
        c = client('not-the-session-key');
        const err = await c.testConnection({}).then(() => undefined, (e) => e);
        should(err).match({ kind: 'config', code: 'SESSIONKEY_INVALID' });
        should(err.message).not.containEql('not-the-session-key');
        c.close();
    });
});

import should from 'should';
import { JackyunSim, JACKYUN_DEMO, TRADE_METHOD } from '../sim/jackyun';
import { chinaTime } from '../../nodes/core/time';
import { jackyun, jackyunViaQimen } from '../../nodes/jackyun/sign';
import { top } from '../../nodes/qimen/sign';

async function post(url: string, form: Record<string, string>, query: Record<string, string> = {}): Promise<any> {
    const qs = new URLSearchParams(query).toString();
    const res = await fetch(qs ? `${url}?${qs}` : url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded;charset=utf-8' }, body: new URLSearchParams(form).toString() });
    return res.json();
}

describe('test/sim/jackyun: the simulator speaks the protocol', () => {
    const sim = new JackyunSim();
    let url = '';
    before(async () => (url = await sim.start()));
    after(() => sim.stop());
    afterEach(() => {
        sim.clearFaults();
        sim.dataAsString = false;
        sim.jackyunData = false;
    });

    const week = (from: number) => JSON.stringify({ modified_begin: chinaTime(from), modified_end: chinaTime(from + 7 * 86400000), pageIndex: 0, pageSize: 200, hasTotal: 1 });

    function directForm(bizcontent: string, secret = JACKYUN_DEMO.appSecret): Record<string, string> {
        const p: Record<string, string> = { method: TRADE_METHOD, appkey: JACKYUN_DEMO.appKey, version: 'v1.0', contenttype: 'json', timestamp: chinaTime(Date.now()), bizcontent };
        p.sign = jackyun(p, secret);
        return p;
    }

    function qimenRequest(content: string, opts: { qimenSecret?: string; jkySecret?: string; method?: 'md5' | 'hmac' | 'hmac-sha256' } = {}) {
        const ts = chinaTime(Date.now());
        const query: Record<string, string> = { app_key: JACKYUN_DEMO.qimenAppKey, target_app_key: JACKYUN_DEMO.targetAppKey, format: 'json', v: '2.0', sign_method: opts.method ?? 'md5', method: TRADE_METHOD, timestamp: ts, customerId: JACKYUN_DEMO.customerId };
        const form: Record<string, string> = { content, jkymethod: TRADE_METHOD, jkyappkey: JACKYUN_DEMO.appKey, jkycustomerid: JACKYUN_DEMO.customerId, jkytimestamp: ts, jkyversion: '1.0' };
        form.jkysign = jackyunViaQimen({ jkyappkey: JACKYUN_DEMO.appKey, content, method: TRADE_METHOD, timestamp: ts }, opts.jkySecret ?? JACKYUN_DEMO.appSecret);
        query.sign = top({ ...query, ...form }, '', opts.qimenSecret ?? JACKYUN_DEMO.qimenSecret, opts.method ?? 'md5');
        return { query, form };
    }

    it('direct: a signed request gets trades with goods lines, total and code 200', async () => {
        const body = await post(`${url}/open/openapi/do`, directForm(week(sim.base)));
        should(body.code).equal(200);
        should(body.result.data.totalResults).equal(sim.tradesModifiedBetween(sim.base, sim.base + 7 * 86400000).length);
        should(body.result.data.trades.length).be.above(10);
        should(body.result.data.trades[0].goodsDetail[0].tradeOrderPayList).be.an.Array();
    });

    it('direct: a wrong secret is a Jackyun-style signature failure', async () => {
        const body = await post(`${url}/open/openapi/do`, directForm(week(sim.base), 'wrong'));
        should(body.code).not.equal(200);
        should(body.msg).match(/签名/);
    });

    it('direct: window over 7 days and pageSize over the cap are refused', async () => {
        const long = JSON.stringify({ modified_begin: chinaTime(sim.base), modified_end: chinaTime(sim.base + 8 * 86400000) });
        should((await post(`${url}/open/openapi/do`, directForm(long))).msg).match(/七天/);
        const big = JSON.stringify({ modified_begin: chinaTime(sim.base), modified_end: chinaTime(sim.base + 86400000), pageSize: 201 });
        should((await post(`${url}/open/openapi/do`, directForm(big))).msg).match(/pageSize/);
    });

    it('qimen: all three outer sign methods are verified; a bad outer sign is TOP error 25', async () => {
        for (const method of ['md5', 'hmac', 'hmac-sha256'] as const) {
            const { query, form } = qimenRequest(week(sim.base), { method });
            const ok = await post(`${url}/router/qm`, form, query);
            should(ok.response.flag).equal('success');
        }
        const bad = qimenRequest(week(sim.base), { qimenSecret: 'nope' });
        const body = await post(`${url}/router/qm`, bad.form, bad.query);
        should(body.error_response.code).equal(25);
    });

    it('qimen: a bad inner jkysign is a flag=failure with a Jackyun-style message', async () => {
        const bad = qimenRequest(week(sim.base), { jkySecret: 'nope' });
        const body = await post(`${url}/router/qm`, bad.form, bad.query);
        should(body.response.flag).equal('failure');
        should(body.response.message).match(/jkysign/);
    });

    it('qimen: jackyunData switch and data-as-string switch (PascalCase)', async () => {
        sim.jackyunData = true;
        sim.dataAsString = true;
        const { query, form } = qimenRequest(week(sim.base));
        const body = await post(`${url}/router/qm`, form, query);
        const inner = JSON.parse(body.response.jackyunData);
        should(inner.code).equal(200);
        const data = JSON.parse(inner.result.data);
        should(data.Trades).be.an.Array();
        should(data.TotalResults).be.a.Number();
    });

    it('scroll ids walk the whole result once', async () => {
        const seen: string[] = [];
        let scrollId = '';
        for (let i = 0; i < 20; i++) {
            const biz = JSON.stringify({ modified_begin: chinaTime(sim.base), modified_end: chinaTime(sim.base + 7 * 86400000), pageSize: 7, scrollId });
            const body = await post(`${url}/open/openapi/do`, directForm(biz));
            const trades = body.result.data.trades;
            for (const t of trades) seen.push(t.tradeNo);
            scrollId = body.result.data.scrollId;
            if (trades.length < 7) break;
        }
        should(seen).eql(sim.tradesModifiedBetween(sim.base, sim.base + 7 * 86400000).map((t) => t.tradeNo));
    });

    it('rate-limit fault in each entry point\'s words', async () => {
        sim.inject({ type: 'vendor', name: 'rate-limit' }, 2);
        should((await post(`${url}/open/openapi/do`, directForm(week(sim.base)))).msg).match(/频繁/);
        const { query, form } = qimenRequest(week(sim.base));
        should((await post(`${url}/router/qm`, form, query)).error_response.code).equal(7);
    });
});

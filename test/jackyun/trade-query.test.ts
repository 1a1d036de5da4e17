import fs from 'fs';
import path from 'path';
import should from 'should';
import { helper, load, run, withProbes, Msg } from '../helpers/nodered';
import { JackyunSim, JACKYUN_DEMO, SimTrade } from '../sim/jackyun';
import { chinaTime, parseChinaTime } from '../../nodes/core/time';
import jackyunConfig = require('../../nodes/jackyun/jackyun-config');
import jackyunTradeQuery = require('../../nodes/jackyun/jackyun-trade-query');
import { JackyunClient } from '../../nodes/jackyun/client';
import { ConnectorError } from '../../nodes/core';
import { testButtonText } from '../helpers/editor-locales';

const DAY = 86400000;

describe('jackyun-trade-query node against the Jackyun simulator', function () {
    let sim: JackyunSim;

    beforeEach(async () => {
        sim = new JackyunSim();
        await sim.start();
    });
    afterEach(async () => {
        await helper.unload();
        await sim.stop();
    });

    const direct = (extra: Msg = {}) => ({ id: 'c1', type: 'jackyun-config', mode: 'direct', gatewayUrl: `${sim.baseUrl}/open/openapi/do`, appKey: JACKYUN_DEMO.appKey, rps: 0, concurrency: 0, retryBaseMs: 5, maxRetries: 3, ...extra });
    const qimen = (signMethod: string, extra: Msg = {}) => ({
        id: 'c1', type: 'jackyun-config', mode: 'qimen', gatewayUrl: `${sim.baseUrl}/router/qm`, appKey: JACKYUN_DEMO.appKey, qimenAppKey: JACKYUN_DEMO.qimenAppKey, targetAppKey: JACKYUN_DEMO.targetAppKey,
        customerId: JACKYUN_DEMO.customerId, signMethod, rps: 0, concurrency: 0, retryBaseMs: 5, maxRetries: 3, ...extra,
    });
    const creds = (extra: Msg = {}) => ({ c1: { appSecret: JACKYUN_DEMO.appSecret, qimenSecret: JACKYUN_DEMO.qimenSecret, ...extra } });
    const node = (extra: Msg = {}) => ({ id: 'n1', type: 'jackyun-trade-query', z: 'f1', config: 'c1', params: {}, outputMode: 'all', ...extra });
    const start = (cfg: Msg, n: Msg = node(), c: Msg = creds()) => load([jackyunConfig, jackyunTradeQuery], withProbes([cfg, n], 'n1', 1), c);

    /** The bizcontent (or Qimen content) of every recorded request. */
    const sent = () =>
        sim.requests.map((r) => {
            const form = new URLSearchParams(r.body);
            return JSON.parse(form.get('bizcontent') ?? form.get('content') ?? '{}');
        });
    const numbers = (list: SimTrade[]) => list.map((t) => t.tradeNo);

    it('30-day window → five consecutive ≤ 7-day sub-windows; no trade lost or duplicated across window and page boundaries', async () => {
        const from = sim.base;
        const to = sim.base + 30 * DAY;
        const expected = numbers(sim.tradesModifiedBetween(from, to));
        // The store has trades exactly on the sub-window boundaries (seen by two windows).
        should(sim.trades.some((t) => t.gmtModified === from + 7 * DAY)).be.true();
        await start(direct());
        const r = await run('n1', { params: { startModified: chinaTime(from), endModified: chinaTime(to), pageSize: 7 } }, 1);
        should(r.caught).be.undefined();
        const got = r.outputs[0][0].payload.map((t: any) => t.TradeNo);
        should(got).eql(expected);
        should(new Set(got).size).equal(got.length);

        const windows: string[] = [];
        for (const b of sent()) {
            const key = `${b.startModified}|${b.endModified}`;
            if (!windows.includes(key)) windows.push(key);
            should(b.pageSize).equal(7);
        }
        should(windows).have.length(5);
        const spans = windows.map((w) => w.split('|').map(parseChinaTime));
        should(spans[0][0]).equal(from);
        should(spans[4][1]).equal(to);
        for (let i = 0; i < 5; i++) {
            should(spans[i][1] - spans[i][0]).be.belowOrEqual(7 * DAY);
            if (i > 0) should(spans[i][0]).equal(spans[i - 1][1]);
        }
        // Each window pages from 0 and asks for the total on every page (a shrinking total means trades left the
        // window while it was paged).
        const firstOfWindow = sent().filter((b, i, all) => i === 0 || all[i - 1].startModified !== b.startModified);
        should(firstOfWindow.map((b) => b.pageIndex)).eql([0, 0, 0, 0, 0]);
        should(sent().every((b) => b.hasTotal === 1)).be.true();
    });

    it('a pageIndex to start from applies to the first window only: every later window is read from its first page', async () => {
        const from = sim.base;
        const to = sim.base + 14 * DAY;
        const all = numbers(sim.tradesModifiedBetween(from, to));
        await start(direct());
        const r = await run('n1', { params: { startModified: chinaTime(from), endModified: chinaTime(to), pageSize: 10, pageIndex: 1 } }, 1);
        should(r.caught).be.undefined();
        const firstOfWindow = sent().filter((b, i, list) => i === 0 || list[i - 1].startModified !== b.startModified);
        should(firstOfWindow.map((b) => b.pageIndex)).eql([1, 0]);
        // Only the first window's first page (10 trades) is skipped.
        const got: string[] = r.outputs[0][0].payload.map((t: any) => t.TradeNo);
        const firstWindow = numbers(sim.tradesModifiedBetween(from, from + 7 * DAY));
        should(got).eql(all.filter((no) => !firstWindow.slice(0, 10).includes(no)));
    });

    it('a trade at the instant two windows share is emitted once even when thousands of trades lie between its two copies', async () => {
        // Split on the created time while the API orders by modified time: the trade created exactly at the boundary
        // comes first in the first window, 2,500 trades modified later follow it, and it comes again in the second.
        const boundary = sim.base + 7 * DAY;
        const template = sim.trades[0];
        const trade = (no: string, created: number, modified: number): SimTrade => ({ ...template, tradeNo: no, sourceTradeNo: `TB${no}`, gmtCreate: created, gmtModified: modified, body: { ...template.body, gmtCreate: chinaTime(created), gmtModified: chinaTime(modified) } });
        sim.trades.length = 0;
        sim.addTrade(trade('JYEDGE', boundary, boundary));
        for (let i = 0; i < 2500; i++) sim.addTrade(trade(`JYW${String(i).padStart(5, '0')}`, sim.base + 3600000 + i * 1000, boundary + 60000 + i * 1000));
        await start(direct());
        const r = await run('n1', { params: { startCreated: chinaTime(sim.base), endCreated: chinaTime(sim.base + 10 * DAY), pageSize: 200 } }, 1);
        should(r.caught).be.undefined();
        const got: string[] = r.outputs[0][0].payload.map((t: any) => t.TradeNo);
        should(got.filter((no) => no === 'JYEDGE')).have.length(1);
        should(got).have.length(2501);
    });

    it('a trade at the instant two windows share is emitted once even when more trades than the dedupe window (10,000) lie between its two copies, by page and by cursor', async function () {
        this.timeout(120000);
        // A 7-day window of a busy tenant (200k trades a month: ~47k a week) holds far more trades than the last
        // 10,000 keys dedupeBy remembers: the boundary trade's first copy, early in the window before, was forgotten.
        const boundary = sim.base + 7 * DAY;
        const template = sim.trades[0];
        const trade = (no: string, created: number, modified: number): SimTrade => ({ ...template, tradeNo: no, sourceTradeNo: `TB${no}`, gmtCreate: created, gmtModified: modified, body: { ...template.body, gmtCreate: chinaTime(created), gmtModified: chinaTime(modified) } });
        sim.trades.length = 0;
        sim.addTrade(trade('JYEDGE', boundary, boundary));
        for (let i = 0; i < 10500; i++) sim.addTrade(trade(`JYW${String(i).padStart(5, '0')}`, sim.base + 3600000 + i * 10, boundary + 60000 + i * 1000));
        await start(direct());
        for (const pagingMode of ['page', 'scroll']) {
            const r = await run('n1', { params: { startCreated: chinaTime(sim.base), endCreated: chinaTime(sim.base + 10 * DAY), pageSize: 200, pagingMode } }, 1, 60000);
            should(r.caught).be.undefined();
            const got: string[] = r.outputs[0][0].payload.map((t: any) => t.TradeNo);
            should(got.filter((no) => no === 'JYEDGE')).have.length(1, pagingMode);
            should(got).have.length(10501);
        }
    });

    it('modified_begin/modified_end (seed names) are sent as given and split the same way', async () => {
        await start(direct());
        const r = await run('n1', { payload: { modified_begin: chinaTime(sim.base), modified_end: chinaTime(sim.base + 10 * DAY) } }, 1);
        should(r.caught).be.undefined();
        should(r.outputs[0][0].payload.map((t: any) => t.TradeNo)).eql(numbers(sim.tradesModifiedBetween(sim.base, sim.base + 10 * DAY)));
        should(sent().every((b) => b.modified_begin && b.modified_end && b.startModified === undefined)).be.true();
        should(new Set(sent().map((b) => b.modified_begin)).size).equal(2);
    });

    it('a Qimen ban for hours (a daily quota spent: "This ban will last for 58000 more seconds") is not waited in flight: the msg goes to Catch at once saying until when, and later runs fail unsent until the ban ends', async () => {
        await start(qimen('md5'));
        const ban = { error_response: { code: 7, msg: 'App Call Limited', sub_code: 'accesscontrol.limited-by-app-access-count', sub_msg: 'This ban will last for 58000 more seconds', request_id: 'r1' } };
        sim.inject({ type: 'http', status: 200, body: JSON.stringify(ban), headers: { 'Content-Type': 'application/json;charset=utf-8' } }, 1);
        const params = { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + DAY) };
        const t0 = Date.now();
        const r = await run('n1', { params }, 1, 8000);
        should(Date.now() - t0).be.below(5000);
        should(r.caught!.error.message).match(/This ban will last for 58000 more seconds \(code 7\).*\(the server asks to wait 58000 s, until .*: not waited/);
        should(r.caught!.error.cause).match({ kind: 'rate-limit', retryable: true });
        should(sim.requests).have.length(1);
        const again = await run('n1', { params }, 1, 8000);
        should(again.caught!.error.cause).match({ code: 'ACCOUNT_PAUSED', retryable: true });
        should(sim.requests).have.length(1);
    });

    for (const method of ['md5', 'hmac', 'hmac-sha256']) {
        it(`Qimen mode signs correctly (outer ${method} + inner jkysign) and reads the same trades`, async () => {
            await start(qimen(method));
            const r = await run('n1', { params: { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + 7 * DAY) } }, 1);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload.map((t: any) => t.TradeNo)).eql(numbers(sim.tradesModifiedBetween(sim.base, sim.base + 7 * DAY)));
            should(sim.calls.qimen).equal(sim.requests.length);
            should(sim.calls.direct).equal(0);
            const last = sim.requests[sim.requests.length - 1];
            should(last.query.sign_method).equal(method);
            should(last.query.sign).match(method === 'hmac-sha256' ? /^[0-9A-F]{64}$/ : /^[0-9A-F]{32}$/);
            should(new URLSearchParams(last.body).get('jkysign')).match(/^[0-9a-f]{32}$/);
        });
    }

    it('direct mode signs correctly and the answer is normalised: data as JSON text, PascalCase list, tradeNo → TradeNo, nested arrays', async () => {
        sim.dataAsString = true;
        await start(direct());
        const r = await run('n1', { params: { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + 3 * DAY) } }, 1);
        should(r.caught).be.undefined();
        const trades = r.outputs[0][0].payload;
        should(trades.length).equal(sim.tradesModifiedBetween(sim.base, sim.base + 3 * DAY).length);
        should(sim.calls.direct).be.above(0);
        const t = trades[0];
        should(t).have.property('TradeNo');
        should(t).not.have.property('tradeNo');
        should(t).have.property('checkTotal');
        should(t.goodsDetail).be.an.Array();
        should(t.goodsDetail[0].tradeOrderPayList).be.an.Array();
        should(t.goodsDetail[0].tradeOrderPayList[0].tradeOrderColumnExt.warehouseCode).equal('CK01');
    });

    it('Qimen answers carrying jackyunData as JSON text are normalised too', async () => {
        sim.jackyunData = true;
        sim.dataAsString = true;
        await start(qimen('md5'));
        const r = await run('n1', { params: { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + 2 * DAY) } }, 1);
        should(r.caught).be.undefined();
        should(r.outputs[0][0].payload.map((t: any) => t.TradeNo)).eql(numbers(sim.tradesModifiedBetween(sim.base, sim.base + 2 * DAY)));
    });

    /** The first trade of the window, its goods lines given 19-digit sub-trade ids as JSON numbers (Java longs). */
    const longIds = () => {
        const t = sim.tradesModifiedBetween(sim.base, sim.base + 2 * DAY)[0];
        const first = (t.body.goodsDetail as Array<Record<string, any>>)[0];
        const pay = first.tradeOrderPayList[0];
        // Two ids JSON.parse rounds to the same number, 1234567890123456800.
        t.body.goodsDetail = [
            { ...first, subTradeId: 1234567890123456789n, tradeOrderPayList: [{ ...pay, tradeOrderColumnExt: { ...pay.tradeOrderColumnExt, tradeId: 9007199254740993n } }] },
            { ...first, subTradeId: 1234567890123456790n },
        ];
        return t.tradeNo;
    };
    const checkLongIds = (r: Msg, tradeNo: string) => {
        should(r.caught).be.undefined();
        const t = r.outputs[0][0].payload.find((x: any) => x.TradeNo === tradeNo);
        should(t.goodsDetail.map((l: any) => l.subTradeId)).eql(['1234567890123456789', '1234567890123456790']);
        should(t.goodsDetail[0].tradeOrderPayList[0].tradeOrderColumnExt.tradeId).equal('9007199254740993');
    };

    it('19-digit sub-trade ids sent as JSON numbers (Java longs) come out with every digit, as text: not rounded, two of them not made one', async () => {
        const tradeNo = longIds();
        await start(direct());
        checkLongIds(await run('n1', { params: { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + 2 * DAY) } }, 1), tradeNo);
    });

    it('19-digit ids inside Qimen jackyunData and data sent as JSON text come out with every digit too', async () => {
        sim.jackyunData = true;
        sim.dataAsString = true;
        const tradeNo = longIds();
        await start(qimen('md5'));
        checkLongIds(await run('n1', { params: { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + 2 * DAY) } }, 1), tradeNo);
    });

    it('a Jackyun error envelope in a Qimen answer (unwrapped, or as jackyunData without result) is the error it says, not an empty success', async () => {
        await start(qimen('md5'));
        const params = { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + 2 * DAY) };
        const failure = { code: 0, msg: '未知错误', subCode: '0130020001', result: { data: null, contextId: 'c0a8' } };
        sim.inject({ type: 'http', status: 200, body: JSON.stringify(failure) });
        const unwrapped = await run('n1', { params }, 1);
        should(unwrapped.outputs[0]).have.length(0);
        should(unwrapped.caught!._error).match({ system: 'jackyun', kind: 'business', code: '0130020001' });
        const { result: _none, ...withoutResult } = failure;
        sim.inject({ type: 'http', status: 200, body: JSON.stringify({ response: { flag: 'success', code: '200', message: '', jackyunData: JSON.stringify(withoutResult) } }) });
        const noResult = await run('n1', { params }, 1);
        should(noResult.outputs[0]).have.length(0);
        should(noResult.caught!._error).match({ system: 'jackyun', kind: 'business', code: '0130020001' });
        // The same answers with code 200 are read as trades.
        const ok = await run('n1', { params }, 1);
        should(ok.caught).be.undefined();
        should(ok.outputs[0][0].payload.map((t: any) => t.TradeNo)).eql(numbers(sim.tradesModifiedBetween(sim.base, sim.base + 2 * DAY)));
    });

    it('a Qimen flag=failure whose reason is only in sub_code/sub_message is classified and reported by it, not as a bare "failure"', async () => {
        await start(qimen('md5'));
        const params = { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + 2 * DAY) };
        sim.inject({ type: 'http', status: 200, body: JSON.stringify({ response: { flag: 'failure', code: '', message: '', sub_code: 'isv.invalid-signature', sub_message: '吉客云签名验证失败' } }) });
        const r = await run('n1', { params }, 1);
        should(r.caught!._error).match({ system: 'jackyun', kind: 'config', code: 'isv.invalid-signature' });
        should(r.caught!._error.message).match(/吉客云签名验证失败/);
        should(sim.requests).have.length(1);
    });

    it('a Qimen answer carrying no Jackyun payload (no result, jackyunData or envelope) fails the msg instead of passing for a window without trades', async () => {
        await start(qimen('md5'), node({ incremental: true }));
        const params = { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + 2 * DAY) };
        const trades = numbers(sim.tradesModifiedBetween(sim.base, sim.base + 2 * DAY));
        should(trades.length).be.above(0);
        for (const body of [{ response: { flag: 'success', code: '200', message: '' } }, { jackyun_tradenotsensitiveinfos_list_get_response: { flag: 'success', result: { data: { trades: [] } } } }]) {
            sim.inject({ type: 'http', status: 200, body: JSON.stringify(body) });
            const r = await run('n1', { params }, 1);
            should(r.outputs[0]).have.length(0);
            should(r.caught!._error).match({ system: 'jackyun', code: 'BAD_RESPONSE', retryable: false });
        }
        // Nothing was taken for read: the next run reads the window (the watermark did not move).
        const next = await run('n1', { params }, 1);
        should(next.caught).be.undefined();
        should(next.outputs[0][0].payload.map((t: any) => t.TradeNo)).eql(trades);
    });

    it('a Jackyun result that is text fails the msg instead of passing for a window without trades (watermark kept); one that is JSON text is read, inside a Qimen jackyunData or direct', async () => {
        await start(qimen('md5'), node({ incremental: true }));
        const params = { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + 2 * DAY) };
        const stored = sim.tradesModifiedBetween(sim.base, sim.base + 2 * DAY);
        should(stored.length).be.within(1, 199);
        const read = numbers(stored);
        const viaQimen = (response: Msg) => JSON.stringify({ response: { flag: 'success', code: '200', message: '', ...response } });
        // Text where Jackyun's result or its data belongs: no JSON in it (an error worded as text, a cut-off document, "null").
        for (const body of [viaQimen({ result: '系统异常，请稍后重试' }), viaQimen({ jackyunData: 'null' }), viaQimen({ result: { data: '{"trades":[{"tradeNo":"JY1"' } })]) {
            sim.inject({ type: 'http', status: 200, body });
            const r = await run('n1', { params }, 1);
            should(r.outputs[0]).have.length(0);
            should(r.caught!._error).match({ system: 'jackyun', code: 'BAD_RESPONSE', retryable: false });
        }
        // Nothing was taken for read: the next run reads the window.
        const next = await run('n1', { params }, 1);
        should(next.caught).be.undefined();
        should(next.outputs[0][0].payload.map((t: any) => t.TradeNo)).eql(read);
        await helper.unload();
        // The envelope's result as JSON text (as its data may come): its trades are read, not an empty window.
        const trades = stored.map((t: SimTrade) => ({ tradeNo: t.tradeNo, sourceTradeNo: t.sourceTradeNo, ...t.body }));
        const envelope = JSON.stringify({ code: 200, msg: '', subCode: '', result: JSON.stringify({ data: { trades, totalResults: trades.length }, contextId: 'c0a8' }) });
        for (const [config, body] of [[qimen('md5'), viaQimen({ jackyunData: envelope })], [direct(), envelope]] as const) {
            await start(config);
            sim.inject({ type: 'http', status: 200, body });
            const r = await run('n1', { params }, 1);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload.map((t: any) => t.TradeNo)).eql(read, config.mode);
            await helper.unload();
        }
    });

    it('trades in an answer of another shape are read or fail the msg, never taken for a window without trades: an envelope with data but no result, trades straight in the result, a list as the result or its data', async () => {
        const params = { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + 2 * DAY), pageSize: 50 };
        const stored = sim.tradesModifiedBetween(sim.base, sim.base + 2 * DAY);
        should(stored.length).be.within(1, 49);
        const trades = stored.map((t: SimTrade) => ({ tradeNo: t.tradeNo, sourceTradeNo: t.sourceTradeNo, ...t.body }));
        const read = numbers(stored);
        const envelope = (result: unknown) => ({ code: 200, msg: '', subCode: '', result });
        const viaQimen = (result: unknown) => ({ response: { flag: 'success', code: '200', message: '', result } });
        for (const [mode, config, wrap] of [['direct', direct(), (x: unknown) => x], ['qimen', qimen('md5'), viaQimen]] as const) {
            await start(config);
            // Read: the trades are where they can be told.
            for (const body of [{ code: 200, msg: '', data: { trades, totalResults: trades.length } }, { ...envelope(null), data: { trades, totalResults: trades.length } }, envelope({ trades, totalResults: trades.length })]) {
                sim.inject({ type: 'http', status: 200, body: JSON.stringify(wrap(body)) });
                const r = await run('n1', { params }, 1);
                should(r.caught).be.undefined();
                should(r.outputs[0][0].payload.map((t: any) => t.TradeNo)).eql(read, mode);
            }
            // Failed: a list where an object holding them belongs.
            for (const body of [envelope(trades), envelope({ data: trades })]) {
                sim.inject({ type: 'http', status: 200, body: JSON.stringify(wrap(body)) });
                const r = await run('n1', { params }, 1);
                should(r.outputs[0]).have.length(0);
                should(r.caught!._error).match({ system: 'jackyun', code: 'BAD_RESPONSE', message: /is a list of \d+, not an object holding trades/ });
            }
            await helper.unload();
        }
    });

    it('a Qimen answer whose Jackyun payload is an error worded with message (not msg) fails the msg instead of passing for a window without trades', async () => {
        await start(qimen('md5'), node({ incremental: true }));
        const params = { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + 2 * DAY) };
        const trades = numbers(sim.tradesModifiedBetween(sim.base, sim.base + 2 * DAY));
        for (const result of [{ code: 500, message: '系统异常' }, JSON.stringify({ code: '0130010003', message: '参数错误' })]) {
            sim.inject({ type: 'http', status: 200, body: JSON.stringify({ response: { flag: 'success', code: '200', message: '', result } }) });
            const r = await run('n1', { params }, 1);
            should(r.outputs[0]).have.length(0);
            should(r.caught!._error).match({ system: 'jackyun', message: /系统异常|参数错误/ });
        }
        const next = await run('n1', { params }, 1);
        should(next.caught).be.undefined();
        should(next.outputs[0][0].payload.map((t: any) => t.TradeNo)).eql(trades);
    });

    it('an answer whose data counts trades but holds them under no trades/Trades key fails the msg instead of passing for an empty window', async () => {
        await start(direct());
        const params = { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + 2 * DAY) };
        const wire = (t: SimTrade) => ({ tradeNo: t.tradeNo, ...t.body });
        const list = sim.tradesModifiedBetween(sim.base, sim.base + 2 * DAY).map(wire);
        for (const data of [{ totalResults: list.length, tradeList: list }, { tradeList: list }]) {
            sim.inject({ type: 'http', status: 200, body: JSON.stringify({ code: 200, msg: '', subCode: '', result: { data, contextId: 'c0a8' } }) });
            const r = await run('n1', { params }, 1);
            should(r.outputs[0]).have.length(0);
            should(r.caught!._error).match({ system: 'jackyun', code: 'BAD_RESPONSE', retryable: false });
            should(r.caught!._error.message).match(/tradeList/);
        }
        // An empty window stays an empty window.
        for (const data of [null, {}, { totalResults: 0 }, { trades: [], totalResults: 0 }]) {
            sim.inject({ type: 'http', status: 200, body: JSON.stringify({ code: 200, msg: '', subCode: '', result: { data, contextId: 'c0a8' } }) });
            const r = await run('n1', { params }, 1);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload).have.length(0);
        }
    });

    it('scroll-id cursor mode walks the window once and asks for scrollId in fields', async () => {
        await start(direct());
        const r = await run('n1', { params: { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + 7 * DAY), pageSize: 6, pagingMode: 'scroll', fields: 'tradeNo,goodsDetail' } }, 1);
        should(r.caught).be.undefined();
        should(r.outputs[0][0].payload.map((t: any) => t.TradeNo)).eql(numbers(sim.tradesModifiedBetween(sim.base, sim.base + 7 * DAY)));
        const bodies = sent();
        should(bodies[0].scrollId).equal('');
        should(bodies[1].scrollId).be.a.String().and.not.equal('');
        should(bodies[0].fields).equal('tradeNo,goodsDetail,scrollId');
        should(bodies.every((b) => b.pageIndex === undefined)).be.true();
    });

    it('a scroll id beyond 2^53 (a Java long) is sent back exactly, not rounded into an id the server does not know: as data, as data text, through Qimen', async () => {
        sim.longScrollIds = true;
        const window = { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + 7 * DAY), pageSize: 6, pagingMode: 'scroll' };
        const all = numbers(sim.tradesModifiedBetween(sim.base, sim.base + 7 * DAY));
        should(all.length).be.above(12);
        for (const variant of ['data', 'data text', 'qimen jackyunData']) {
            sim.dataAsString = variant === 'data text';
            sim.jackyunData = variant === 'qimen jackyunData';
            await start(variant.startsWith('qimen') ? qimen('md5') : direct());
            const before = sim.requests.length;
            const r = await run('n1', { params: window }, 1);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload.map((t: any) => t.TradeNo)).eql(all, variant);
            const ids = sent().slice(before).map((b) => b.scrollId);
            should(ids[0]).equal('');
            should(ids.slice(1)).matchEach(/^\d{19}$/, variant);
            await helper.unload();
        }
    });

    it('scroll mode asks hasTotal=1 on the first page only, page mode on every page; the help says so in both languages', async () => {
        await start(direct());
        const window = { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + 7 * DAY), pageSize: 6 };
        should((await run('n1', { params: { ...window, pagingMode: 'scroll' } }, 1)).caught).be.undefined();
        const scroll = sent();
        should(scroll.length).be.above(1);
        should(scroll.map((b) => b.hasTotal)).eql([1, ...scroll.slice(1).map(() => undefined)]);
        should((await run('n1', { params: window }, 1)).caught).be.undefined();
        should(sent().slice(scroll.length).every((b) => b.hasTotal === 1)).be.true();
        const help = (lang: string) => fs.readFileSync(path.resolve(__dirname, '..', '..', 'nodes', 'jackyun', 'locales', lang, 'jackyun-trade-query.html'), 'utf8');
        should(help('en-US')).match(/In <code>scroll<\/code> mode [^.]*<code>hasTotal=1<\/code> on the first page only/);
        should(help('zh-CN')).match(/<code>scroll<\/code> 模式[^。]*仅第一页传 <code>hasTotal=1<\/code>/);
    });

    it('fields without tradeNo: tradeNo is asked too, so repeats (window boundaries, pages read again) can be dropped', async () => {
        await start(direct());
        const r = await run('n1', { params: { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + 9 * DAY), pageSize: 6, fields: 'goodsDetail,sellerMemo' } }, 1);
        should(r.caught).be.undefined();
        should(sent().map((b) => b.fields)).matchEach('goodsDetail,sellerMemo,tradeNo');
        const cursor = await run('n1', { params: { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + 2 * DAY), pagingMode: 'scroll', fields: 'TradeNo,goodsDetail' } }, 1);
        should(cursor.caught).be.undefined();
        should(sent().pop().fields).equal('TradeNo,goodsDetail,scrollId');
    });

    it('a server serving fewer trades a page than asked (its total saying more follow) is read on at its size, by page and by cursor, with a warning; a short page used to end the read', async () => {
        sim.servesAtMost = 4;
        await start(direct());
        const window = { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + 7 * DAY) };
        const all = numbers(sim.tradesModifiedBetween(sim.base, sim.base + 7 * DAY));
        should(all.length).be.above(8);
        for (const pagingMode of ['page', 'scroll']) {
            const r = await run('n1', { params: { ...window, pageSize: 10, pagingMode } }, 1);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload.map((t: any) => t.TradeNo)).eql(all, pagingMode);
            const warnings = helper.getNode('n1').warn.args.map((a: unknown[]) => String(a[0])).filter((t: string) => /for a page size of 10 while the total/.test(t));
            should(warnings).have.length(1, pagingMode);
            helper.getNode('n1').warn.resetHistory();
        }
    });

    it('a long range ending far in the future is split only up to tomorrow: no thousands of empty 7-day calls', async () => {
        await start(direct());
        const now = Date.now();
        const r = await run('n1', { params: { startModified: chinaTime(now - 10 * DAY), endModified: '2099-12-31 23:59:59' } }, 1);
        should(r.caught).be.undefined();
        const windows = new Set(sent().map((b) => `${b.startModified}/${b.endModified}`));
        should(windows.size).equal(2);
        for (const b of sent()) should(parseChinaTime(b.endModified)).be.belowOrEqual(now + DAY + 1000);
    });

    it('pageSize is capped at the config maximum (the server would refuse more)', async () => {
        await start(direct({ maxPageSize: 50 }));
        const r = await run('n1', { params: { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + 7 * DAY), pageSize: 1000 } }, 1);
        should(r.caught).be.undefined();
        should(sent().every((b) => b.pageSize === 50)).be.true();
        should(r.outputs[0][0].payload.length).equal(sim.tradesModifiedBetween(sim.base, sim.base + 7 * DAY).length);
    });

    it('window end before start → error naming the field, nothing sent', async () => {
        await start(direct());
        const r = await run('n1', { params: { startModified: chinaTime(sim.base + DAY), endModified: chinaTime(sim.base) } }, 1);
        should(r.caught).not.be.undefined();
        should(r.caught!.error.message).match(/endModified: the window ends before it starts/);
        should(sim.requests).have.length(0);
    });

    it('no time range and no tradeNo, or a half range → error naming the field, nothing sent', async () => {
        await start(direct());
        let r = await run('n1', { params: { tradeStatus: '6000' } }, 1);
        should(r.caught!.error.message).match(/modified_begin: a time range .*, tradeNo or sourceTradeNos is required/);
        r = await run('n1', { params: { startCreated: chinaTime(sim.base) } }, 1);
        should(r.caught!.error.message).match(/endCreated: is required together with startCreated/);
        should(sim.requests).have.length(0);
    });

    it('incremental sync with no modified start for its first run → Catch naming startModified and saying why (not a pairing with an endModified the user never set), nothing sent', async () => {
        await start(direct(), node({ incremental: true }));
        for (const params of [{ tradeNo: 'JY0001' }, { startCreated: chinaTime(sim.base), endCreated: chinaTime(sim.base + DAY) }]) {
            const r = await run('n1', { params }, 1);
            should(r.caught!._error).match({ kind: 'validation', field: 'startModified' });
            should(r.caught!.error.message).match(/startModified: .*first run/);
        }
        should(sim.requests).have.length(0);
    });

    it('every request field of seed 000 reaches bizcontent as set, from the node settings or the msg, and selects what it names', async () => {
        const b = sim.base;
        // Settings (TypedInput values, one read from msg) for status, type and fields; msg.params for the windows.
        await start(direct(), node({ params: { tradeStatus: { value: '6000', type: 'str' }, tradeType: { value: '1', type: 'str' }, fields: { value: 'fieldList', type: 'msg' } } }));
        const windows = { startCreated: chinaTime(b), endCreated: chinaTime(b + 7 * DAY), startAuditTime: chinaTime(b), endAuditTime: chinaTime(b + 7 * DAY), startConsignTime: chinaTime(b + 3600000), endConsignTime: chinaTime(b + 6 * DAY) };
        const r = await run('n1', { fieldList: 'tradeNo,goodsDetail,checkTotal', params: { ...windows, pageSize: 2, pageIndex: 0 } }, 1);
        should(r.caught).be.undefined();
        const first = sent()[0];
        should(first).eql({ tradeStatus: '6000', tradeType: '1', fields: 'tradeNo,goodsDetail,checkTotal', ...windows, pageSize: 2, pageIndex: 0, hasTotal: 1 });
        const inRange = (t: number, from: string, to: string) => t >= parseChinaTime(from) && t <= parseChinaTime(to);
        const expected = sim.trades
            .filter((t) => t.tradeStatus === '6000' && t.tradeType === '1')
            .filter((t) => inRange(t.gmtCreate, windows.startCreated, windows.endCreated) && inRange(t.auditTime, windows.startAuditTime, windows.endAuditTime) && inRange(t.consignTime, windows.startConsignTime, windows.endConsignTime))
            .sort((x, y) => x.gmtModified - y.gmtModified || (x.tradeNo < y.tradeNo ? -1 : 1));
        should(expected.length).be.above(2); // more than one page
        should(sent().length).be.above(1);
        should(r.outputs[0][0].payload.map((t: any) => t.TradeNo)).eql(numbers(expected));

        // tradeNo list and source trade numbers from msg.payload; hasTotal 0 → not asked for.
        sim.clearRequests();
        const pool = sim.trades.filter((t) => t.tradeStatus === '6000' && t.tradeType === '1');
        const other = sim.trades.find((t) => t.tradeStatus !== '6000')!;
        const tradeNo = [pool[2], pool[7], pool[12], other].map((t) => t.tradeNo).join(',');
        const sourceTradeNos = [pool[2], pool[7], other].map((t) => t.sourceTradeNo).join(',');
        const q = await run('n1', { payload: { tradeNo, sourceTradeNos, hasTotal: '0' } }, 1);
        should(q.caught).be.undefined();
        should(sent()[0]).eql({ tradeStatus: '6000', tradeType: '1', tradeNo, sourceTradeNos, pageSize: 200, pageIndex: 0 });
        // pool[12] is not among the source numbers, `other` has another status: the sim filters on every field.
        const want = [pool[2], pool[7]].sort((x, y) => x.gmtModified - y.gmtModified).map((t) => t.tradeNo);
        should(q.outputs[0][0].payload.map((t: any) => t.TradeNo)).eql(want);
    });

    it('tradeNo alone needs no window', async () => {
        await start(direct());
        const want = [sim.trades[3].tradeNo, sim.trades[40].tradeNo];
        const r = await run('n1', { params: { tradeNo: want.join(',') } }, 1);
        should(r.caught).be.undefined();
        should(r.outputs[0][0].payload.map((t: any) => t.TradeNo).sort()).eql(want.sort());
    });

    it('sourceTradeNos (网店订单号) alone needs no window either: seed 000 says a time range and the online order number (线上单号) cannot both be empty', async () => {
        await start(direct());
        const want = [sim.trades[3], sim.trades[40]];
        const r = await run('n1', { params: { sourceTradeNos: want.map((t) => t.sourceTradeNo).join(',') } }, 1);
        should(r.caught).be.undefined();
        should(r.outputs[0][0].payload.map((t: any) => t.TradeNo).sort()).eql(numbers(want).sort());
        should(sent().map((b) => b.sourceTradeNos)).matchEach(want.map((t) => t.sourceTradeNo).join(','));
    });

    for (const [field, value] of [
        ['tradeNo', 'JY0001，JY0002'],
        ['tradeNo', 'JY0001、JY0002'],
        ['fields', 'tradeNo，goodsDetail'],
    ]) {
        it(`${field} listed with a full-width comma or 、 (seed 000: 半角逗号分隔; Jackyun would read "${value}" as one name and find nothing) → Catch naming ${field}, nothing sent`, async () => {
            await start(direct());
            const r = await run('n1', { params: { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + DAY), [field]: value } }, 1);
            should(r.caught).not.be.undefined();
            should(r.caught!._error).match({ kind: 'validation', field });
            should(r.caught!._error.message).match(new RegExp(`^${field}: .*half-width comma`));
            should(sim.requests).have.length(0);
        });
    }

    it('tradeNo, sourceTradeNos and fields typed with spaces after the commas ("T1, T2") are sent without them: whether Jackyun trims each value is not documented', async () => {
        await start(direct());
        const trades = numbers(sim.tradesModifiedBetween(sim.base, sim.base + DAY)).slice(0, 2);
        const r = await run('n1', { params: { tradeNo: ` ${trades.join(' , ')} `, sourceTradeNos: 'S1, S2', fields: 'tradeNo, goodsDetail' } }, 1);
        should(r.caught).be.undefined();
        should(sent()[0]).match({ tradeNo: trades.join(','), sourceTradeNos: 'S1,S2', fields: 'tradeNo,goodsDetail' });
    });

    it('a frequency-limit answer backs off, then the read succeeds (direct and Qimen)', async () => {
        await start(direct());
        sim.inject({ type: 'vendor', name: 'rate-limit' }, 2);
        const r = await run('n1', { params: { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + 7 * DAY) } }, 1);
        should(r.caught).be.undefined();
        should(r.outputs[0][0].payload.map((t: any) => t.TradeNo)).eql(numbers(sim.tradesModifiedBetween(sim.base, sim.base + 7 * DAY)));
        should(sim.requests.length).equal(sim.calls.direct + 2);
        await helper.unload();
        sim.clearRequests();
        await start(qimen('md5'));
        sim.inject({ type: 'vendor', name: 'rate-limit' }, 1);
        const q = await run('n1', { params: { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + DAY) } }, 1);
        should(q.caught).be.undefined();
        should(q.outputs[0][0].payload.length).equal(sim.tradesModifiedBetween(sim.base, sim.base + DAY).length);
    });

    it('a "system busy" answer (系统繁忙) is transient: read again after a backoff (direct and via Qimen), not a business error to Catch', async () => {
        await start(direct());
        sim.inject({ type: 'vendor', name: 'system-busy' }, 2);
        const r = await run('n1', { params: { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + DAY) } }, 1);
        should(r.caught).be.undefined();
        should(r.outputs[0][0].payload.length).equal(sim.tradesModifiedBetween(sim.base, sim.base + DAY).length);
        await helper.unload();
        await start(qimen('md5'));
        sim.inject({ type: 'http', status: 200, body: JSON.stringify({ response: { flag: 'failure', code: 'SYSTEM_BUSY', message: '服务器繁忙，请稍后重试' } }) }, 1);
        const q = await run('n1', { params: { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + DAY) } }, 1);
        should(q.caught).be.undefined();
        should(q.outputs[0][0].payload.length).equal(sim.tradesModifiedBetween(sim.base, sim.base + DAY).length);
    });

    it('a bad Qimen secret is TOP error 25, a config error, not retried, secret not shown', async () => {
        await start(qimen('md5'), node(), creds({ qimenSecret: 'wrong' }));
        const r = await run('n1', { params: { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + DAY) } }, 1);
        should(r.caught!.error.message).match(/Invalid signature \(code 25\)/);
        should(sim.requests).have.length(1);
        should(JSON.stringify(r.caught!.error)).not.containEql('wrong');
    });

    it('Qimen answering a missing or invalid session (TOP 26, 27) → Catch as a config error, not retryable: the node sends no session and has none to renew', async () => {
        await start(qimen('md5'));
        for (const [code, msg] of [[26, 'Missing session'], [27, 'Invalid session']] as const) {
            sim.clearRequests();
            sim.inject({ type: 'http', status: 200, body: JSON.stringify({ error_response: { code, msg, request_id: 'r1' } }) });
            const r = await run('n1', { params: { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + DAY) } }, 1);
            should(r.caught!._error).match({ system: 'jackyun', kind: 'config', code: `TOP_${code}`, retryable: false, message: new RegExp(`${msg} \\(code ${code}\\)`) });
            should(sim.requests).have.length(1);
        }
    });

    it('Qimen answering "App Call Exceeds Limited Frequency" (TOP 8) is backed off and read again, not a config error to Catch', async () => {
        await start(qimen('md5'));
        sim.inject({ type: 'http', status: 200, body: JSON.stringify({ error_response: { code: 8, msg: 'App Call Exceeds Limited Frequency', sub_code: 'accesscontrol.limited-by-app-frequency', request_id: 'r1' } }) }, 1);
        const r = await run('n1', { params: { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + DAY) } }, 1);
        should(r.caught).be.undefined();
        should(r.outputs[0][0].payload.length).equal(sim.tradesModifiedBetween(sim.base, sim.base + DAY).length);
    });

    it("Qimen's remote service error refused by the target (TOP 15, sub_code isv.*) → Catch as business, sent once, not retryable; a platform one (isp.*) is still retried", async () => {
        await start(qimen('md5'));
        sim.inject({ type: 'http', status: 200, body: JSON.stringify({ error_response: { code: 15, msg: 'Remote service error', sub_code: 'isv.invalid-parameter', sub_msg: '参数无效', request_id: 'r1' } }) }, 10);
        const r = await run('n1', { params: { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + DAY) } }, 1);
        should(r.caught!._error).match({ system: 'jackyun', kind: 'business', code: 'TOP_15', retryable: false, message: /参数无效/ });
        should(sim.requests).have.length(1);
        sim.clearRequests();
        sim.clearFaults();
        sim.inject({ type: 'http', status: 200, body: JSON.stringify({ error_response: { code: 15, msg: 'Remote service error', sub_code: 'isp.remote-service-timeout', request_id: 'r2' } }) }, 1);
        const t = await run('n1', { params: { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + DAY) } }, 1);
        should(t.caught).be.undefined();
        should(t.outputs[0][0].payload.length).equal(sim.tradesModifiedBetween(sim.base, sim.base + DAY).length);
    });

    it('a bad Jackyun secret behind Qimen (inner jkysign) and direct fails at once (config: not retried)', async () => {
        await start(qimen('hmac'), node(), creds({ appSecret: 'wrong-jky' }));
        let r = await run('n1', { params: { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + DAY) } }, 1);
        should(r.caught!.error.message).match(/jkysign/);
        should(sim.requests).have.length(1);
        await helper.unload();
        sim.clearRequests();
        await start(direct(), node(), creds({ appSecret: 'wrong-jky' }));
        r = await run('n1', { params: { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + DAY) } }, 1);
        should(r.caught!.error.message).match(/签名/);
        should(sim.requests).have.length(1);
    });

    describe('JackyunClient error classification (code ≠ 200, TOP codes)', () => {
        const settings = { system: 'jackyun', rps: 0, concurrency: 0, retry: { maxRetries: 2, baseDelayMs: 1 } };
        const kindOf = async (mode: 'direct' | 'qimen', fault: string | undefined, secrets: Msg = {}) => {
            const client = new JackyunClient(settings, mode === 'direct' ? { mode, gatewayUrl: `${sim.baseUrl}/open/openapi/do`, appKey: JACKYUN_DEMO.appKey } : { mode, gatewayUrl: `${sim.baseUrl}/router/qm`, appKey: JACKYUN_DEMO.appKey, qimenAppKey: JACKYUN_DEMO.qimenAppKey, targetAppKey: JACKYUN_DEMO.targetAppKey, customerId: JACKYUN_DEMO.customerId }, { appSecret: JACKYUN_DEMO.appSecret, qimenSecret: JACKYUN_DEMO.qimenSecret, ...secrets });
            if (fault) sim.inject({ type: 'vendor', name: fault }, 5);
            try {
                await client.invoke('jackyun.tradenotsensitiveinfos.list.get', { tradeNo: 'X' });
                return 'ok';
            } catch (err) {
                return `${(err as ConnectorError).kind}:${(err as ConnectorError).code}`;
            } finally {
                client.close();
                sim.clearFaults();
            }
        };
        it('unsubscribed → config, 未知错误 → business, frequency → rate-limit (gave up), signature → config, TOP 25 → config, TOP 7 → rate-limit', async () => {
            should(await kindOf('direct', 'unsubscribed')).equal('config:0130010005');
            should(await kindOf('direct', 'unknown-error')).equal('business:0130020001');
            should(await kindOf('direct', 'rate-limit')).equal('rate-limit:0130030001');
            should(await kindOf('direct', undefined, { appSecret: 'x' })).equal('config:0130010003');
            should(await kindOf('qimen', undefined, { qimenSecret: 'x' })).equal('config:TOP_25');
            should(await kindOf('qimen', 'rate-limit')).equal('rate-limit:TOP_7');
            should(await kindOf('qimen', undefined)).equal('ok');
        });
        it('createClient-level settings errors name the setting', () => {
            should(() => new JackyunClient(settings, { mode: 'qimen', gatewayUrl: '', appKey: 'a' }, { appSecret: 's' })).throw(/gatewayUrl: is required in qimen mode/);
            // §3.3/§3.4: the tenant id is sent on every Qimen call (customerId and jkycustomerid); without it the client refuses.
            const qimenOk = { mode: 'qimen' as const, gatewayUrl: 'https://x.api.taobao.com/router/qm', appKey: 'a', qimenAppKey: 'q', targetAppKey: 't', customerId: 'c' };
            const qimenCreds = { appSecret: 's', qimenSecret: 'qs' };
            should(() => new JackyunClient(settings, qimenOk, qimenCreds)).not.throw();
            for (const field of ['qimenAppKey', 'targetAppKey', 'customerId'] as const) {
                let err: ConnectorError | undefined;
                try {
                    new JackyunClient(settings, { ...qimenOk, [field]: undefined }, qimenCreds);
                } catch (e) {
                    err = e as ConnectorError;
                }
                should(err).match({ kind: 'config', field }, field);
                should(err!.message).match(new RegExp(`^${field}: is required in qimen mode`));
            }
            should(() => new JackyunClient(settings, { ...qimenOk, customerId: undefined }, qimenCreds)).throw(/customerId: is required in qimen mode \(the Jackyun tenant id/);
            // Direct mode has no tenant parameter (§2.1): no customerId needed.
            should(() => new JackyunClient(settings, { mode: 'direct', gatewayUrl: '', appKey: 'a' }, { appSecret: 's' })).not.throw();
            should(() => new JackyunClient(settings, { mode: 'direct', gatewayUrl: '', appKey: 'a' }, {})).throw(/appSecret: is required/);
            should(() => new JackyunClient(settings, { mode: 'direct', gatewayUrl: '', appKey: 'a', signMethod: 'sha1' as any }, { appSecret: 's' })).throw(/signMethod/);
        });
    });

    it('test-connection route: direct and Qimen succeed, a wrong secret or missing setting is reported by name without the secret', async () => {
        await start(direct());
        const ok = await helper.request().post('/cn-erp/jackyun-config/test').send({ config: { mode: 'direct', gatewayUrl: `${sim.baseUrl}/open/openapi/do`, appKey: JACKYUN_DEMO.appKey }, credentials: { appSecret: JACKYUN_DEMO.appSecret } }).expect(200);
        should(ok.body.ok).be.true();
        should(ok.body.message).match(/connected to Jackyun \(direct/);
        should(testButtonText('jackyun', 'jackyun-config', ok.body, 'zh-CN')).match(/^✔ 已连接吉客云（直连，签名 md5）(：最近一小时修改的销售单 \d+ 条)?$/);
        const q = await helper.request().post('/cn-erp/jackyun-config/test').send({ config: { mode: 'qimen', gatewayUrl: `${sim.baseUrl}/router/qm`, appKey: JACKYUN_DEMO.appKey, qimenAppKey: JACKYUN_DEMO.qimenAppKey, targetAppKey: JACKYUN_DEMO.targetAppKey, customerId: JACKYUN_DEMO.customerId, signMethod: 'hmac-sha256' }, credentials: { appSecret: JACKYUN_DEMO.appSecret, qimenSecret: JACKYUN_DEMO.qimenSecret } }).expect(200);
        should(q.body).match({ ok: true });
        should(q.body.message).match(/via Qimen, sign hmac-sha256/);
        should(testButtonText('jackyun', 'jackyun-config', q.body, 'zh-CN')).match(/^✔ 已连接吉客云（经奇门，签名 hmac-sha256）(：最近一小时修改的销售单 \d+ 条)?$/);
        const bad = await helper.request().post('/cn-erp/jackyun-config/test').send({ config: { mode: 'qimen', gatewayUrl: `${sim.baseUrl}/router/qm`, appKey: JACKYUN_DEMO.appKey, qimenAppKey: JACKYUN_DEMO.qimenAppKey, targetAppKey: JACKYUN_DEMO.targetAppKey, customerId: JACKYUN_DEMO.customerId }, credentials: { appSecret: JACKYUN_DEMO.appSecret, qimenSecret: 'secret-xyz' } }).expect(200);
        should(bad.body).match({ ok: false, kind: 'config', code: 'TOP_25' });
        should(JSON.stringify(bad.body)).not.containEql('secret-xyz');
        const missing = await helper.request().post('/cn-erp/jackyun-config/test').send({ config: { mode: 'qimen', appKey: 'a' }, credentials: { appSecret: 's' } }).expect(200);
        should(missing.body).match({ ok: false, kind: 'config' });
        should(missing.body.message).match(/gatewayUrl: is required/);
    });

    it("test-connection route in a zh-CN editor: a refused signature, directly, via Qimen (inner jkysign) or at the Qimen gateway, and a missing setting read in Chinese around the vendor's own words; the English messages as before, no secret", async () => {
        await start(direct());
        const test = (config: Msg, credentials: Msg) => helper.request().post('/cn-erp/jackyun-config/test').send({ config, credentials }).expect(200);
        const viaQimen = { mode: 'qimen', gatewayUrl: `${sim.baseUrl}/router/qm`, appKey: JACKYUN_DEMO.appKey, qimenAppKey: JACKYUN_DEMO.qimenAppKey, targetAppKey: JACKYUN_DEMO.targetAppKey, customerId: JACKYUN_DEMO.customerId };
        const d = (await test({ mode: 'direct', gatewayUrl: `${sim.baseUrl}/open/openapi/do`, appKey: JACKYUN_DEMO.appKey }, { appSecret: 'secret-d1' })).body;
        should(d).match({ ok: false, kind: 'config', code: '0130010003', message: 'Jackyun: 签名验证失败 (0130010003)', text: { key: 'jackyun-config.test.refusedSub', vars: { reason: '签名验证失败', subCode: '0130010003' } } });
        should(testButtonText('jackyun', 'jackyun-config', d, 'zh-CN')).equal('✘ 0130010003: 吉客云：签名验证失败（0130010003）');
        should(testButtonText('jackyun', 'jackyun-config', d, 'en-US')).equal(`✘ 0130010003: ${d.message}`);
        const inner = (await test(viaQimen, { appSecret: 'secret-i2', qimenSecret: JACKYUN_DEMO.qimenSecret })).body;
        should(inner).match({ ok: false, kind: 'config', code: '0130010003', message: 'Jackyun via Qimen: 吉客云签名(jkysign)验证失败', text: { key: 'jackyun-config.test.viaQimen' } });
        should(testButtonText('jackyun', 'jackyun-config', inner, 'zh-CN')).equal('✘ 0130010003: 吉客云（经奇门）：吉客云签名(jkysign)验证失败');
        const gateway = (await test(viaQimen, { appSecret: JACKYUN_DEMO.appSecret, qimenSecret: 'secret-g3' })).body;
        should(gateway).match({ ok: false, kind: 'config', code: 'TOP_25', message: 'Qimen gateway: Invalid signature (code 25) [isv.invalid-signature]', text: { key: 'jackyun-config.test.qimenGatewaySub', vars: { reason: 'Invalid signature', code: '25', subCode: 'isv.invalid-signature' } } });
        should(testButtonText('jackyun', 'jackyun-config', gateway, 'zh-CN')).equal('✘ TOP_25: 奇门网关：Invalid signature（错误码 25，子错误码 isv.invalid-signature）');
        should(testButtonText('jackyun', 'jackyun-config', gateway, 'en-US')).equal(`✘ TOP_25: ${gateway.message}`);
        for (const body of [d, inner, gateway]) should(JSON.stringify(body)).not.match(/secret-[dig]\d/);
        const missing = (await test({ mode: 'qimen', appKey: 'a' }, { appSecret: 's' })).body;
        should(missing).match({ ok: false, kind: 'config', code: 'CONFIG', message: 'gatewayUrl: is required in qimen mode (the /router/qm URL of your Qimen app)' });
        should(testButtonText('jackyun', 'jackyun-config', missing, 'zh-CN')).equal('✘ CONFIG: gatewayUrl：经奇门接入时必填，即奇门应用的 /router/qm 地址');
        const pageSize = (await test({ mode: 'direct', appKey: 'a', maxPageSize: 'many' }, { appSecret: 's' })).body;
        should(pageSize).match({ ok: false, kind: 'config', message: 'maxPageSize: must be a whole number of records, 1 or more (got "many")' });
        should(testButtonText('jackyun', 'jackyun-config', pageSize, 'zh-CN')).equal('✘ CONFIG: maxPageSize：须为 1 或以上的整数条数，填的是 "many"');
    });

    it('direct mode answered by something other than Jackyun: a Qimen /router/qm address (kept when the mode was switched to direct) or a web page says so, with the address and the answer, in the editor\'s language (was "Jackyun: error", code "undefined", the Qimen reason hidden)', async () => {
        await start(direct({ gatewayUrl: `${sim.baseUrl}/router/qm` }));
        const test = (config: Msg) => helper.request().post('/cn-erp/jackyun-config/test').send({ config, credentials: { appSecret: JACKYUN_DEMO.appSecret } }).expect(200);
        // The address of a Qimen app, mode direct: Qimen's TOP error (Missing App Key: direct mode sends appkey, not app_key).
        const qm = (await test({ mode: 'direct', gatewayUrl: `${sim.baseUrl}/router/qm`, appKey: JACKYUN_DEMO.appKey })).body;
        should(qm).match({ ok: false, kind: 'config', code: 'QIMEN_ADDRESS' });
        should(qm.message).match(/router\/qm/).and.match(/Missing App Key/).and.match(/qimen/i);
        should(testButtonText('jackyun', 'jackyun-config', qm, 'zh-CN')).match(/^✘ QIMEN_ADDRESS: .*奇门.*Missing App Key.*经奇门/);
        // The flow: the msg reaches Catch saying the same, not "Jackyun: error".
        const r = await run('n1', { params: { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + DAY) } }, 1);
        should(r.caught).not.be.undefined();
        should(r.caught!._error).match({ kind: 'config', code: 'QIMEN_ADDRESS' });
        should(r.caught!.error.message).match(/Missing App Key/);
        // A web page answered 200 (the address of a portal, a proxy's page): quoted, in the editor's language too.
        sim.inject({ type: 'http', status: 200, body: '<!DOCTYPE html><html><body>吉客云开放平台</body></html>', headers: { 'Content-Type': 'text/html' } }, 1);
        const page = (await test({ mode: 'direct', gatewayUrl: `${sim.baseUrl}/open/openapi/do`, appKey: JACKYUN_DEMO.appKey })).body;
        should(page).match({ ok: false, code: 'BAD_RESPONSE' });
        should(testButtonText('jackyun', 'jackyun-config', page, 'zh-CN')).match(/^✘ BAD_RESPONSE: 网关地址 .*open\/openapi\/do 的答复不是 JSON.*吉客云开放平台/);
        // JSON that is no Jackyun envelope (no code): quoted, not "Jackyun: error" with code "undefined".
        sim.inject({ type: 'http', status: 200, body: '{"status":"DOWN","message":"维护中"}', headers: { 'Content-Type': 'application/json' } }, 1);
        const other = (await test({ mode: 'direct', gatewayUrl: `${sim.baseUrl}/open/openapi/do`, appKey: JACKYUN_DEMO.appKey })).body;
        should(other).match({ ok: false, code: 'BAD_RESPONSE' });
        should(other.message).match(/维护中/);
        should(testButtonText('jackyun', 'jackyun-config', other, 'zh-CN')).match(/^✘ BAD_RESPONSE: .*不是吉客云.*维护中/);
    });

    it('test-connection route: appSecret and qimenSecret pasted with a trailing space, a tab or a full-width space (U+3000) sign without it; a secret in quotes is refused naming it', async () => {
        await start(direct());
        const qimenConfig = { mode: 'qimen', gatewayUrl: `${sim.baseUrl}/router/qm`, appKey: JACKYUN_DEMO.appKey, qimenAppKey: JACKYUN_DEMO.qimenAppKey, targetAppKey: JACKYUN_DEMO.targetAppKey, customerId: JACKYUN_DEMO.customerId };
        for (const pad of [' ', '\t', '\u3000']) {
            const d = await helper.request().post('/cn-erp/jackyun-config/test').send({ config: { mode: 'direct', gatewayUrl: `${sim.baseUrl}/open/openapi/do`, appKey: JACKYUN_DEMO.appKey }, credentials: { appSecret: `${JACKYUN_DEMO.appSecret}${pad}` } }).expect(200);
            should(d.body).match({ ok: true });
            const q = await helper.request().post('/cn-erp/jackyun-config/test').send({ config: qimenConfig, credentials: { appSecret: JACKYUN_DEMO.appSecret, qimenSecret: `${pad}${JACKYUN_DEMO.qimenSecret}` } }).expect(200);
            should(q.body).match({ ok: true });
        }
        const quoted = await helper.request().post('/cn-erp/jackyun-config/test').send({ config: { mode: 'direct', gatewayUrl: `${sim.baseUrl}/open/openapi/do`, appKey: JACKYUN_DEMO.appKey }, credentials: { appSecret: `'${JACKYUN_DEMO.appSecret}'` } }).expect(200);
        should(quoted.body).match({ ok: false, kind: 'config', message: /^appSecret: .*quotes/ });
        should(JSON.stringify(quoted.body)).not.containEql(JACKYUN_DEMO.appSecret);
    });

    it('spec route serves the seed-000 schemas with Chinese titles', async () => {
        await start(direct());
        const res = await helper.request().get('/cn-erp/specs/jackyun-trade-query').expect(200);
        should(res.body.kind).equal('query');
        should(Object.keys(res.body.requestSchema.properties)).containDeep(['modified_begin', 'modified_end', 'startModified', 'endModified', 'tradeNo', 'pageSize', 'pageIndex', 'hasTotal', 'startCreated', 'endCreated', 'startAuditTime', 'endAuditTime', 'startConsignTime', 'endConsignTime', 'tradeStatus', 'tradeType', 'sourceTradeNos', 'fields']);
        const goods = res.body.responseSchema.properties.goodsDetail;
        should(goods.type).equal('array');
        should(goods.items.properties.goodsNo.title).equal('货品编号');
        should(goods.items.properties.tradeOrderPayList.items.properties.tradeOrderColumnExt.properties.warehouseCode.title).equal('仓库编码');
    });

    it('incremental mode reads from the watermark (minus overlap) to now on the modified time', async () => {
        await sim.stop();
        const now = Date.now();
        sim = new JackyunSim({ base: now - 20 * DAY, spanDays: 19, trades: 60 });
        await sim.start();
        await start(direct(), node({ incremental: true, overlapMinutes: 5 }));
        const first = await run('n1', { params: { startModified: chinaTime(now - 21 * DAY) } }, 1);
        should(first.caught).be.undefined();
        should(first.outputs[0][0].payload.length).equal(sim.trades.length);
        const firstEnd = parseChinaTime(sent()[sent().length - 1].endModified);
        // A trade modified after the first run; the next run reads only the overlap window.
        const t = Math.floor(Date.now() / 1000) * 1000 - 1000;
        const fresh = { ...sim.trades[0], tradeNo: 'JYNEW0001', gmtModified: t, body: { ...sim.trades[0].body, gmtModified: chinaTime(t) } };
        sim.addTrade(fresh);
        sim.clearRequests();
        const second = await run('n1', { params: { startModified: chinaTime(now - 21 * DAY) } }, 1);
        should(second.caught).be.undefined();
        should(second.outputs[0][0].payload.map((t: any) => t.TradeNo)).eql(['JYNEW0001']);
        const b = sent()[0];
        // From the first run's end minus the 5-minute overlap, to now.
        should(parseChinaTime(b.startModified)).equal(firstEnd - 5 * 60000);
        should(parseChinaTime(b.endModified)).be.aboveOrEqual(firstEnd);
        should(parseChinaTime(b.endModified) - parseChinaTime(b.startModified)).be.below(DAY);
    });
    it('incremental sync with a pageIndex past 0 (its first pages of every window never read) → Catch naming pageIndex, nothing sent, the watermark unmoved', async () => {
        await sim.stop();
        const now = Date.now();
        sim = new JackyunSim({ base: now - 6 * DAY, spanDays: 5, trades: 20 });
        await sim.start();
        await start(direct(), node({ incremental: true }));
        const params = { startModified: chinaTime(now - 7 * DAY), pageSize: 5 };
        const r = await run('n1', { params: { ...params, pageIndex: 2 } }, 1);
        should(r.caught).not.be.undefined();
        should(r.caught!._error).match({ kind: 'validation', code: 'INVALID_INPUT', field: 'pageIndex' });
        should(r.caught!.error.message).match(/jackyun-trade-query: pageIndex: must be 0 with incremental sync \(2 leaves part of each run's window unread/);
        should(r.outputs[0]).have.length(0);
        should(sim.requests).have.length(0);
        should(helper.getNode('n1').context().get('cnErpWatermark')).be.undefined();
        const whole = await run('n1', { params: { ...params, pageIndex: 0 } }, 1);
        should(whole.caught).be.undefined();
        should(new Set(whole.outputs[0][0].payload.map((t: any) => t.TradeNo))).eql(new Set(numbers(sim.trades)));
    });

    it('incremental first run whose end is blank (an unset env variable, \'\' in msg.params) reads to now instead of asking for the end', async () => {
        await sim.stop();
        const now = Date.now();
        sim = new JackyunSim({ base: now - 6 * DAY, spanDays: 5, trades: 20 });
        await sim.start();
        await start(direct(), node({ incremental: true }));
        for (const e of ['endModified', 'modified_end']) {
            const r = await run('n1', { params: { startModified: chinaTime(now - 7 * DAY), [e]: '' }, resetWatermark: true }, 1);
            should(r.caught).be.undefined();
            should(new Set(r.outputs[0][0].payload.map((t: any) => t.TradeNo))).eql(new Set(numbers(sim.trades)));
        }
    });

    for (const [b, e] of [['startModified', 'endModified'], ['modified_begin', 'modified_end']]) {
        it(`incremental first run with an end of the user's in ${e} (seed example values kept, incremental on): only up to that end is read, the watermark is that end, so the next run reads on from it`, async () => {
            await sim.stop();
            const now = Date.now();
            sim = new JackyunSim({ base: now - 6 * DAY, spanDays: 5, trades: 20 });
            await sim.start();
            const end = chinaTime(now - 3 * DAY);
            const params = { [b]: { value: chinaTime(now - 7 * DAY), type: 'str' }, [e]: { value: end, type: 'str' } };
            await start(direct(), node({ incremental: true, overlapMinutes: 10, params }));
            const first = await run('n1', {}, 1);
            should(first.caught).be.undefined();
            should(sent().map((s) => s[e])).matchEach(end);
            should(first.outputs[0][0].payload.map((t: any) => t.TradeNo)).eql(numbers(sim.tradesModifiedBetween(now - 7 * DAY, parseChinaTime(end))));
            sim.clearRequests();
            const second = await run('n1', {}, 1);
            should(second.caught).be.undefined();
            should(parseChinaTime(sent()[0][b])).equal(parseChinaTime(end) - 10 * 60000);
            const got = [...first.outputs[0][0].payload, ...second.outputs[0][0].payload].map((t: any) => t.TradeNo);
            should(new Set(got)).eql(new Set(numbers(sim.trades)));
        });
    }

    it('a date alone as an end (endModified, modified_end, endCreated, endAuditTime, endConsignTime) means the end of that day: that day\'s trades are read, not cut at 00:00', async () => {
        const day = chinaTime(sim.base + 3 * DAY).slice(0, 10);
        const from = parseChinaTime(`${day} 00:00:00`);
        const want = numbers(sim.tradesModifiedBetween(from, from + DAY - 1));
        should(want.length).be.above(0);
        await start(direct());
        for (const [b, e] of [['startModified', 'endModified'], ['modified_begin', 'modified_end']]) {
            sim.clearRequests();
            const r = await run('n1', { params: { [b]: day, [e]: day } }, 1);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload.map((t: any) => t.TradeNo)).eql(want);
            should(sent()[0]).match({ [b]: `${day} 00:00:00`, [e]: `${day} 23:59:59` });
        }
        for (const [b, e] of [['startCreated', 'endCreated'], ['startAuditTime', 'endAuditTime'], ['startConsignTime', 'endConsignTime']]) {
            sim.clearRequests();
            await run('n1', { params: { [b]: day, [e]: day.replace(/-/g, '') } }, 1);
            should(sent()[0]).match({ [b]: `${day} 00:00:00`, [e]: `${day} 23:59:59` });
        }
        // A week of whole days ending on a date is split like any range over 7 days: no day is left out.
        sim.clearRequests();
        const week = await run('n1', { params: { startModified: chinaTime(from - 7 * DAY).slice(0, 10), endModified: day } }, 1);
        should(week.outputs[0][0].payload.map((t: any) => t.TradeNo)).eql(numbers(sim.tradesModifiedBetween(from - 7 * DAY, from + DAY - 1)));
        should(sent()[sent().length - 1].endModified).equal(`${day} 23:59:59`);
        // A date-time end stays as typed.
        sim.clearRequests();
        await run('n1', { params: { startModified: day, endModified: `${day} 00:00:00` } }, 1);
        should(sent()[0].endModified).equal(`${day} 00:00:00`);
    });

    it('an answer whose total is null (no hasTotal asked; Jackyun serialises nulls, as its error envelope shows) is no total: every page is read, not just the first', async () => {
        const from = sim.base;
        const to = sim.base + 7 * DAY;
        const all = numbers(sim.tradesModifiedBetween(from, to));
        should(all.length).be.above(20);
        const wire = (t: SimTrade) => ({ tradeNo: t.tradeNo, sourceTradeNo: t.sourceTradeNo, ...t.body });
        const page0 = sim.tradesModifiedBetween(from, to).slice(0, 10).map(wire);
        sim.inject({ type: 'http', status: 200, body: JSON.stringify({ code: 200, msg: '', subCode: '', result: { data: { trades: page0, totalResults: null, scrollId: null }, contextId: 'c0a8' } }) });
        await start(direct());
        const r = await run('n1', { params: { startModified: chinaTime(from), endModified: chinaTime(to), pageSize: 10, hasTotal: '0' } }, 1);
        should(r.caught).be.undefined();
        should(r.outputs[0][0].payload.map((t: any) => t.TradeNo)).eql(all);
    });

    it('a total of 0 (a server that never counted its int total) beside a full page is no total: every page is read, by page and by cursor, with a warning', async () => {
        const from = sim.base;
        const to = sim.base + 7 * DAY;
        const all = numbers(sim.tradesModifiedBetween(from, to));
        should(all.length).be.above(20);
        sim.totalAs = 0;
        await start(direct());
        for (const pagingMode of ['page', 'scroll']) {
            const r = await run('n1', { params: { startModified: chinaTime(from), endModified: chinaTime(to), pageSize: 10, pagingMode } }, 1);
            should(r.caught).be.undefined();
            should(r.outputs[0][0].payload.map((t: any) => t.TradeNo)).eql(all);
            const warnings = helper.getNode('n1').warn.args.map((a: unknown[]) => String(a[0])).filter((t: string) => /more than the answer's total \(0\): the total is not taken/.test(t));
            should(warnings).have.length(1, pagingMode);
            helper.getNode('n1').warn.resetHistory();
        }
    });

    it('a date the calendar does not have (2024-02-30) → Catch naming the parameter, nothing sent (not rolled over into March)', async () => {
        await start(direct());
        const r = await run('n1', { params: { startModified: '2024-02-25 00:00:00', endModified: '2024-02-30 00:00:00' } }, 1);
        should(r.caught!._error).match({ kind: 'validation', field: 'endModified' });
        should(sim.requests).have.length(0);
    });
    it('a trade modified while the window is paged (it leaves the window, later ones move up a place): every trade is still read in that run, once', async () => {
        await sim.stop();
        const now = Date.now();
        sim = new JackyunSim({ base: now - 5 * DAY, spanDays: 4, trades: 30 });
        await sim.start();
        await start(direct(), node({ incremental: true }));
        const all = numbers(sim.trades);
        // After page 1 is answered, the first trade is modified in Jackyun: past the run's end.
        sim.afterRequest(() => {
            const t = sim.trades[0];
            t.gmtModified = now + 60000;
            (t.body as Msg).gmtModified = chinaTime(now + 60000);
        });
        const r = await run('n1', { params: { startModified: chinaTime(now - 6 * DAY), pageSize: 10 } }, 1);
        should(r.caught).be.undefined();
        const got: string[] = r.outputs[0][0].payload.map((t: any) => t.TradeNo);
        should(got.length).equal(new Set(got).size);
        should(got.slice().sort()).eql(all.slice().sort());
        // page 1 (index 1) showed the smaller total: page 0 was read again
        should(sent().map((b) => b.pageIndex)).eql([0, 1, 0, 2]);
    });

    describe('incremental runs: no trade skipped for good, every read ends', () => {
        let flipping = false;
        afterEach(() => {
            flipping = false;
        });

        /** A store of `trades` trades modified over the last days, and the incremental node reading it. */
        async function storeOfTheLastDays(trades: number) {
            await sim.stop();
            const now = Date.now();
            sim = new JackyunSim({ base: now - 5 * DAY, spanDays: 4, trades });
            await sim.start();
            await start(direct({ maxRetries: 0 }), node({ incremental: true }));
            return now;
        }
        const emitted = (r: { outputs: Msg[][] }) => r.outputs[0].flatMap((m) => (m.payload as Msg[]).map((t) => t.TradeNo as string));
        const emptyAnswer = (totalResults: number) => ({ type: 'http' as const, status: 200, body: JSON.stringify({ code: 200, msg: '', subCode: '', result: { data: { trades: [], totalResults }, contextId: 'c0a8' } }), headers: { 'Content-Type': 'application/json' } });

        it('an empty page in the middle of a window whose total says more follow does not end the read as complete: the trades after it are not skipped for good', async () => {
            const now = await storeOfTheLastDays(30);
            const all = numbers(sim.trades);
            // Page 2 (pageIndex 1) answered empty once, its total unchanged (a replica not caught up, a cache miss, a
            // deep-paging limit): the 20 trades after page 1 are there, the total says so.
            sim.inject(emptyAnswer(all.length), 1, (r) => JSON.parse(new URLSearchParams(r.body).get('bizcontent') ?? '{}').pageIndex === 1);
            const params = { startModified: chinaTime(now - 6 * DAY), pageSize: 10 };
            const first = await run('n1', { params }, 1);
            // The next run, a few minutes later (inject), reads on from the watermark.
            const second = await run('n1', { params }, 1);
            const got = new Set([...emitted(first), ...emitted(second)]);
            const missing = all.filter((no) => !got.has(no));
            should(missing).eql([], `${missing.length} trades never emitted by either run; run 1 caught: ${first.caught?.error?.message}`);
        });

        it('an empty page that stays empty while the total says more follow fails the run (EMPTY_PAGE), by page number after asking it twice more and by cursor at once; the next run reads every trade', async () => {
            const now = await storeOfTheLastDays(30);
            const all = numbers(sim.trades);
            const params = { startModified: chinaTime(now - 6 * DAY), pageSize: 10 };
            for (const pagingMode of ['page', 'scroll']) {
                sim.clearRequests();
                // The second page asked, every time it is asked (three times by page number): pageIndex 1, or the
                // cursor's first scroll id.
                sim.inject(emptyAnswer(all.length), pagingMode === 'page' ? 3 : 1, (r) => {
                    const biz = JSON.parse(new URLSearchParams(r.body).get('bizcontent') ?? '{}');
                    return pagingMode === 'page' ? biz.pageIndex === 1 : biz.scrollId !== undefined && biz.scrollId !== '';
                });
                // From the start (the page mode's second run moved the watermark).
                const failed = await run('n1', { params: { ...params, pagingMode }, resetWatermark: true }, 1);
                should(failed.caught?._error).match({ code: 'EMPTY_PAGE', kind: 'transient', retryable: true }, pagingMode);
                should(failed.caught!._error.message).match(/came back empty .*total \(30\) says more .* the read was stopped so that those (records|trades) are not skipped/);
                // Page 2 asked three times by page number; a cursor's page once.
                should(sim.requests).have.length(pagingMode === 'page' ? 4 : 2);
                // The watermark stayed where it was: the next run reads every trade.
                const next = await run('n1', { params: { ...params, pagingMode } }, 1);
                should(next.caught).be.undefined();
                should(emitted(next).sort()).eql(all.slice().sort(), pagingMode);
            }
        });

        it('a total that differs from one answer to the next (two replicas, one a trade behind) does not keep the read going for ever: the run ends', async () => {
            const now = await storeOfTheLastDays(30);
            const total = sim.trades.length;
            // Each answer's total is counted by the other replica: 30, 31, 30, 31 …
            flipping = true;
            let n = 0;
            const flip = () => {
                if (!flipping) return;
                sim.totalAs = n++ % 2 === 0 ? total + 1 : total;
                sim.afterRequest(flip);
            };
            sim.totalAs = total;
            sim.afterRequest(flip);
            let outcome: string;
            try {
                const r = await run('n1', { params: { startModified: chinaTime(now - 6 * DAY), pageSize: 10 } }, 1, 5000);
                outcome = r.caught ? `caught: ${r.caught.error?.message}` : 'done';
            } catch (err) {
                outcome = (err as Error).message;
            }
            const asked = sim.requestCount;
            flipping = false;
            // Three pages of 10: a handful of requests, not thousands, and the msg finished one way or the other.
            should(outcome).not.match(/did not call done\(\)/, `the read never ended: ${asked} requests in 5 s (pageIndex ${sent().slice(-6).map((b) => b.pageIndex).join(', ')} …)`);
            should(asked).be.below(100);
        });
    });
});

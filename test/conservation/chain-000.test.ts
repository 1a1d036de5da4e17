import { helper, load, Msg } from '../helpers/nodered';
import { JackyunSim, JACKYUN_DEMO, SimTrade } from '../sim/jackyun';
import { KingdeeSim, KINGDEE_DEMO } from '../sim/kingdee';
import type { SimRequest } from '../sim/harness';
import { chinaTime } from '../../nodes/core/time';
import jackyunConfig = require('../../nodes/jackyun/jackyun-config');
import jackyunTradeQuery = require('../../nodes/jackyun/jackyun-trade-query');
import kingdeeConfig = require('../../nodes/kingdee/kingdee-config');
import kingdeeBatchSave = require('../../nodes/kingdee/kingdee-batch-save');
import erpMapper = require('../../nodes/mapper/erp-mapper');
import mapping from './fixtures/seed-000-sim.json';
import { FAST, checkAttempts, expect, possiblyProcessed, report, seedFor, seededRandom, settle, tally, vendorMix } from './kit';

const DAY = 86400000;
const isKingdeeData = (r: SimRequest) => !/AuthService/i.test(r.path);

/** Collects every msg that reaches the helper node `id`. */
function collect(id: string): Msg[] {
    const list: Msg[] = [];
    helper.getNode(id).on('input', (m: Msg) => list.push(m));
    return list;
}

function until(cond: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
    const start = Date.now();
    return new Promise((resolve, reject) => {
        const tick = () => {
            if (cond()) return resolve();
            if (Date.now() - start > timeoutMs) return reject(new Error(`timed out waiting: ${what()}`));
            setTimeout(tick, 20);
        };
        tick();
    });
}

describe('conservation under faults: scenario 000 chain (jackyun-trade-query → erp-mapper → kingdee-batch-save)', function () {
    this.timeout(90000);
    let jackyun: JackyunSim;
    let kingdee: KingdeeSim;

    afterEach(async () => {
        await helper.unload();
        await jackyun?.stop();
        await kingdee?.stop();
    });

    it('faults on both sides: every trade read is saved exactly once in Kingdee or is visible on a failures output or at Catch', async () => {
        const seed = seedFor(9501);
        const rand = seededRandom(seed);
        jackyun = new JackyunSim({ trades: 1500, spanDays: 32 });
        // A few trades Kingdee refuses (unknown material) and a few the mapper refuses (a goods line without goodsNo).
        const originals = jackyun.trades.slice();
        let refusedByKingdee = 0;
        let refusedByMapper = 0;
        originals.forEach((t, i) => {
            const r = rand();
            if (r >= 0.04) return;
            const body = JSON.parse(JSON.stringify(t.body));
            if (r < 0.02) {
                for (const line of body.goodsDetail as Msg[]) line.goodsNo = 'MAT999';
                refusedByKingdee++;
            } else {
                (body.goodsDetail as Msg[])[0].goodsNo = '';
                refusedByMapper++;
            }
            const copy: SimTrade = { ...t, tradeNo: `JYX${String(i).padStart(7, '0')}`, sourceTradeNo: `TBX${i}`, body };
            jackyun.addTrade(copy);
        });
        kingdee = new KingdeeSim();
        for (const s of [jackyun, kingdee]) s.recordLimit = 100000;
        await jackyun.start();
        await kingdee.start();

        const flow: Msg[] = [
            { id: 'f1', type: 'tab', label: 'scenario 000' },
            { id: 'cj', type: 'jackyun-config', mode: 'direct', gatewayUrl: `${jackyun.baseUrl}/open/openapi/do`, appKey: JACKYUN_DEMO.appKey, ...FAST },
            { id: 'ck', type: 'kingdee-config', serverUrl: kingdee.serverUrl, acctId: KINGDEE_DEMO.acctId, username: KINGDEE_DEMO.username, authMode: 'password', ...FAST },
            { id: 'q', type: 'jackyun-trade-query', z: 'f1', config: 'cj', params: { pageSize: { value: '50', type: 'num' } }, outputMode: 'page', wires: [['m', 'q-out']] },
            { id: 'm', type: 'erp-mapper', z: 'f1', target: 'kingdee-batch-save', mapping: JSON.stringify(mapping), wires: [['s', 'm-out1'], ['m-out2']] },
            { id: 's', type: 'kingdee-batch-save', z: 'f1', config: 'ck', params: { FormId: { value: 'SAL_OutStock', type: 'str' }, chunkSize: { value: '10', type: 'num' } }, wires: [['s-out1'], ['s-out2']] },
        ];
        // One catch and one complete node for the three (the test helper loads a core node's module once per node).
        flow.push({ id: 'chain-catch', type: 'catch', z: 'f1', scope: ['q', 'm', 's'], uncaught: false, wires: [['caught-probe']] });
        flow.push({ id: 'chain-complete', type: 'complete', z: 'f1', scope: ['q', 'm', 's'], uncaught: false, wires: [['done-probe']] });
        for (const id of ['q-out', 'm-out1', 'm-out2', 's-out1', 's-out2', 'caught-probe', 'done-probe']) flow.push({ id, type: 'helper', z: 'f1' });
        await load([jackyunConfig, jackyunTradeQuery, erpMapper, kingdeeConfig, kingdeeBatchSave], flow, { cj: { appSecret: JACKYUN_DEMO.appSecret }, ck: { password: KINGDEE_DEMO.password } });
        const got: Record<string, Msg[]> = {};
        for (const id of ['q-out', 'm-out1', 'm-out2', 's-out1', 's-out2']) got[id] = collect(id);
        for (const id of ['q', 'm', 's']) {
            got[`${id}-caught`] = [];
            got[`${id}-done`] = [];
        }
        helper.getNode('caught-probe').on('input', (m: Msg) => got[`${m.error.source.id}-caught`].push(m));
        // Which node finished a msg, told by the msg: the read's input has no page; a page holds trades; a mapped msg bills.
        helper.getNode('done-probe').on('input', (m: Msg) => got[`${m.page === undefined ? 'q' : Array.isArray(m.payload) && m.payload[0]?.FBillTypeID !== undefined ? 's' : 'm'}-done`].push(m));

        jackyun.injectRandom(vendorMix(seed, { rate: 0.15, rateLimit: 'rate-limit' }));
        kingdee.injectRandom(vendorMix(seed + 1, { rate: 0.12, rateLimit: 'rate-limit', rateLimitMatch: isKingdeeData, session: 'session-expired', sessionMatch: isKingdeeData, sessionMax: 6 }));

        // Two reads with windows that do not overlap (inclusive ends): no trade is read twice.
        const windows = [
            [jackyun.base, jackyun.base + 16 * DAY - 1000],
            [jackyun.base + 16 * DAY, jackyun.base + 31 * DAY],
        ];
        const finished = () => got['q-done'].length + got['q-caught'].length;
        for (let w = 0; w < windows.length; w++) {
            helper.getNode('q').receive({ params: { startModified: chinaTime(windows[w][0]), endModified: chinaTime(windows[w][1]) }, window: w });
            await until(() => finished() === w + 1, 60000, () => `read ${w} did not finish: ${JSON.stringify(Object.fromEntries(Object.entries(got).map(([k, v]) => [k, v.length])))}`);
        }
        // Quiet: the mapper has finished every page, the save node every mapped msg.
        await until(
            () => got['m-done'].length + got['m-caught'].length === got['q-out'].length && got['s-done'].length + got['s-caught'].length === got['m-out1'].length,
            60000,
            () => JSON.stringify(Object.fromEntries(Object.entries(got).map(([k, v]) => [k, v.length]))),
        );
        await settle();

        // Reads: a completed read emitted exactly its window; trades read once.
        const read = got['q-out'].flatMap((m) => m.payload.map((t: Msg) => String(t.TradeNo)));
        const readTally = tally(read);
        expect(readTally.dups.length === 0, seed, 'a trade was read twice', readTally.dups);
        const caughtReads = new Set(got['q-caught'].map((m) => m.window));
        windows.forEach(([from, to], w) => {
            if (caughtReads.has(w)) return;
            const want = jackyun.tradesModifiedBetween(from, to).map((t) => t.tradeNo);
            const mine = got['q-out'].filter((m) => m.window === w).flatMap((m) => m.payload.map((t: Msg) => String(t.TradeNo)));
            expect(JSON.stringify(mine) === JSON.stringify(want), seed, `read ${w} emitted ${mine.length} trades, its window holds ${want.length}`);
        });

        // Each trade read ends in exactly one place.
        const places: Array<[string, string]> = [];
        for (const m of got['m-out2']) places.push([String(m.payload.TradeNo), 'mapper output 2']);
        for (const m of got['m-caught']) for (const t of m.payload) places.push([String(t.TradeNo), 'mapper Catch']);
        for (const m of got['s-out1']) for (const s of m.payload) places.push([String(s.model.FBillNo), 'saved']);
        for (const m of got['s-out2']) places.push([String(m.payload.FBillNo), 'save output 2']);
        for (const m of got['s-caught']) for (const b of m.payload) places.push([String(b.FBillNo), 'save Catch']);
        const where = new Map<string, string[]>();
        for (const [k, p] of places) where.set(k, [...(where.get(k) ?? []), p]);
        const lost = read.filter((k) => !where.has(k));
        expect(lost.length === 0, seed, `${lost.length} trades read but neither saved nor on a failures output nor at Catch`, lost.slice(0, 20));
        const twice = [...where].filter(([, p]) => p.length > 1);
        expect(twice.length === 0, seed, 'trades accounted for twice', twice.slice(0, 10));
        const strays = [...where.keys()].filter((k) => !readTally.counts.has(k));
        expect(strays.length === 0, seed, 'records downstream that were never read', strays.slice(0, 10));

        // Kingdee's books: a saved trade exactly once; a failed one only when marked as possibly processed.
        const bills = new Map<string, Set<unknown>>();
        for (const r of kingdee.rows('SAL_OutStock')) {
            if (!bills.has(String(r.FBillNo))) bills.set(String(r.FBillNo), new Set());
            bills.get(String(r.FBillNo))!.add(r.FID);
        }
        for (const [no, fids] of bills) expect(fids.size === 1, seed, `trade ${no} saved ${fids.size} times`);
        const failedSave = new Map(got['s-out2'].map((m) => [String(m.payload.FBillNo), m]));
        for (const [k, p] of where) {
            const inBooks = bills.has(k);
            if (p[0] === 'saved') expect(inBooks, seed, `trade ${k} reported saved but not in Kingdee`);
            else if (p[0] === 'save output 2') expect(!inBooks || possiblyProcessed(failedSave.get(k)!), seed, `trade ${k} in Kingdee but on output 2 as ${failedSave.get(k)!.error.code}`);
            else expect(!inBooks, seed, `trade ${k} in Kingdee although its msg went to ${p[0]}`);
        }
        const strayBills = [...bills.keys()].filter((k) => !readTally.counts.has(k));
        expect(strayBills.length === 0, seed, 'bills in Kingdee for trades never read', strayBills.slice(0, 10));

        const count = (p: string) => places.filter(([, x]) => x === p).length;
        const kAttempts = checkAttempts(kingdee, seed, { key: (r) => (isKingdeeData(r) ? r.body : undefined), isWrite: (r) => /BatchSave/i.test(r.path), sessionFault: 'session-expired', rateFault: 'rate-limit' });
        const jAttempts = checkAttempts(jackyun, seed, { key: (r) => new URLSearchParams(r.body).get('bizcontent') ?? undefined });
        report('scenario 000 chain', seed, kingdee, { read: read.length, saved: count('saved'), saveFailed: count('save output 2'), saveCaught: count('save Catch'), mapperFailed: count('mapper output 2'), mapperCaught: count('mapper Catch'), readsCaught: caughtReads.size, refusedByKingdee, refusedByMapper, jackyunFaults: jackyun.faultLog.length, kingdeeRetried: kAttempts.retried, jackyunRetried: jAttempts.retried });
        expect(count('saved') > 0 && count('mapper output 2') > 0 && kAttempts.retried + jAttempts.retried > 0, seed, 'the chain saved trades, the mapper refused some and calls were retried');
    });
});

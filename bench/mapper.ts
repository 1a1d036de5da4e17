/**
 * erp-mapper bench: the seed 000 mapping (吉客云 trade with 3 goods lines → 金蝶 SAL_OutStock) over N trades, in one
 * process, three ways:
 *   - erp-mapper: compileMapping() of the fixture's mapping;
 *   - JSONata: the same mapping as one JSONata expression, `await expr.evaluate(trade)` per trade, as a change node
 *     runs it;
 *   - hand-written: a JavaScript function a developer would write in a function node for the same job, with the same
 *     output and the same checks (required tradeNo/goodsNo, numbers and dates that do not parse fail the trade, with
 *     field and source named) and the same {ok, record | errors} result; it takes the same short cuts erp-mapper
 *     takes (a yyyy-MM-dd HH:mm:ss text is cut to the date, not parsed and formatted again).
 * Validation: the targets are judged without output validation on either side (the mapping work alone). The same
 * pair is also measured with the target schema validated by ajv on both sides (what the node does when it has a
 * target); JSONata is measured once, without validation (a change node has none).
 * Figures are records per CPU second of this process (wall-clock records/s printed beside them: on a shared machine
 * wall time mostly measures the other processes), the median of interleaved rounds over all N trades; the ratio to
 * the hand-written function is the median of the rounds' ratios.
 * Before timing, the three must agree on the fixture, the hand-written and erp-mapper on the first 1,000 generated
 * trades, and both must fail a broken trade naming the same fields.
 *
 * Usage: node dist/bench/mapper.js [N=100000] (BENCH_QUICK=1: 10,000). Prints a table and one `BENCH {json}` line.
 */
import fs from 'fs';
import path from 'path';
import jsonata from 'jsonata';
import { compileMapping, MapResult } from '../nodes/mapper/compile';
import { compileRecordSchema } from '../nodes/core/validate';
import { chinaTime, toEpochMs } from '../nodes/core/time';
import { atLeast, gc, interleave, log, main, median, quick, round } from './lib/bench';

const N = Number(process.argv[2] ?? process.env.BENCH_MAPPER_N ?? (quick ? 10000 : 100000));
const ROUNDS = quick ? 3 : 7;
const fx = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'test', 'mapper', 'fixtures', 'seed-000.json'), 'utf8'));

function trades(n: number): any[] {
    const out = new Array(n);
    for (let i = 0; i < n; i++) {
        const t = JSON.parse(JSON.stringify(fx.source));
        t.tradeNo = `JY${String(i).padStart(10, '0')}`;
        t.shopCode = i % 3 === 0 ? 'SHOP-JD' : i % 3 === 1 ? 'SHOP-TM' : 'SHOP-X';
        t.goodsDetail.forEach((g: any, k: number) => (g.sellCount = String(((i + k) % 7) + 1)));
        out[i] = t;
    }
    return out;
}

const JSONATA_EXPR = `{
  "FBillTypeID": {"FNUMBER": "XSCKD01_SYS"},
  "FBillNo": tradeNo,
  "FDate": $fromMillis($toMillis(consignTime, "[Y0001]-[M01]-[D01] [H01]:[m01]:[s01]") - 28800000, "[Y0001]-[M01]-[D01]", "+0800"),
  "FSaleOrgID": {"FNumber": "100"},
  "FCustomerID": {"FNumber": $lookup({"SHOP-TM": "CUST0001", "SHOP-JD": "CUST0002"}, shopCode) ? $lookup({"SHOP-TM": "CUST0001", "SHOP-JD": "CUST0002"}, shopCode) : "CUST9999"},
  "FNote": tradeNo & "-" & shopId & " " & sellerMemo,
  "FStockOrgID": {"FNumber": "100"},
  "FOwnerIdHead": {"FNumber": "100"},
  "FEntity": [$map(goodsDetail, function($g) {{
    "FMaterialID": {"FNumber": $g.goodsNo},
    "FRealQty": $number($g.sellCount),
    "FPrice": $number($g.sellPrice),
    "FAmount": $number($g.sellTotal),
    "FStockID": {"FNumber": $$.warehouseCode},
    "FEntrynote": $g.goodsMemo ? $g.goodsMemo : undefined,
    "FEntryTaxRate": $g.taxRate ? $number($g.taxRate) : 13,
    "FSoorDerno": $$.tradeNo,
    "FJKShopNumber": $g.sourceTradeNo
  }})]
}`;

type Err = { field: string; source: string; reason: string };
const CUSTOMERS: Record<string, string> = { 'SHOP-TM': 'CUST0001', 'SHOP-JD': 'CUST0002' };
const empty = (v: unknown) => v === undefined || v === null || v === '';
// The usual vendor form is cut, not parsed and formatted again (erp-mapper does the same; it also checks the calendar).
const CHINA_TEXT = /^\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}:\d{2})?$/;
const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN);

function fail(errors: Err[] | null, field: string, source: string, reason: string): Err[] {
    const out = errors ?? [];
    out.push({ field, source, reason });
    return out;
}

/** What a developer writes for seed 000: same output, same failures, same result shape as erp-mapper. */
function handWritten(t: any, validate?: (r: unknown) => boolean): MapResult {
    let errors: Err[] | null = null;
    const out: any = { FBillTypeID: { FNUMBER: 'XSCKD01_SYS' } };
    if (empty(t.tradeNo)) errors = fail(errors, 'FBillNo', 'tradeNo', 'is required (source is empty)');
    else out.FBillNo = t.tradeNo;
    if (typeof t.consignTime === 'string' && CHINA_TEXT.test(t.consignTime)) out.FDate = t.consignTime.slice(0, 10);
    else if (!empty(t.consignTime)) {
        const ms = toEpochMs(t.consignTime);
        if (Number.isNaN(ms)) errors = fail(errors, 'FDate', 'consignTime', 'is not a date');
        else out.FDate = chinaTime(ms).slice(0, 10);
    }
    out.FSaleOrgID = { FNumber: '100' };
    out.FCustomerID = { FNumber: typeof t.shopCode === 'string' && Object.prototype.hasOwnProperty.call(CUSTOMERS, t.shopCode) ? CUSTOMERS[t.shopCode] : 'CUST9999' };
    const note = `${empty(t.tradeNo) ? '' : t.tradeNo}-${empty(t.shopId) ? '' : t.shopId} ${empty(t.sellerMemo) ? '' : t.sellerMemo}`;
    if (!empty(t.tradeNo) || !empty(t.shopId) || !empty(t.sellerMemo)) out.FNote = note;
    out.FStockOrgID = { FNumber: '100' };
    out.FOwnerIdHead = { FNumber: '100' };
    const lines: any[] = [];
    const goods = Array.isArray(t.goodsDetail) ? t.goodsDetail : [];
    for (let i = 0; i < goods.length; i++) {
        const g = goods[i];
        const line: any = {};
        if (empty(g.goodsNo)) errors = fail(errors, `FEntity[${i}].FMaterialID`, `goodsDetail[${i}].goodsNo`, 'is required (source is empty)');
        else line.FMaterialID = { FNumber: g.goodsNo };
        if (!empty(g.sellCount)) {
            const n = num(g.sellCount);
            if (Number.isFinite(n)) line.FRealQty = n;
            else errors = fail(errors, `FEntity[${i}].FRealQty`, `goodsDetail[${i}].sellCount`, 'is not a number');
        }
        if (!empty(g.sellPrice)) {
            const n = num(g.sellPrice);
            if (Number.isFinite(n)) line.FPrice = n;
            else errors = fail(errors, `FEntity[${i}].FPrice`, `goodsDetail[${i}].sellPrice`, 'is not a number');
        }
        if (!empty(g.sellTotal)) {
            const n = num(g.sellTotal);
            if (Number.isFinite(n)) line.FAmount = n;
            else errors = fail(errors, `FEntity[${i}].FAmount`, `goodsDetail[${i}].sellTotal`, 'is not a number');
        }
        if (!empty(t.warehouseCode)) line.FStockID = { FNumber: t.warehouseCode };
        if (!empty(g.goodsMemo)) line.FEntrynote = g.goodsMemo;
        const rate = empty(g.taxRate) ? 13 : num(g.taxRate);
        if (Number.isFinite(rate)) line.FEntryTaxRate = rate;
        else errors = fail(errors, `FEntity[${i}].FEntryTaxRate`, `goodsDetail[${i}].taxRate`, 'is not a number');
        if (!empty(t.tradeNo)) line.FSoorDerno = t.tradeNo;
        if (!empty(g.sourceTradeNo)) line.FJKShopNumber = g.sourceTradeNo;
        lines.push(line);
    }
    out.FEntity = lines;
    if (errors) return { ok: false, errors };
    if (validate && !validate(out)) return { ok: false, errors: [{ field: '(schema)', source: '', reason: 'invalid' }] };
    return { ok: true, record: out };
}

main('mapper', async () => {
    const data = trades(N);
    const mapper = compileMapping(fx.mapping, { schema: fx.schema, validate: false });
    const mapperValidated = compileMapping(fx.mapping, { schema: fx.schema });
    // Its own compiled validator (same schema and options): the two sides do not share ajv's inline caches.
    const ajv = compileRecordSchema(JSON.parse(JSON.stringify(fx.schema)));
    const expr = jsonata(JSONATA_EXPR);

    // Same work on every side, checked before anything is timed.
    const a = JSON.stringify((mapper(fx.source) as any).record);
    const b = JSON.stringify(await expr.evaluate(fx.source));
    const c = JSON.stringify((handWritten(fx.source) as any).record);
    if (a !== JSON.stringify(fx.expected) || b !== a || c !== a) throw new Error(`the three mappings disagree:\n${a}\n${b}\n${c}`);
    for (let i = 0; i < Math.min(N, 1000); i++) {
        const m = JSON.stringify(mapperValidated(data[i]));
        const h = JSON.stringify(handWritten(data[i], ajv));
        if (m !== h) throw new Error(`erp-mapper and hand-written disagree on trade ${i}:\n${m}\n${h}`);
    }
    const broken = JSON.parse(JSON.stringify(fx.source));
    delete broken.goodsDetail[1].goodsNo;
    broken.goodsDetail[2].sellCount = '三';
    const fields = (r: MapResult) => (r.ok ? [] : r.errors.map((e) => e.field)).join(',');
    if (fields(mapper(broken) as MapResult) !== fields(handWritten(broken)) || fields(handWritten(broken)) === '') throw new Error('erp-mapper and hand-written do not fail the broken trade alike');

    let sink = 0;
    // Records per CPU second of this process (user + system, GC threads included): on a shared machine wall time
    // mostly measures the other processes; wall-clock records/s are printed beside it.
    const measure = (fn: () => void) => {
        const c0 = process.cpuUsage();
        const t0 = process.hrtime.bigint();
        fn();
        const c = process.cpuUsage(c0);
        return { cpu: N / ((c.user + c.system) / 1e6), wall: N / (Number(process.hrtime.bigint() - t0) / 1e9) };
    };
    const wall: Record<string, number[]> = { mapper: [], handWritten: [], mapperValidated: [], handWrittenValidated: [] };
    const side = (name: string, fn: () => void) => async () => {
        const m = measure(fn);
        wall[name].push(m.wall);
        return m.cpu;
    };
    const sides = {
        mapper: side('mapper', () => { for (let i = 0; i < N; i++) { const r = mapper(data[i]) as MapResult; if (r.ok) sink += (r.record.FEntity as unknown[]).length; } }),
        handWritten: side('handWritten', () => { for (let i = 0; i < N; i++) { const r = handWritten(data[i]); if (r.ok) sink += (r.record.FEntity as unknown[]).length; } }),
        mapperValidated: side('mapperValidated', () => { for (let i = 0; i < N; i++) { const r = mapperValidated(data[i]) as MapResult; if (r.ok) sink += (r.record.FEntity as unknown[]).length; } }),
        handWrittenValidated: side('handWrittenValidated', () => { for (let i = 0; i < N; i++) { const r = handWritten(data[i], ajv); if (r.ok) sink += (r.record.FEntity as unknown[]).length; } }),
    };
    // Interleaved rounds (order alternates, a full GC before each side when node runs
    // with --expose-gc as run-all starts it). Figures: the median round; ratios: the median of the rounds' ratios.
    // Warm-up: every side over every trade, twice, untimed (the first passes measure the JIT, not the code).
    for (let k = 0; k < 2; k++) for (const run of Object.values(sides)) await run();
    for (const w of Object.values(wall)) w.length = 0;
    const rounds = await interleave(ROUNDS, sides, gc);
    for (let i = 0; i < Math.min(N, 500); i++) await expr.evaluate(data[i]);
    log(`JSONata over ${N} trades (one round)`);
    const j = { cpu: 0, wall: 0 };
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) { const r: any = await expr.evaluate(data[i]); sink += r.FEntity.length; }
    const jc = process.cpuUsage(c0);
    j.cpu = N / ((jc.user + jc.system) / 1e6);
    j.wall = N / (Number(process.hrtime.bigint() - t0) / 1e9);
    if (sink === 0) throw new Error('nothing was mapped');

    const rps = {
        mapper: median(rounds.mapper),
        handWritten: median(rounds.handWritten),
        mapperValidated: median(rounds.mapperValidated),
        handWrittenValidated: median(rounds.handWrittenValidated),
        jsonata: j.cpu,
    };
    const ratios = (a: number[], b: number[]) => a.map((x, i) => x / b[i]);
    const perRound = ratios(rounds.mapper, rounds.handWritten);
    const vsJsonata = rps.mapper / rps.jsonata;
    const vsHand = median(perRound);
    const vsHandValidated = median(ratios(rounds.mapperValidated, rounds.handWrittenValidated));
    const f = (n: number) => Math.round(n).toLocaleString('en').padStart(11);
    console.log(`erp-mapper bench: seed 000, ${N} trades × ${fx.source.goodsDetail.length} lines, node ${process.version}; median of ${ROUNDS} interleaved rounds (JSONata: one round)`);
    console.log(`records per CPU second (wall-clock records/s in brackets)`);
    console.log(`                          no validation             ajv validation of the target schema`);
    console.log(`  erp-mapper (compiled)   ${f(rps.mapper)} (${f(median(wall.mapper))})   ${f(rps.mapperValidated)} (${f(median(wall.mapperValidated))})`);
    console.log(`  hand-written function   ${f(rps.handWritten)} (${f(median(wall.handWritten))})   ${f(rps.handWrittenValidated)} (${f(median(wall.handWrittenValidated))})`);
    console.log(`  JSONata (await each)    ${f(rps.jsonata)} (${f(j.wall)})   not run: a change node does not validate`);
    console.log(`  mapper / JSONata        = ${round(vsJsonata, 1)}× (target ≥ 10×, both without validation)`);
    console.log(`  mapper / hand-written   = ${round(vsHand, 2)}× (target ≥ 0.5×, both without validation; rounds ${perRound.map((r) => round(r, 2)).join(', ')})`);
    console.log(`  mapper / hand-written   = ${round(vsHandValidated, 2)}× with the same ajv validation on both sides`);
    return {
        name: 'mapper',
        figures: {
            trades: N,
            lines: fx.source.goodsDetail.length,
            mapperPerSecond: Math.round(rps.mapper),
            handWrittenPerSecond: Math.round(rps.handWritten),
            jsonataPerSecond: Math.round(rps.jsonata),
            mapperValidatedPerSecond: Math.round(rps.mapperValidated),
            handWrittenValidatedPerSecond: Math.round(rps.handWrittenValidated),
            jsonataWallPerSecond: Math.round(j.wall),
            mapperWallPerSecond: Math.round(median(wall.mapper)),
            handWrittenWallPerSecond: Math.round(median(wall.handWritten)),
            mapperVsHandWrittenValidated: round(vsHandValidated, 2),
        },
        checks: [atLeast('erp-mapper / JSONata (no validation either side)', vsJsonata, 10, '×'), atLeast('erp-mapper / hand-written (no validation either side)', vsHand, 0.5, '×')],
        notes: ['erp-mapper bench: records per CPU second, median of interleaved rounds; the hand-written side has the same output, checks and result shape; targets judged without validation on either side, validated figures use the same ajv validation on both sides'],
    };
});

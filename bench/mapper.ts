/**
 * erp-mapper bench: the seed 000 mapping (吉客云 trade with 3 goods lines → 金蝶 SAL_OutStock) over N trades, in one
 * run: the compiled mapping vs the same mapping as one JSONata expression per record (as a change node runs it:
 * await evaluate) vs a hand-written JavaScript function. Output validation is off for all three (same work).
 * Usage: node dist-mapper/bench/mapper.js [N=100000]. Prints a table and one `BENCH {json}` line.
 */
import fs from 'fs';
import path from 'path';
import jsonata from 'jsonata';
import { compileMapping } from '../nodes/mapper/compile';
import { chinaTime, toEpochMs } from '../nodes/core/time';

const N = Number(process.argv[2] ?? process.env.BENCH_MAPPER_N ?? 100000);
const fx = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'test', 'mapper', 'fixtures', 'seed-000.json'), 'utf8'));

function trades(n: number): any[] {
    const out = new Array(n);
    for (let i = 0; i < n; i++) {
        const t = JSON.parse(JSON.stringify(fx.source));
        t.tradeNo = `JY${String(i).padStart(10, '0')}`;
        t.shopCode = i % 3 === 0 ? 'SHOP-JD' : i % 3 === 1 ? 'SHOP-TM' : 'SHOP-X';
        t.goodsDetail.forEach((g: any, k: number) => (g.sellCount = String((i + k) % 7 + 1)));
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

const CUSTOMERS: Record<string, string> = { 'SHOP-TM': 'CUST0001', 'SHOP-JD': 'CUST0002' };
const empty = (v: unknown) => v === undefined || v === null || v === '';
function handWritten(t: any): any {
    const out: any = {
        FBillTypeID: { FNUMBER: 'XSCKD01_SYS' },
        FBillNo: t.tradeNo,
        FDate: chinaTime(toEpochMs(t.consignTime)).slice(0, 10),
        FSaleOrgID: { FNumber: '100' },
        FCustomerID: { FNumber: Object.prototype.hasOwnProperty.call(CUSTOMERS, t.shopCode) ? CUSTOMERS[t.shopCode] : 'CUST9999' },
        FNote: `${t.tradeNo}-${t.shopId} ${t.sellerMemo}`,
        FStockOrgID: { FNumber: '100' },
        FOwnerIdHead: { FNumber: '100' },
        FEntity: [],
    };
    for (const g of t.goodsDetail) {
        const line: any = { FMaterialID: { FNumber: g.goodsNo }, FRealQty: Number(g.sellCount), FPrice: Number(g.sellPrice), FAmount: Number(g.sellTotal), FStockID: { FNumber: t.warehouseCode } };
        if (!empty(g.goodsMemo)) line.FEntrynote = g.goodsMemo;
        line.FEntryTaxRate = empty(g.taxRate) ? 13 : Number(g.taxRate);
        line.FSoorDerno = t.tradeNo;
        line.FJKShopNumber = g.sourceTradeNo;
        out.FEntity.push(line);
    }
    return out;
}

async function main() {
    const data = trades(N);
    const mapper = compileMapping(fx.mapping, { schema: fx.schema, validate: false });
    const expr = jsonata(JSONATA_EXPR);
    // The three agree on the fixture before anything is timed.
    const a = JSON.stringify((mapper(fx.source) as any).record);
    const b = JSON.stringify(await expr.evaluate(fx.source));
    const c = JSON.stringify(handWritten(fx.source));
    if (a !== JSON.stringify(fx.expected) || b !== a || c !== a) throw new Error(`bench: the three mappings disagree:\n${a}\n${b}\n${c}`);

    let sink = 0;
    const time = async (fn: () => Promise<void> | void) => {
        const t0 = process.hrtime.bigint();
        await fn();
        return Number(process.hrtime.bigint() - t0) / 1e9;
    };
    const runMapper = () => { for (let i = 0; i < N; i++) { const r: any = mapper(data[i]); if (r.ok) sink += r.record.FEntity.length; } };
    const runHand = () => { for (let i = 0; i < N; i++) sink += handWritten(data[i]).FEntity.length; };
    const runJsonata = async () => { for (let i = 0; i < N; i++) { const r: any = await expr.evaluate(data[i]); sink += r.FEntity.length; } };

    // Warm-up, then two timed rounds each, interleaved; the best round counts.
    const warm = Math.min(N, 5000);
    for (let i = 0; i < warm; i++) { mapper(data[i]); handWritten(data[i]); }
    for (let i = 0; i < Math.min(N, 500); i++) await expr.evaluate(data[i]);
    const best = { mapper: Infinity, hand: Infinity, jsonata: Infinity };
    for (let round = 0; round < 2; round++) {
        best.mapper = Math.min(best.mapper, await time(runMapper));
        best.hand = Math.min(best.hand, await time(runHand));
        best.jsonata = Math.min(best.jsonata, await time(runJsonata));
    }
    const rps = { mapper: Math.round(N / best.mapper), jsonata: Math.round(N / best.jsonata), handWritten: Math.round(N / best.hand) };
    const ratios = { mapperVsJsonata: +(rps.mapper / rps.jsonata).toFixed(2), mapperVsHandWritten: +(rps.mapper / rps.handWritten).toFixed(2) };
    const targets = { mapperVsJsonata: ratios.mapperVsJsonata >= 10, mapperVsHandWritten: ratios.mapperVsHandWritten >= 0.5 };
    console.log(`erp-mapper bench: seed 000, ${N} trades × ${fx.source.goodsDetail.length} lines, node ${process.version}`);
    console.log(`  erp-mapper (compiled)   ${rps.mapper.toLocaleString('en')} records/s`);
    console.log(`  JSONata (await each)    ${rps.jsonata.toLocaleString('en')} records/s`);
    console.log(`  hand-written function   ${rps.handWritten.toLocaleString('en')} records/s`);
    console.log(`  mapper / JSONata = ${ratios.mapperVsJsonata}× (target ≥ 10×: ${targets.mapperVsJsonata ? 'met' : 'MISSED'})`);
    console.log(`  mapper / hand-written = ${ratios.mapperVsHandWritten}× (target ≥ 0.5×: ${targets.mapperVsHandWritten ? 'met' : 'MISSED'})`);
    console.log('BENCH ' + JSON.stringify({ bench: 'mapper', records: N, lines: fx.source.goodsDetail.length, recordsPerSecond: rps, ratios, targets, sink: sink > 0 }));
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});

/**
 * The example flows' mappings (the erp-mapper node of examples 01 and 03) run on records shaped as the seeds' field
 * tables give them: every field text, some of it empty.
 */
import fs from 'fs';
import path from 'path';
import should from 'should';
import { exampleFiles } from '../../scripts/demo';
import { compileMapping, MapResult } from '../../nodes/mapper/compile';

// The mapper validates against the target node's schema: register those nodes' specs (no runtime needed).
const fakeRED: any = { nodes: { createNode() {}, registerType() {}, getNode() {} }, httpAdmin: { get() {}, post() {} }, auth: { needsPermission: () => (_q: unknown, _s: unknown, n: () => void) => n() }, util: {}, settings: {} };
for (const m of ['kingdee/kingdee-batch-save', 'jingcheng/jingcheng-recv', 'wdt/wdt-trade-push', 'wdt-wms/wdt-wms-cancel']) require(path.join(__dirname, '..', '..', 'nodes', m))(fakeRED);

/** The erp-mapper of the example flow whose file name starts with `prefix`, compiled. */
const exampleMapping = (prefix: string) => {
    const flow: Array<Record<string, any>> = JSON.parse(fs.readFileSync(exampleFiles().find((f) => path.basename(f).startsWith(prefix))!, 'utf8'));
    return compileMapping(flow.find((n) => n.type === 'erp-mapper')!.mapping);
};

const mappingOf = (prefix: string) => {
    const map = exampleMapping(prefix);
    return async (record: unknown) => {
        const r: MapResult = await map(record);
        if (!r.ok) throw new Error(JSON.stringify(r.errors));
        return r.record as Record<string, any>;
    };
};

/** The fields a record failed on (none: it mapped). */
const mappingFailures = (prefix: string) => {
    const map = exampleMapping(prefix);
    return async (record: unknown) => {
        const r: MapResult = await map(record);
        return r.ok ? [] : r.errors;
    };
};

describe('example 01 mapping (seed 000: Jackyun trade → Kingdee SAL_OutStock)', () => {
    const map = mappingOf('01');
    // seed 000's response table: every field text ("goodsDetail.taxRate税率string", "goodsDetail.discountTotal优惠金额string")
    const trade = (line: Record<string, unknown> = {}) => ({
        TradeNo: 'JY2024000001',
        sellerMemo: '',
        goodsDetail: [
            {
                goodsNo: 'G001', sellCount: '2', sellPrice: '50.00', sellTotal: '100.00', discountTotal: '10.00', taxRate: '0.13', goodsMemo: '', sourceTradeNo: 'TB2024000001', shopId: '1001', consignTime: '2024-01-05 10:00:00',
                tradeOrderPayList: [{ tradeOrderColumnExt: { warehouseCode: 'CK01', logisticName: '顺丰速运', mainPostid: 'SF1' } }],
                ...line,
            },
        ],
    });

    it('a line\'s discount is kept: FDiscount (折扣额) from discountTotal, F_QKZI_Decimal1 (吉客云折后总金额) = sellTotal − discountTotal', async () => {
        const line = (await map(trade())).FEntity[0];
        should(line).match({ FDiscount: 10, F_QKZI_Decimal1: 90, FEntryTaxRate: 13 });
        should((await map(trade({ discountTotal: '' }))).FEntity[0]).match({ F_QKZI_Decimal1: 100 });
    });

    it('the price a buyer paid (sellPrice, tax included) is Kingdee\'s 含税单价 FTaxPrice: not FPrice (before tax), which Kingdee would raise by the tax rate again; the amounts are left to Kingdee', async () => {
        const line = (await map(trade())).FEntity[0];
        should(line).match({ FTaxPrice: 50, FRealQty: 2, FEntryTaxRate: 13 });
        should(line).not.have.property('FPrice');
        should(line).not.have.property('FAmount');
    });

    it('only shipped trades reach the mapper: a cancelled trade (5030 已取消被拆分: its goods ship with the split trades) or one not shipped yet makes no sales outbound bill', () => {
        // Jackyun's trade statuses: 6000 发货在途, 9090 已完成 (shipped); 5010 已取消, 5020 已取消被合并, 5030 已取消被拆分,
        // 1010 待审核 … 4130 待发货部分发货 (not out of the warehouse). Seed 000 lists the status on the lines
        // (goodsDetail.tradeStatus), the API also on the trade.
        const flow: Array<Record<string, any>> = JSON.parse(fs.readFileSync(exampleFiles().find((f) => path.basename(f).startsWith('01'))!, 'utf8'));
        const query = flow.find((n) => n.type === 'jackyun-trade-query')!;
        const mapper = flow.find((n) => n.type === 'erp-mapper')!;
        const between = flow.filter((n) => query.wires[0].includes(n.id) && n.type === 'function');
        should(between).have.length(1, 'no function node between the query and the mapper keeps the shipped trades');
        should(between[0].wires).eql([[mapper.id]]);
        should(query.wires[0]).not.containEql(mapper.id);
        const statuses: string[] = [];
        // The node's context, kept across msgs and runs as Node-RED keeps it (across deploys too, with contextStorage).
        const ctx = new Map<string, unknown>();
        const run = (payload: unknown, extra: Record<string, unknown> = {}) => {
            const msg: Record<string, any> = { payload, _msgid: 'm1', ...extra };
            const out = new Function('msg', 'node', 'context', between[0].func)(msg, { status: (s: any) => statuses.push(s.text) }, { get: (k: string) => ctx.get(k), set: (k: string, v: unknown) => ctx.set(k, v) });
            return out.payload;
        };
        const t = (no: string, status: unknown, where: 'trade' | 'line' = 'line') => ({ ...trade(), TradeNo: no, ...(where === 'trade' ? { tradeStatus: status } : {}), goodsDetail: [{ ...trade().goodsDetail[0], ...(where === 'line' ? { tradeStatus: status } : {}) }] });
        const page = [t('A', '6000'), t('B', '5030'), t('C', 9090, 'trade'), t('D', '5010'), t('E', '1010'), t('F', 5020, 'trade'), t('G', '4130'), t('H', undefined)];
        should(run(page).map((x: any) => x.TradeNo)).eql(['A', 'C', 'H']);
        // Bilingual, as the example's node names are, Chinese first.
        should(statuses[statuses.length - 1]).equal('已发货 3，跳过 5 · shipped 3, skipped 5');
        // One trade per msg: a skipped one leaves an empty list (the mapper sends nothing on and hands back its ticket).
        should(run(t('B', '5030'))).eql([]);
        should(run(t('A', '6000')).TradeNo).equal('A');
    });

    it('the "shipped only" status counts the last run, not every run since deploy: a run\'s first msg starts the count again', () => {
        const flow: Array<Record<string, any>> = JSON.parse(fs.readFileSync(exampleFiles().find((f) => path.basename(f).startsWith('01'))!, 'utf8'));
        const node = flow.find((n) => n.id === 'ex01-shipped')!;
        const ctx = new Map<string, unknown>();
        const statuses: string[] = [];
        const run = (payload: unknown, extra: Record<string, unknown> = {}) =>
            new Function('msg', 'node', 'context', node.func)({ payload, ...extra }, { status: (s: any) => statuses.push(s.text) }, { get: (k: string) => ctx.get(k), set: (k: string, v: unknown) => ctx.set(k, v) });
        const t = (no: string, status: string) => ({ ...trade(), TradeNo: no, tradeStatus: status });
        const last = () => statuses[statuses.length - 1];
        // One msg a page (the example's output mode): msg.page.first is 0 on a run's first page.
        for (let runNo = 0; runNo < 2; runNo++) {
            run([t('A', '6000'), t('B', '5030')], { page: { page: 1, first: 0, count: 2 } });
            run([t('C', '9090'), t('D', '1010'), t('E', '5010')], { page: { page: 2, first: 2, count: 3 } });
            should(last()).equal('已发货 2，跳过 3 · shipped 2, skipped 3', `run ${runNo + 1}`);
        }
        // One msg a trade: msg.page.index 0 is the run's first trade.
        run(t('A', '6000'), { page: { page: 1, first: 0, count: 2, index: 0 } });
        run(t('B', '5030'), { page: { page: 1, first: 0, count: 2, index: 1 } });
        should(last()).equal('已发货 1，跳过 1 · shipped 1, skipped 1');
        // The whole run in one msg (no msg.page): that msg alone.
        run([t('A', '6000'), t('C', '9090'), t('B', '5030')], { count: 3, pages: 1 });
        should(last()).equal('已发货 2，跳过 1 · shipped 2, skipped 1');
        run([t('A', '6000')], { count: 1, pages: 1 });
        should(last()).equal('已发货 1，跳过 0 · shipped 1, skipped 0');
    });

    it('a trade whose one goods line comes as an object, not a list, maps whole: its date and customer come from that line', async () => {
        const t = trade();
        const out = await map({ ...t, goodsDetail: t.goodsDetail[0] });
        should(out).match({ FDate: '2024-01-05', FCustomerID: { FNumber: 'CUST001' } });
        should(out.FEntity).have.length(1);
    });

    it('an empty or missing tax rate takes the rule\'s default (13) instead of failing the whole bill', async () => {
        for (const taxRate of ['', null, undefined]) should((await map(trade({ taxRate }))).FEntity[0].FEntryTaxRate).equal(13);
        should((await map(trade({ taxRate: '0.09' }))).FEntity[0].FEntryTaxRate).equal(9);
    });

    it('a tax rate given as a percentage (13, 6, 1) is taken as it is, not multiplied again: no VAT rate is 100% or more', async () => {
        for (const [taxRate, want] of [['13', 13], [6, 6], ['1', 1], ['0.13', 13], [0.01, 1], ['0', 0]] as const) {
            should((await map(trade({ taxRate }))).FEntity[0].FEntryTaxRate).equal(want, `taxRate ${JSON.stringify(taxRate)}`);
        }
    });
});

describe('example 03 mapping (seed 002: Guanyi return → Jingcheng return sheet)', () => {
    const map = mappingOf('03');
    // seed 002: "details.qty待入库数string", "details.real_in实际入库数string"; only received returns are mapped
    const ret = {
        code: 'RTN1', receive_date: '2024-01-09 10:00:00', shop_code: 'SHOP01', shop_name: '天猫旗舰店', platform_code: 'TB1', reason: '质量问题',
        details: [{ sku_code: 'G001', qty: '2', real_in: '1', price: '50.00', amount: '100.00', note: '' }],
    };

    it('the sheet carries the quantity received (real_in 实际入库数), not the quantity still to receive (qty 待入库数)', async () => {
        const sheet = await map(ret);
        should(sheet.Items[0].Qua).equal('1');
        should(sheet.Qua).equal('1');
    });

    it('a partly received line carries the amount of what was received (实际金额 × 实际入库数 ÷ 待入库数), on the line and in the total', async () => {
        const sheet = await map({ ...ret, details: [ret.details[0], { sku_code: 'G003', qty: '3', real_in: '3', price: '35.50', amount: '106.50', note: '' }] });
        should(sheet.Items.map((i: Record<string, unknown>) => [i.Qua, i.Amo])).eql([['1', '50'], ['3', '106.5']]);
        should(sheet).match({ Qua: '4', Amo: '156.5' });
    });

    it('a part received whose amount falls on half a cent is rounded half up (四舍五入), as the ERP computes it: 30.25 × 1 ÷ 2 = 15.125 → 15.13, not the 15.12 JSONata\'s $round gives', async () => {
        const sheet = await map({ ...ret, details: [{ ...ret.details[0], price: '15.125', amount: '30.25' }] });
        should(sheet.Items[0].Amo).equal('15.13');
        should(sheet.Amo).equal('15.13');
    });

    it('a line with neither a received nor an expected quantity fails the sheet naming the line\'s Qua: a return line without a quantity is not sent', async () => {
        const failures = await mappingFailures('03')({ ...ret, details: [ret.details[0], { sku_code: 'G002', qty: '', real_in: '', price: '10', amount: '10', note: '' }] });
        should(failures.map((e: { field: string }) => e.field)).eql(['Items[1].Qua']);
    });

    it('a line of a goods without specs (Guanyi answers sku_code null, the goods by its item_code) is sent with GoodsID = item_code: the sheet is not refused on every run', async () => {
        // Real Guanyi details of a goods without 规格: {"item_code":"KFJ888","sku_code":null,…}
        const sheet = await map({ ...ret, details: [ret.details[0], { item_code: 'KFJ888', sku_code: null, qty: 1, real_in: 1, price: '146.0000', amount: '146.0000', note: null }] });
        should(sheet.Items.map((i: Record<string, unknown>) => i.GoodsID)).eql(['G001', 'KFJ888']);
        should(sheet).match({ Qua: '2', Amo: '196' });
        // An empty sku_code too; with neither code the line still fails naming GoodsID.
        should((await map({ ...ret, details: [{ ...ret.details[0], item_code: 'G001', sku_code: '' }] })).Items[0].GoodsID).equal('G001');
        const failures = await mappingFailures('03')({ ...ret, details: [{ ...ret.details[0], item_code: null, sku_code: null }] });
        should(failures.map((e: { field: string }) => e.field)).eql(['Items[0].GoodsID']);
    });

    it('a line with an empty amount or received quantity does not fail the sheet (sums skip empty text)', async () => {
        const sheet = await map({ ...ret, details: [ret.details[0], { sku_code: 'G002', qty: '1', real_in: '', price: '', amount: '', note: '赠品' }] });
        should(sheet).match({ Qua: '2', Amo: '50' });
        should(sheet.Items.map((i: Record<string, unknown>) => i.Qua)).eql(['1', '1']);
    });
});

describe('example 04 mapping (seed 003: a callback order → WDT trade_push)', () => {
    it('maps the README\'s curl example body (what a user posts first) without a failure', async () => {
        const readme = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
        const body = JSON.parse(/^body='(.*)'$/m.exec(readme)![1]);
        const out = await mappingOf('04')(body);
        should(out).match({ shop_no: 'SHOP01', tid: 'T1', trade_time: '2024-01-09 10:00:00' });
        should(out.order_list).have.length(1);
    });

    it('an unpaid order\'s pay_time "0000-00-00 00:00:00" (how WDT and Jackyun write "no date") is left out, not a failure of the whole order', async () => {
        const out = await mappingOf('04')({ shop_no: 'SHOP01', tid: 'T2', trade_status: '10', trade_time: '2024-01-09 10:00:00', pay_time: '0000-00-00 00:00:00', pay_status: '0', delivery_term: '1', order_list: [{ oid: 'O1', num: '1', price: '10.00' }] });
        should(out).match({ tid: 'T2', pay_status: 0, trade_time: '2024-01-09 10:00:00' });
        should(out).not.have.property('pay_time');
    });

    it('an order without pay_status fails to map naming pay_status: it is not pushed to WDT as paid (no default 2 已付款)', async () => {
        const order = { shop_no: 'SHOP01', tid: 'T3', trade_status: '10', delivery_term: '1', trade_time: '2024-01-09 10:00:00', order_list: [{ oid: 'O1', num: '1', price: '10.00' }] };
        const failures = await mappingFailures('04')(order);
        should(failures.map((e: any) => e.field)).eql(['pay_status']);
        should(JSON.stringify(failures)).match(/pay_status/).and.match(/required/);
        // Empty, as the seed's string fields may come, is missing too.
        should((await mappingFailures('04')({ ...order, pay_status: '' })).map((e: any) => e.field)).eql(['pay_status']);
        // Given, it maps as it came (0 未付款 stays unpaid).
        should(await mappingOf('04')({ ...order, pay_status: '0' })).match({ pay_status: 0, delivery_term: 1, trade_status: 10 });
    });

    it('an order without delivery_term or trade_status fails to map naming the field: no 款到发货 or platform status is made up', async () => {
        const order = { shop_no: 'SHOP01', tid: 'T4', trade_status: '30', pay_status: '2', delivery_term: '1', trade_time: '2024-01-09 10:00:00', order_list: [{ oid: 'O1', num: '1', price: '10.00' }] };
        for (const field of ['delivery_term', 'trade_status']) {
            const { [field]: _left, ...without } = order as Record<string, unknown>;
            should((await mappingFailures('04')(without)).map((e: any) => e.field)).eql([field]);
        }
    });
});

describe('example 02 mapping (seed 001: Kingdee return request → WDT WMS cancel)', () => {
    it('the order type comes from the bill type\'s number (FBillTypeID_FNumber): Kingdee answers FBillTypeID itself with the internal id', async () => {
        const row = { FID: 500001, FBillNo: 'TL2024010001', FBillTypeID: '6f3c1f0b2e8d4b4f9a7e5c1d2b3a4f50', FBillTypeID_FNumber: 'TLSQ01_SYS', FNote: '', FStockID_FNumber: 'WH01' };
        should(await mappingOf('02')(row)).match({ warehouseCode: 'WH01', orderCode: 'TL2024010001', orderType: 'CGTH' });
    });

    it('"one row per bill" keeps the first row of each bill and drops no row without a bill number: each goes on, for the mapper to fail it naming orderCode', async () => {
        const flow: Array<Record<string, any>> = JSON.parse(fs.readFileSync(exampleFiles().find((f) => path.basename(f).startsWith('02'))!, 'utf8'));
        const node = flow.find((n) => n.id === 'ex02-onePerBill')!;
        const run = (payload: unknown[]) => new Function('msg', 'node', 'context', node.func)({ payload }, {}, {}).payload as Array<Record<string, any>>;
        const row = (FID: number, FBillNo: unknown, entry: number) => ({ FID, FBillNo, FBillTypeID_FNumber: 'TLSQ01_SYS', FNote: '', FStockID_FNumber: 'WH01', FEntity_FEntryID: entry });
        // Two entry lines of one bill: one row.
        should(run([row(1, 'TL1', 11), row(1, 'TL1', 12), row(2, 'TL2', 21)]).map((r) => r.FEntity_FEntryID)).eql([11, 21]);
        // Rows whose bill number is missing (FieldKeys edited, a form numbering by another field): not one of them
        // dropped as a "second line" of another — each fails visibly in the mapper.
        const kept = run([row(3, undefined, 31), row(4, undefined, 41), row(5, '', 51), row(6, '', 61), row(7, 'TL7', 71)]);
        should(kept.map((r) => r.FEntity_FEntryID)).eql([31, 41, 51, 61, 71]);
        const failures = mappingFailures('02');
        for (const r of kept.slice(0, 4)) should((await failures(r)).map((e: any) => e.field)).containEql('orderCode');
    });
});

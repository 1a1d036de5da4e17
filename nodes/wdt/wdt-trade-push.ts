import type { NodeAPI } from 'node-red';
import { registerEndpoint, WriteSpec, RecordOutcome, ConnectorError } from '../core';
import type { WdtClient } from './client';
import requestSchema from './schemas/trade-push.request.json';
import recordSchema from './schemas/trade-push.record.json';
import responseSchema from './schemas/trade-push.response.json';

/**
 * 旺店通·企业版 trade_push (seed 003's target, protocols.md §5): each record is one trade of trade_list; chunks of
 * `chunkSize` trades per call with `shop_no` and `switch` (always sent; default 0, non-strict). The answer's
 * per-trade errors are matched back by tid: refused trades go to output 2 with the vendor's message, the others to
 * output 1 with the call's new/changed counts. An unknown shop or any account-level failure fails the chunk (the kit
 * sends it to Catch while nothing was written). Never retried after a timeout: trade_push is not known to be
 * idempotent.
 */
const spec: WriteSpec<WdtClient> = {
    type: 'wdt-trade-push',
    system: 'wdt',
    configType: 'wdt-config',
    kind: 'write',
    chunkSize: 50,
    idempotent: false,
    requestSchema,
    recordSchema,
    responseSchema,
    async writeChunk(ctx, records, params): Promise<RecordOutcome[]> {
        const trades = records as Array<Record<string, unknown>>;
        const shopNo = String(params.shop_no);
        const sw = String(params.switch ?? '0') === '1' ? '1' : '0';
        const r = await ctx.client.tradePush(shopNo, sw, trades, ctx.request);
        if (r.unmatched.length > 0) ctx.warn(`wdt trade_push: ${r.unmatched.length} error(s) name no trade of the call: ${r.unmatched.map((u) => `${u.tid}: ${u.error}`).join('; ').slice(0, 300)}`);
        const rejected = r.batchRejected ? trades.length : trades.filter((t) => r.errors.has(String(t.tid))).length;
        const batch = { new_count: r.newCount, chg_count: r.chgCount, accepted: trades.length - rejected, rejected };
        return trades.map((t): RecordOutcome => {
            const tid = String(t.tid);
            const own = r.errors.get(tid);
            if (own !== undefined) return { ok: false, error: new ConnectorError({ system: 'wdt', kind: 'business', code: 'TRADE_REFUSED', message: own, safeToRepeat: false, field: 'tid' }) };
            if (r.batchRejected) return { ok: false, error: new ConnectorError({ system: 'wdt', kind: 'business', code: 'BATCH_REFUSED', message: `not accepted: strict mode (switch=1) refused the whole call (${r.batchRejected})`, safeToRepeat: true }) };
            return { ok: true, result: { tid, shop_no: shopNo, batch } };
        });
    },
};

function register(RED: NodeAPI) {
    registerEndpoint(RED, spec);
}
register.spec = spec;
export = register;

import type { NodeAPI } from 'node-red';
import { registerEndpoint, WriteSpec, RecordOutcome, ConnectorError, isBlankValue as blank, writeInRequests, oncePerMsg } from '../core';
import { inexactNumberField, namesTid, type WdtClient, type TradePushResult } from './client';
import requestSchema from './schemas/trade-push.request.json';
import recordSchema from './schemas/trade-push.record.json';
import responseSchema from './schemas/trade-push.response.json';

/**
 * 旺店通·企业版 trade_push (seed 003's target, protocols.md §5): each record is one trade of trade_list; chunks of
 * `chunkSize` trades, one call per shop (a trade's own `shop_no` wins over the node's), with `shop_no` and `switch`
 * (always sent; default 0, non-strict). The answer's per-trade errors are matched back by tid: refused trades go to
 * output 2 with the vendor's message, the others to output 1 with the call's new/changed counts; when the counts fall
 * short of the trades not refused by tid, none of those is reported stored that may not be (refused where the answer
 * names it, else OUTCOME_UNCLEAR, possibly processed), nor of a non-strict call answered with an error and no counts
 * (that mode stores the good trades). An unknown shop or an account-level failure fails the chunk (the kit sends it to
 * Catch while nothing was written); with several shops in a msg, a shop the vendor refuses fails only its own trades.
 * Never retried after a timeout: trade_push is not known to be idempotent.
 */

/** The shop a trade is pushed to: its own shop_no, else the node's (undefined: none). */
function shopOf(trade: unknown, fallback: string | undefined): string | undefined {
    const own = trade && typeof trade === 'object' ? (trade as Record<string, unknown>).shop_no : undefined;
    return blank(own) ? fallback : String(own).trim();
}

/** A trade as it goes into trade_list: shop_no is a top-level form field, not a trade field. */
function withoutShop(trade: Record<string, unknown>): Record<string, unknown> {
    if (!('shop_no' in trade)) return trade;
    const { shop_no: _shop, ...rest } = trade;
    return rest;
}

/**
 * Seed 003 tables shop_no, switch and trade_list under order_list, but they are trade_push's call-level form fields
 * (protocols.md §5.1). Inside trade_list WDT ignores them: the trade would go to another shop, or in another mode,
 * than the record asks. The path of the first one found in a trade or its lines, or undefined.
 */
function misplacedCallField(trade: Record<string, unknown>): string | undefined {
    for (const k of ['switch', 'trade_list']) if (trade[k] !== undefined) return k;
    const lines = Array.isArray(trade.order_list) ? trade.order_list : [];
    for (let i = 0; i < lines.length; i++) {
        const line = lines[i] as Record<string, unknown> | null;
        if (line && typeof line === 'object') for (const k of ['shop_no', 'switch', 'trade_list']) if (line[k] !== undefined) return `order_list[${i}].${k}`;
    }
    return undefined;
}

const CALL_FIELD_HINT: Record<string, string> = {
    shop_no: "give it as the trade's shop_no (or the node's)",
    switch: 'set switch in the node or msg.params.switch',
    trade_list: 'each record is one trade of it',
};

/** The shops of each msg's trades (its context), worked out with its first chunk. */
const shopsOfMsg = new WeakMap<object, Set<string>>();

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
        const fallback = blank(params.shop_no) ? undefined : String(params.shop_no).trim();
        const sw = String(params.switch ?? '0') === '1' ? '1' : '0';
        const outcomes: Array<RecordOutcome | undefined> = new Array(trades.length);
        // The shops of the whole msg, not of this chunk alone: whether a missing or refused shop spoils the msg must
        // not depend on where the chunk boundaries fall (writeInRequests is told of the shops of other chunks).
        const msgShops = oncePerMsg(shopsOfMsg, ctx, () => {
            const payload = ctx.msg.payload;
            return new Set((Array.isArray(payload) ? payload : [payload]).map((t) => shopOf(t, fallback)).filter((s) => s !== undefined));
        });
        // One call per shop, in order of first appearance; a trade's own shop_no wins over the node's. A tid repeated
        // within a shop (a trade and its corrected copy) goes into a later call: the answer names refused trades by
        // tid alone (trimmed: "T1" and "T1 " are one tid to it), so two trades of one tid in one call could not be told apart.
        const groups = new Map<string, { calls: number[][]; seen: Map<string, number> }>();
        trades.forEach((t, i) => {
            const misplaced = misplacedCallField(t);
            if (misplaced !== undefined) {
                const hint = CALL_FIELD_HINT[misplaced.replace(/^.*\./, '')];
                outcomes[i] = { ok: false, error: new ConnectorError({ system: 'wdt', kind: 'validation', code: 'INVALID_RECORD', field: misplaced, message: `${misplaced}: is a field of the trade_push call, not of a trade or line (WDT ignores it there): ${hint}; not sent` }) };
                return;
            }
            // Refused here, naming its field: sent, a rounded tid or oid would name another trade or line, unseen.
            const inexact = inexactNumberField(withoutShop(t));
            if (inexact !== undefined) {
                outcomes[i] = { ok: false, error: new ConnectorError({ system: 'wdt', kind: 'validation', code: 'INVALID_RECORD', field: inexact.field, message: `${inexact.field}: ${inexact.reason}; not sent` }) };
                return;
            }
            const shop = shopOf(t, fallback);
            if (!shop) {
                outcomes[i] = { ok: false, error: new ConnectorError({ system: 'wdt', kind: 'validation', code: 'INVALID_RECORD', field: 'shop_no', message: 'shop_no: is required (in the trade, the node or msg.params.shop_no); not sent' }) };
                return;
            }
            let g = groups.get(shop);
            if (!g) groups.set(shop, (g = { calls: [], seen: new Map() }));
            const tid = String(t.tid).trim();
            const n = g.seen.get(tid) ?? 0;
            g.seen.set(tid, n + 1);
            (g.calls[n] ??= []).push(i);
        });
        if (msgShops.size === 0) {
            throw new ConnectorError({ system: 'wdt', kind: 'validation', code: 'INVALID_INPUT', field: 'shop_no', message: 'shop_no: is required (set it in the node, in msg.params.shop_no or in each trade); nothing was sent' });
        }
        const calls = [...groups].flatMap(([shop, g]) => g.calls.map((indexes) => ({ shop, indexes })));
        // A shop refused alone fails only its trades; a lost answer makes only its call's trades "possibly processed"
        // (core/write.ts).
        return writeInRequests('wdt', 'WDT', outcomes, calls, async ({ shop: shopNo, indexes }) => {
            const sent = indexes.map((i) => withoutShop(trades[i]));
            const r: TradePushResult = await ctx.client.tradePush(shopNo, sw, sent, ctx.request);
            const unmatched = r.unmatched.map((u) => `${u.tid}: ${u.error}`).join('; ').slice(0, 300);
            if (r.unmatched.length > 0) ctx.warn({ key: 'wdt-trade-push.warn.unmatched', vars: { n: r.unmatched.length, errors: unmatched } });
            // The trades not refused by tid, and what WDT says it stored of them.
            const candidates = r.batchRejected ? [] : sent.filter((t) => !r.errors.has(String(t.tid)));
            const stored = r.newCount + r.chgCount;
            // Fewer stored than not refused by tid (the answer counts, or names refusals of no trade of the call): the
            // per-trade list was missed (its name is unconfirmed, protocols.md §5.5) or the refusals are worded in the
            // message alone. Which trades are not stored is unknown: free text naming a trade may name it as refused,
            // as stored, or a count may read as a tid ("失败1条"). None is reported stored, none refused: each may be
            // stored (as after a lost answer: whether pushing a stored trade again only updates it is unconfirmed),
            // and the error says whether the answer names it.
            const short = (r.counted || r.unmatched.length > 0) && stored < candidates.length;
            const answerText = [r.message, ...r.unmatched.map((u) => `${u.tid}: ${u.error}`)].join('\n');
            const quoted = JSON.stringify(r.message.slice(0, 200));
            const rejected = r.batchRejected ? sent.length : sent.length - candidates.length;
            const batch = { new_count: r.newCount, chg_count: r.chgCount, accepted: sent.length - rejected, rejected };
            const storedOfRefused = r.batchRejected ? r.newCount + r.chgCount : 0;
            // Non-strict mode stores the good trades of a call (protocols.md §5.1): an error answer to it proves nothing
            // of the call stored only when it counts none.
            const laxUncounted = r.batchRejected !== undefined && sw === '0' && !r.counted;
            return sent.map((trade): RecordOutcome => {
                const tid = String(trade.tid);
                const own = r.errors.get(tid);
                if (own !== undefined) return { ok: false, error: new ConnectorError({ system: 'wdt', kind: 'business', code: 'TRADE_REFUSED', message: own, safeToRepeat: false, field: 'tid' }) };
                if (storedOfRefused > 0) return { ok: false, error: new ConnectorError({ system: 'wdt', kind: 'business', code: 'OUTCOME_UNCLEAR', message: `WDT answered the call with an error (${r.batchRejected}) and yet counts ${storedOfRefused} trades stored: this trade may or may not be stored; check WDT before pushing it again`, safeToRepeat: false, possiblyProcessed: true, field: 'tid' }) };
                if (laxUncounted) {
                    // Named in the message alone (no list), the trade may be named as refused or as stored.
                    const which = namesTid(r.message, tid) ? 'naming this trade' : 'naming other trades';
                    return { ok: false, error: new ConnectorError({ system: 'wdt', kind: 'business', code: 'OUTCOME_UNCLEAR', message: `WDT answered the call with an error (${r.batchRejected}) ${which}, in non-strict mode (switch=0), where it stores the good trades, and gives no count of trades stored: this trade may or may not be stored; check WDT before pushing it again`, safeToRepeat: false, possiblyProcessed: true, field: 'tid' }) };
                }
                // Refused for the others' sake, the call storing nothing: fine to push again as it is, as NOT_SENT is.
                if (r.batchRejected) return { ok: false, error: new ConnectorError({ system: 'wdt', kind: 'transient', code: 'BATCH_REFUSED', message: `not accepted: ${sw === '1' ? 'strict mode (switch=1) refused the whole call' : 'WDT answered the call with an error naming other trades and counting none stored'} (${r.batchRejected}); nothing of the call was stored`, safeToRepeat: true }) };
                if (short) {
                    const named = namesTid(answerText, tid) ? ', and its answer names this trade' : '';
                    return { ok: false, error: new ConnectorError({ system: 'wdt', kind: 'business', code: 'OUTCOME_UNCLEAR', message: `WDT stored ${stored} of the ${candidates.length} trades it did not refuse by tid${unmatched ? `, and refused trades it names otherwise (${unmatched})` : ''}${named}; its message: ${quoted}: this trade may or may not be stored; check WDT before pushing it again`, safeToRepeat: false, possiblyProcessed: true, field: 'tid' }) };
                }
                return { ok: true, result: { tid, shop_no: shopNo, batch } };
            });
        }, msgShops.size > 1);
    },
};

function register(RED: NodeAPI) {
    registerEndpoint(RED, spec, __filename);
}
register.spec = spec;
export = register;

/**
 * Paging: jackyun-trade-query (direct mode) vs a bare signed axios loop (bench/lib/paging.ts: the simulator in its own
 * process, throughput interleaved, memory per side and size in fresh processes). The simulator's store is seeded from
 * outside (JackyunSim.trades is public): its constructor option `trades` generates a full body per trade (≈ 3 KB
 * each, 600 MB for 200k), so the seeded trades share 64 generated bodies and differ in trade number and modified time
 * (the API's answer is a fresh copy of each anyway).
 *
 * Page size. The headline is pageSize 200, what a user gets: protocols.md gives 200 as the documented maximum, and the
 * node asks for 200 unless told otherwise (no pageSize parameter, the config's maxPageSize left at 200). pageSize 1000
 * (seed 000's unconfirmed maximum, the headline before) is measured beside it, the bare loop using the same page size
 * on each side. The memory differs with it: a 1,000-trade page is ≈ 3 MB of JSON, and both the answer text and the
 * parsed trades of a page are alive at once; at 1,000 the peaks of both sides are higher and vary more from run to run.
 */
import { pagingMain } from './lib/paging';
import { jackyun as jackyunSign } from '../nodes/jackyun/sign';
import { chinaTime } from '../nodes/core/time';
import type { SimTrade } from '../test/sim/jackyun';

const DAY = 86400000;
/** The node's default page size (no pageSize, the config's default maxPageSize 200) and the largest one seen. */
const VARIANTS = ['pageSize 200 (the node default)', 'pageSize 1000'];
const pageSizeOf = (variant?: string) => (variant === VARIANTS[1] ? 1000 : 200);
const MAX_PAGE_SIZE = 1000;

interface Info {
    url: string;
    appKey: string;
    appSecret: string;
    method: string;
    range: { startModified: string; endModified: string };
}

pagingMain<Info>({
    name: 'paging jackyun-trade-query',
    // 5 rounds per side rather than 3: on a shared machine one disturbed read would otherwise move the median.
    rounds: 5,
    variants: VARIANTS,
    variantRounds: 3,
    async startSim(total) {
        const { JackyunSim, JACKYUN_DEMO, TRADE_METHOD } = require('../test/sim/jackyun') as typeof import('../test/sim/jackyun');
        const templates = new JackyunSim({ trades: 64 }).trades.slice(0, 64);
        const sim = new JackyunSim({ trades: 0, spanDays: 1, maxPageSize: MAX_PAGE_SIZE });
        sim.recordLimit = 0;
        // All trades inside one 6-day window (the API allows ≤ 7 days per request: one window, no split).
        const span = 6 * DAY;
        for (let i = 0; i < total; i++) {
            const t = templates[i % templates.length];
            const modified = sim.base + Math.floor((i * span) / total);
            const trade: SimTrade = { ...t, tradeNo: `BJ${String(i + 1).padStart(8, '0')}`, sourceTradeNo: `TB${String(i + 1).padStart(8, '0')}`, gmtModified: modified, gmtCreate: modified - 3600000 };
            sim.trades.push(trade);
        }
        // The simulator filters and sorts its whole store for every page (fine for tests; at 200k trades its own sort
        // would dominate both sides' time). Its memo switch keeps each query's ordered result, so a page is a slice;
        // warmed here with exactly the range both sides send, so neither side pays for it.
        sim.memoiseResults = true;
        await sim.start();
        const range = { startModified: chinaTime(sim.base), endModified: chinaTime(sim.base + span) };
        (sim as any).tradeQuery(JSON.stringify({ ...range, pageSize: MAX_PAGE_SIZE, pageIndex: 0 }));
        return { url: `${sim.baseUrl}/open/openapi/do`, appKey: JACKYUN_DEMO.appKey, appSecret: JACKYUN_DEMO.appSecret, method: TRADE_METHOD, range };
    },
    target: ({ url, appKey, appSecret, method, range }, total, variant) => {
        const PAGE_SIZE = pageSizeOf(variant);
        // The default: no pageSize asked, the config's maxPageSize left at its default (200), as a user gets it.
        const large = PAGE_SIZE !== 200;
        return {
            nodeType: 'jackyun-trade-query',
            modules: () => [require('../nodes/jackyun/jackyun-config'), require('../nodes/jackyun/jackyun-trade-query')],
            config: { id: 'c1', type: 'jackyun-config', mode: 'direct', gatewayUrl: url, appKey, ...(large ? { maxPageSize: PAGE_SIZE } : {}), rps: 0, concurrency: 0, maxRetries: 0 },
            credentials: { appSecret },
            msg: () => ({ params: { ...range, ...(large ? { pageSize: PAGE_SIZE } : {}) } }),
            async bare(ax, progress) {
                // The work any correct client must do: sign, post, parse; read result.data whether it comes as an object or
                // as JSON text (real tenants send both), and stop on a short page or at the total asked for on page 0.
                let count = 0;
                let expected = Infinity;
                for (let pageIndex = 0; pageIndex <= total / PAGE_SIZE + 1; pageIndex++) {
                    const biz: Record<string, unknown> = { ...range, pageSize: PAGE_SIZE, pageIndex };
                    if (pageIndex === 0) biz.hasTotal = 1;
                    const form: Record<string, string> = { method, appkey: appKey, version: 'v1.0', contenttype: 'json', timestamp: chinaTime(Date.now()), bizcontent: JSON.stringify(biz) };
                    form.sign = jackyunSign(form, appSecret);
                    const res = await ax.post(url, new URLSearchParams(form).toString(), { headers: { 'Content-Type': 'application/x-www-form-urlencoded;charset=utf-8' } });
                    const body = JSON.parse(res.data);
                    if (body.code !== 200) throw new Error(`bare loop: ${body.msg}`);
                    const data = typeof body.result.data === 'string' ? JSON.parse(body.result.data) : body.result.data;
                    const trades: unknown[] = data.trades ?? data.Trades;
                    if (pageIndex === 0) expected = Number(data.totalResults ?? data.TotalResults);
                    count += trades.length;
                    progress(trades.length, trades);
                    if (trades.length < PAGE_SIZE || count >= expected) break;
                }
                return count;
            },
        };
    },
    notes: (total) => [`jackyun: ${total} trades seeded into JackyunSim.trades from outside (64 generated bodies shared), limiter off on both sides; the simulator memoises the ordered result (each page is a slice of it). Headline: the node's default page size (200, no pageSize and the config's default maxPageSize); beside it pageSize 1000 (node and bare loop alike).`],
});

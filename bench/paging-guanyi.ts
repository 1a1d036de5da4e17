/**
 * Paging: guanyi-return-get (page_size 100 = the node's maximum) vs a bare signed axios loop (the same JSON bodies,
 * signed with the system's guanyiBody); bench/lib/paging.ts runs the simulator in its own process, throughput
 * interleaved, memory per side and size in fresh processes. The simulator's store is seeded from outside
 * (GuanyiSim.returns is public): the generated returns carry full detail and payment lists (≈ 3 KB each), so the
 * seeded ones share 64 generated bodies and differ in id and code.
 */
import { pagingMain } from './lib/paging';
import { guanyiBody } from '../nodes/guanyi/sign';

const PAGE_SIZE = 100;
const METHOD = 'gy.erp.trade.return.get';

interface Info {
    url: string;
    appkey: string;
    sessionkey: string;
    secret: string;
}

pagingMain<Info>({
    name: 'paging guanyi-return-get',
    // 5 rounds per side rather than 3: on a shared machine one disturbed read would otherwise move the median.
    rounds: 5,
    async startSim(total) {
        const { GuanyiSim, GUANYI_DEMO, demoReturns } = require('../test/sim/guanyi') as typeof import('../test/sim/guanyi');
        const templates = demoReturns(64);
        const sim = new GuanyiSim({ returns: [] });
        sim.recordLimit = 0;
        for (let i = 0; i < total; i++) {
            const t = templates[i % templates.length];
            // Same create_date within a template, so the order is create_date, then code (as the API orders).
            sim.returns.push({ ...t, id: String(6000000000 + i), code: `RTN${String(i + 1).padStart(8, '0')}` });
        }
        // The simulator filters and sorts its whole store for every page (a 200k read took ≈ 15 min per side). Its memo
        // switch keeps each query's ordered result, so a page is a slice; warmed here with exactly the filters both
        // sides send (none), so neither side pays for it.
        sim.memoiseResults = true;
        (sim as any).returnGet({ page_no: 1, page_size: PAGE_SIZE });
        await sim.start();
        return { url: `${sim.baseUrl}/rest/erp_open`, appkey: GUANYI_DEMO.appkey, sessionkey: GUANYI_DEMO.sessionkey, secret: GUANYI_DEMO.secret };
    },
    target: ({ url, appkey, sessionkey, secret }, total) => ({
        nodeType: 'guanyi-return-get',
        modules: () => [require('../nodes/guanyi/guanyi-config'), require('../nodes/guanyi/guanyi-return-get')],
        config: { id: 'c1', type: 'guanyi-config', url, appkey, rps: 0, concurrency: 0, maxRetries: 0 },
        credentials: { sessionkey, secret },
        msg: () => ({ params: { page_size: PAGE_SIZE } }),
        async bare(ax, progress) {
            let count = 0;
            for (let pageNo = 1; pageNo <= total / PAGE_SIZE + 1; pageNo++) {
                const { body } = guanyiBody({ appkey, sessionkey, method: METHOD, page_no: pageNo, page_size: PAGE_SIZE }, secret);
                const res = await ax.post(url, body, { headers: { 'Content-Type': 'application/json;charset=utf-8' } });
                const answer = JSON.parse(res.data);
                if (answer.success !== true) throw new Error(`bare loop: ${answer.errorCode} ${answer.errorDesc}`);
                const list: unknown[] = answer.tradeReturns;
                count += list.length;
                progress(list.length, list);
                if (list.length < PAGE_SIZE || pageNo * PAGE_SIZE >= answer.total) break;
            }
            return count;
        },
    }),
    notes: (total) => [`guanyi: ${total} returns seeded into GuanyiSim.returns from outside (64 generated bodies shared), page_size ${PAGE_SIZE}, limiter off on both sides; the simulator memoises the ordered result (memoiseResults, each page is a slice of it).`],
});

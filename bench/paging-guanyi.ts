/**
 * Paging: guanyi-return-get (page_size 100 = the node's maximum) vs a bare signed axios loop (the same JSON bodies,
 * signed with the system's guanyiBody). The simulator's store is seeded from outside (GuanyiSim.returns is public):
 * the generated returns carry full detail and payment lists (≈ 3 KB each), so the seeded ones share 64 generated
 * bodies and differ in id and code. Counts: the simulator filters its whole store on every page (≈ 2 µs per stored
 * return), so a 200,000-record read would take ≈ 15 minutes per side; this bench reads 50,000 (checkpoint 12,500).
 */
import { main, quick } from './lib/bench';
import { pagingBench } from './lib/paging';
import { GuanyiSim, GUANYI_DEMO, demoReturns } from '../test/sim/guanyi';
import { guanyiBody } from '../nodes/guanyi/sign';
import guanyiConfig = require('../nodes/guanyi/guanyi-config');
import guanyiReturnGet = require('../nodes/guanyi/guanyi-return-get');

const PAGE_SIZE = 100;
const METHOD = 'gy.erp.trade.return.get';

main('paging guanyi-return-get', async () => {
    const counts = quick ? { total: 5000, checkpoint: 1250, rounds: 1 } : { total: 50000, checkpoint: 12500, rounds: 1 };
    const { total } = counts;
    const templates = demoReturns(64);
    const sim = new GuanyiSim({ returns: [] });
    sim.recordLimit = 0;
    for (let i = 0; i < total; i++) {
        const t = templates[i % templates.length];
        // Same create_date within a template, so the order is create_date, then code (as the API orders).
        sim.returns.push({ ...t, id: String(6000000000 + i), code: `RTN${String(i + 1).padStart(8, '0')}` });
    }
    await sim.start();
    const url = `${sim.baseUrl}/rest/erp_open`;

    return pagingBench('paging guanyi-return-get', {
        nodeType: 'guanyi-return-get',
        modules: [guanyiConfig, guanyiReturnGet],
        config: { id: 'c1', type: 'guanyi-config', url, appkey: GUANYI_DEMO.appkey, rps: 0, concurrency: 0, maxRetries: 0 },
        credentials: { sessionkey: GUANYI_DEMO.sessionkey, secret: GUANYI_DEMO.secret },
        msg: () => ({ params: { page_size: PAGE_SIZE } }),
        counts,
        async bare(ax, progress) {
            let count = 0;
            for (let pageNo = 1; pageNo <= total / PAGE_SIZE + 1; pageNo++) {
                const { body } = guanyiBody({ appkey: GUANYI_DEMO.appkey, sessionkey: GUANYI_DEMO.sessionkey, method: METHOD, page_no: pageNo, page_size: PAGE_SIZE }, GUANYI_DEMO.secret);
                const res = await ax.post(url, body, { headers: { 'Content-Type': 'application/json;charset=utf-8' } });
                const answer = JSON.parse(res.data);
                if (answer.success !== true) throw new Error(`bare loop: ${answer.errorCode} ${answer.errorDesc}`);
                const list: unknown[] = answer.tradeReturns;
                count += list.length;
                progress(list.length);
                if (list.length < PAGE_SIZE || pageNo * PAGE_SIZE >= answer.total) break;
            }
            return count;
        },
        notes: [
            `guanyi: ${total} returns seeded into GuanyiSim.returns from outside (64 generated bodies shared), page_size ${PAGE_SIZE}, limiter off on both sides; ${total} rather than 200,000 records because the simulator filters its whole store on every page (a 200k read ≈ 15 min per side).`,
        ],
    });
});

/**
 * Paging: maycur-paid-list (pageSize 100 = the API's maximum) vs a bare signed axios loop (one sha256 login, then
 * paid/list pages with the session headers); bench/lib/paging.ts runs the simulator in its own process, throughput
 * interleaved, memory per side and size in fresh processes. The simulator's store comes from its constructor option
 * `count`. Each client process logs in once and reuses the session for every round, as the node does (Maycur blocks
 * accounts that log in often: four logins per simulator here, under its five a minute).
 */
import { pagingMain } from './lib/paging';
import { maycurLogin } from '../nodes/maycur/sign';

const PAGE_SIZE = 100;

interface Info {
    baseUrl: string;
    appCode: string;
    appSecret: string;
}

pagingMain<Info>({
    name: 'paging maycur-paid-list',
    // A 200k read takes a few seconds here: more rounds than the default 3 against the noise of a shared machine.
    rounds: 7,
    async startSim(total) {
        const { MaycurSim, MAYCUR_DEMO } = require('../test/sim/maycur') as typeof import('../test/sim/maycur');
        const sim = new MaycurSim({ count: total });
        sim.recordLimit = 0;
        // Every memory process logs in once (three per side and size): more than the simulator's default per minute,
        // which would lock the account as the real server does. Logins are not what this bench measures.
        sim.loginsPerMinute = 1000;
        // The simulator filters and sorts its whole store for every page (fine for tests; at 200k payments its own sort
        // would dominate both sides' time and hide the node's cost). Its answer to a plain page request is a pure
        // function of the filters here, so the bench memoises the full ordered list once (computed by the simulator
        // itself) and answers each page with a slice in the simulator's shape; anything else (a bad pageSize …) still
        // gets the simulator's own answer. Authentication and serialisation stay the simulator's.
        const paidList = (sim as any).paidList.bind(sim) as (body: Record<string, any>) => { body: any };
        const memo = new Map<string, unknown[]>();
        (sim as any).paidList = (body: Record<string, any>) => {
            const data = body.data && typeof body.data === 'object' ? body.data : body;
            const pageNum = Number(data.pageNum);
            const pageSize = Number(data.pageSize);
            if (sim.pagingMode !== 'page' || !Number.isInteger(pageNum) || pageNum < 1 || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > sim.maxPageSize) return paidList(body);
            const key = JSON.stringify([data.startPaidTime, data.endPaidTime, data.paymentNo, sim.payments.length]);
            let all = memo.get(key);
            if (!all) {
                const cap = sim.maxPageSize;
                sim.maxPageSize = Math.max(1, sim.payments.length);
                try {
                    const answer = paidList({ ...body, data: { ...data, pageNum: 1, pageSize: sim.maxPageSize } }).body;
                    if (answer.code !== 'ACK') return { body: answer };
                    all = answer.data.list as unknown[];
                } finally {
                    sim.maxPageSize = cap;
                }
                memo.set(key, all);
            }
            const start = (pageNum - 1) * pageSize;
            return { body: { code: 'ACK', success: true, message: '', data: { pageNum, pageSize, totalCount: all.length, list: all.slice(start, start + pageSize) } } };
        };
        // Warm the memo with exactly what both sides send, so neither side pays for it.
        (sim as any).paidList({ timestamp: Date.now(), data: { pageNum: 1, pageSize: PAGE_SIZE } });
        await sim.start();
        return { baseUrl: sim.baseUrl, appCode: MAYCUR_DEMO.appCode, appSecret: MAYCUR_DEMO.appSecret };
    },
    target: ({ baseUrl, appCode, appSecret }, total) => {
        let session: { entCode: string; tokenId: string } | undefined;
        return {
            nodeType: 'maycur-paid-list',
            modules: () => [require('../nodes/maycur/maycur-config'), require('../nodes/maycur/maycur-paid-list')],
            config: { id: 'c1', type: 'maycur-config', server: 'custom', baseUrl, appCode, rps: 0, concurrency: 0, maxRetries: 0 },
            credentials: { appSecret },
            msg: () => ({ params: { pageSize: PAGE_SIZE } }),
            async bare(ax, progress) {
                if (!session) {
                    const timestamp = String(Date.now());
                    const res = await ax.post(`${baseUrl}/api/openapi/auth/login`, JSON.stringify({ appCode, secret: maycurLogin(appSecret, appCode, timestamp), timestamp }), { headers: { 'Content-Type': 'application/json' } });
                    const env = JSON.parse(res.data);
                    if (env.code !== 'ACK') throw new Error(`bare loop: login refused: ${env.message}`);
                    session = env.data;
                }
                let count = 0;
                for (let pageNum = 1; pageNum <= total / PAGE_SIZE + 1; pageNum++) {
                    const res = await ax.post(`${baseUrl}/api/openapi/paymenttransaction/paid/list`, JSON.stringify({ timestamp: Date.now(), data: { pageNum, pageSize: PAGE_SIZE } }), {
                        headers: { 'Content-Type': 'application/json', entCode: session!.entCode, tokenId: session!.tokenId },
                    });
                    const env = JSON.parse(res.data);
                    if (env.code !== 'ACK') throw new Error(`bare loop: ${env.message}`);
                    const list: unknown[] = env.data.list;
                    count += list.length;
                    progress(list.length, list);
                    if (list.length < PAGE_SIZE || count >= env.data.totalCount) break;
                }
                return count;
            },
        };
    },
    notes: (total) => [`maycur: MaycurSim({count: ${total}}), pageSize ${PAGE_SIZE} (the API's maximum), limiter off on both sides; the bench memoises the simulator's full ordered list (each page is a slice of it, in the simulator's answer shape).`],
});

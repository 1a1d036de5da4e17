/**
 * Paging: maycur-paid-list (pageSize 100 = the API's maximum) vs a bare signed axios loop (one sha256 login, then
 * paid/list pages with the session headers). The simulator's store comes from its constructor option `count`.
 * Both sides log in once and reuse the session for every round, as the node does (Maycur blocks accounts that log in
 * often).
 */
import { main } from './lib/bench';
import { pagingBench, pagingCounts } from './lib/paging';
import { MaycurSim, MAYCUR_DEMO } from '../test/sim/maycur';
import { maycurLogin } from '../nodes/maycur/sign';
import maycurConfig = require('../nodes/maycur/maycur-config');
import maycurPaidList = require('../nodes/maycur/maycur-paid-list');

const PAGE_SIZE = 100;

main('paging maycur-paid-list', async () => {
    const { total } = pagingCounts();
    const sim = new MaycurSim({ count: total });
    sim.recordLimit = 0;
    await sim.start();
    let session: { entCode: string; tokenId: string } | undefined;

    return pagingBench('paging maycur-paid-list', {
        nodeType: 'maycur-paid-list',
        modules: [maycurConfig, maycurPaidList],
        config: { id: 'c1', type: 'maycur-config', server: 'custom', baseUrl: sim.baseUrl, appCode: MAYCUR_DEMO.appCode, rps: 0, concurrency: 0, maxRetries: 0 },
        credentials: { appSecret: MAYCUR_DEMO.appSecret },
        msg: () => ({ params: { pageSize: PAGE_SIZE } }),
        async bare(ax, progress) {
            if (!session) {
                const timestamp = String(Date.now());
                const res = await ax.post(`${sim.baseUrl}/api/openapi/auth/login`, JSON.stringify({ appCode: MAYCUR_DEMO.appCode, secret: maycurLogin(MAYCUR_DEMO.appSecret, MAYCUR_DEMO.appCode, timestamp), timestamp }), { headers: { 'Content-Type': 'application/json' } });
                const env = JSON.parse(res.data);
                if (env.code !== 'ACK') throw new Error(`bare loop: login refused: ${env.message}`);
                session = env.data;
            }
            let count = 0;
            for (let pageNum = 1; pageNum <= total / PAGE_SIZE + 1; pageNum++) {
                const res = await ax.post(`${sim.baseUrl}/api/openapi/paymenttransaction/paid/list`, JSON.stringify({ timestamp: Date.now(), data: { pageNum, pageSize: PAGE_SIZE } }), {
                    headers: { 'Content-Type': 'application/json', entCode: session!.entCode, tokenId: session!.tokenId },
                });
                const env = JSON.parse(res.data);
                if (env.code !== 'ACK') throw new Error(`bare loop: ${env.message}`);
                const list: unknown[] = env.data.list;
                count += list.length;
                progress(list.length);
                if (list.length < PAGE_SIZE || count >= env.data.totalCount) break;
            }
            return count;
        },
        notes: [`maycur: MaycurSim({count: ${total}}), pageSize ${PAGE_SIZE} (the API's maximum), limiter off on both sides; the simulator filters and sorts its whole store on every page, so its own time weighs on both sides alike.`],
    });
});

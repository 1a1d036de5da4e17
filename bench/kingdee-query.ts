/**
 * Paging: kingdee-bill-query (per-page mode, Limit 2000 = the server's default WebAPIMaxQueryLimit) vs a bare signed
 * axios loop (one LoginBySign, then ExecuteBillQuery pages with the session header and cookies, StartRow += 2000 until
 * a short page), same simulator, same process, interleaved (bench/lib/paging.ts). 200,000 rows (50,000 checkpoint).
 *
 * The rows are lean BD_MATERIAL rows pushed into the simulator's live store from here (FMATERIALID, FNumber, FName,
 * FDocumentStatus), in key order: the simulator sorts its whole store by the OrderString on every page, and already
 * ordered input keeps that sort linear, so the simulator's own work stays small and equal on both sides. Both sides
 * send the same OrderString (the primary key, which the node adds for a stable order).
 *
 *   node --expose-gc dist/bench/kingdee-query.js [--quick]
 */
import { main } from './lib/bench';
import { pagingBench, pagingCounts } from './lib/paging';
import { KingdeeSim, KINGDEE_DEMO } from '../test/sim/kingdee';
import { kingdeeLogin } from '../nodes/kingdee/sign';
import kingdeeConfig = require('../nodes/kingdee/kingdee-config');
import kingdeeBillQuery = require('../nodes/kingdee/kingdee-bill-query');

const PAGE = 2000;
const KEYS = 'FMATERIALID,FNumber,FName,FDocumentStatus';
const FORM = 'BD_MATERIAL';

main('paging kingdee-bill-query', async () => {
    const { total } = pagingCounts();
    const sim = new KingdeeSim();
    sim.recordLimit = 0;
    const rows = sim.rows(FORM);
    let id = Math.max(...rows.map((r) => Number(r.FMATERIALID)));
    while (rows.length < total) {
        id++;
        rows.push({ FMATERIALID: id, FNumber: `MATB${String(id).padStart(8, '0')}`, FName: `物料 ${id}`, FDocumentStatus: 'C' });
    }
    await sim.start();
    const base = sim.serverUrl;
    const D = 'Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.';
    const A = 'Kingdee.BOS.WebApi.ServicesStub.AuthService.';
    let session: { id: string; cookie: string } | undefined;

    return pagingBench('paging kingdee-bill-query', {
        nodeType: 'kingdee-bill-query',
        modules: [kingdeeConfig, kingdeeBillQuery],
        config: { id: 'c1', type: 'kingdee-config', serverUrl: base, acctId: KINGDEE_DEMO.acctId, username: KINGDEE_DEMO.username, authMode: 'sign', appId: KINGDEE_DEMO.appId, maxLimit: PAGE, rps: 0, concurrency: 0, maxRetries: 0 },
        credentials: { appSecret: KINGDEE_DEMO.appSecret },
        msg: () => ({ params: { FormId: FORM, FieldKeys: KEYS, Limit: PAGE } }),
        async bare(ax, progress) {
            if (!session) {
                const ts = String(Math.floor(Date.now() / 1000));
                const sign = kingdeeLogin(KINGDEE_DEMO.acctId, KINGDEE_DEMO.username, KINGDEE_DEMO.appId, KINGDEE_DEMO.appSecret, ts);
                const res = await ax.post(`${base}${A}LoginBySign.common.kdsvc`, JSON.stringify({ parameters: [KINGDEE_DEMO.acctId, KINGDEE_DEMO.username, KINGDEE_DEMO.appId, ts, sign, 2052] }), { headers: { 'Content-Type': 'application/json' } });
                const answer = JSON.parse(res.data);
                if (answer.LoginResultType !== 1) throw new Error(`bare loop: login refused: ${answer.Message}`);
                const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]);
                session = { id: answer.KDSVCSessionId, cookie: ['Theme=standard', ...cookies].join(';') };
            }
            let count = 0;
            for (let start = 0; ; start += PAGE) {
                const body = JSON.stringify({ data: { FormId: FORM, FieldKeys: KEYS, FilterString: '', OrderString: 'FMATERIALID', TopRowCount: 0, StartRow: start, Limit: PAGE, SubSystemId: '' } });
                const res = await ax.post(`${base}${D}ExecuteBillQuery.common.kdsvc`, body, { headers: { 'Content-Type': 'application/json', 'kdservice-sessionid': session!.id, Cookie: session!.cookie } });
                if (typeof res.data !== 'string' || res.data.startsWith('response_error:')) throw new Error(`bare loop: ${String(res.data).slice(0, 200)}`);
                const answer = JSON.parse(res.data);
                if (!Array.isArray(answer) || (answer.length === 1 && Array.isArray(answer[0]) && answer[0].length === 1 && typeof answer[0][0] === 'object' && answer[0][0] !== null && !Array.isArray(answer[0][0]))) {
                    throw new Error(`bare loop: ${JSON.stringify(answer).slice(0, 200)}`);
                }
                // The same work a careful hand-written client does: rows to objects keyed by field key.
                const keys = KEYS.split(',');
                const records = answer.map((r: unknown[]) => {
                    const o: Record<string, unknown> = {};
                    keys.forEach((k, i) => (o[k] = r[i]));
                    return o;
                });
                count += records.length;
                progress(records.length);
                if (records.length < PAGE) break;
            }
            return count;
        },
        notes: [
            `kingdee: KingdeeSim + ${total} lean BD_MATERIAL rows (4 fields) in key order, Limit ${PAGE} (the server default), LoginBySign once per side, limiter off on both sides; the simulator filters and sorts its whole store on every page, equally for both sides.`,
        ],
    });
});

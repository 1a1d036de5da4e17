/**
 * Paging: kingdee-bill-query (per-page mode, Limit 2000 = the server's default WebAPIMaxQueryLimit) vs a bare signed
 * axios loop (one LoginBySign, then ExecuteBillQuery pages with the session header and cookies, StartRow += 2000 until
 * a short page), same simulator, same process, interleaved (bench/lib/paging.ts). 200,000 rows (50,000 checkpoint).
 *
 * The rows are lean BD_MATERIAL rows pushed into the simulator's live store from here (FMATERIALID, FNumber, FName,
 * FDocumentStatus). The full ordered query result is computed once by the simulator and memoised (see below), so each
 * page costs the simulator a slice and a JSON answer, equally on both sides. Both sides send the same OrderString (the
 * primary key, which the node adds for a stable order).
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
    // The simulator filters and sorts its whole store for every page (fine for tests, but at 200k rows its own garbage
    // would dominate both sides' time and RSS). Its answer is a pure function of (form, keys, filter, order) here, so
    // the bench memoises the full ordered result once (computed by the simulator itself) and serves StartRow/Limit
    // slices of it with the simulator's page cap; authentication, parsing and serialisation stay the simulator's.
    const fullQuery = (sim as any).executeBillQuery.bind(sim) as (data: Record<string, any>) => unknown[];
    const memo = new Map<string, unknown[]>();
    (sim as any).executeBillQuery = (data: Record<string, any>) => {
        const key = JSON.stringify([data.FormId, data.FieldKeys, data.FilterString, data.OrderString, data.TopRowCount]);
        let all = memo.get(key);
        if (!all) {
            const cap = sim.maxLimit;
            sim.maxLimit = Number.MAX_SAFE_INTEGER;
            try {
                all = fullQuery({ ...data, StartRow: 0, Limit: 0 });
            } finally {
                sim.maxLimit = cap;
            }
            memo.set(key, all);
        }
        const start = Number(data.StartRow) || 0;
        const limit = Number(data.Limit) > 0 ? Math.min(Number(data.Limit), sim.maxLimit) : sim.maxLimit;
        return all.slice(start, start + limit);
    };
    // Warm the memo with exactly what both sides send, so neither side pays for it.
    (sim as any).executeBillQuery({ FormId: FORM, FieldKeys: KEYS, FilterString: '', OrderString: 'FMATERIALID', TopRowCount: 0, StartRow: 0, Limit: PAGE });
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
            `kingdee: KingdeeSim + ${total} lean BD_MATERIAL rows (4 fields) in key order, Limit ${PAGE} (the server default), LoginBySign once per side, limiter off on both sides; the simulator's full ordered result is memoised by the bench, each page is a slice of it.`,
        ],
    });
});

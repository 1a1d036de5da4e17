/**
 * Paging: kingdee-bill-query (per-page mode, Limit 2000 = the server's default WebAPIMaxQueryLimit) vs a bare signed
 * axios loop (one LoginBySign, then ExecuteBillQuery pages with the session header and cookies, StartRow += 2000 until
 * a short page); bench/lib/paging.ts runs the simulator in its own process, throughput interleaved, memory per side
 * and size in fresh processes.
 *
 * The rows are lean BD_MATERIAL rows pushed into the simulator's live store (FMATERIALID, FNumber, FName,
 * FDocumentStatus). The full ordered query result is computed once by the simulator and memoised (see below), so each
 * page costs the simulator a slice and a JSON answer, equally on both sides. Both sides send the same OrderString (the
 * primary key, which the node adds for a stable order).
 *
 *   node --expose-gc dist/bench/kingdee-query.js     (BENCH_QUICK=1 for the small counts)
 */
import { pagingMain } from './lib/paging';
import { kingdeeLogin } from '../nodes/kingdee/sign';

const PAGE = 2000;
const KEYS = 'FMATERIALID,FNumber,FName,FDocumentStatus';
const FORM = 'BD_MATERIAL';
const D = 'Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.';
const A = 'Kingdee.BOS.WebApi.ServicesStub.AuthService.';
const NET_DATE = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/;

/** `/Date(ms+0800)/` → local ISO time of that offset; without one → UTC ISO (what a client does with WCF dates). */
function netDate(m: RegExpExecArray): string {
    const ms = Number(m[1]);
    if (!m[2]) return new Date(ms).toISOString();
    const off = (m[2][0] === '-' ? -1 : 1) * (Number(m[2].slice(1, 3)) * 60 + Number(m[2].slice(3))) * 60000;
    return new Date(ms + off).toISOString().slice(0, 19);
}

interface Info {
    base: string;
    acctId: string;
    username: string;
    appId: string;
    appSecret: string;
}

pagingMain<Info>({
    name: 'paging kingdee-bill-query',
    // A 200k read takes a few seconds here: more rounds than the default 3 against the noise of a shared machine.
    rounds: 9,
    async startSim(total) {
        const { KingdeeSim, KINGDEE_DEMO } = require('../test/sim/kingdee') as typeof import('../test/sim/kingdee');
        const sim = new KingdeeSim();
        sim.recordLimit = 0;
        const rows = sim.rows(FORM);
        // The demo materials, then lean rows up to `total`.
        let id = Math.max(...rows.map((r) => Number(r.FMATERIALID)));
        while (rows.length < total) {
            id++;
            rows.push({ FMATERIALID: id, FNumber: `MATB${String(id).padStart(8, '0')}`, FName: `物料 ${id}`, FDocumentStatus: 'C' });
        }
        // The simulator filters and sorts its whole store for every page (fine for tests, but at 200k rows its own
        // garbage would dominate both sides' time). Its answer is a pure function of (form, keys, filter, order) here,
        // so the bench memoises the full ordered result once (computed by the simulator itself) and serves
        // StartRow/Limit slices of it with the simulator's page cap; authentication, parsing and serialisation stay
        // the simulator's.
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
        return { base: sim.serverUrl, acctId: KINGDEE_DEMO.acctId, username: KINGDEE_DEMO.username, appId: KINGDEE_DEMO.appId, appSecret: KINGDEE_DEMO.appSecret };
    },
    target: ({ base, acctId, username, appId, appSecret }) => {
        let session: { id: string; cookie: string } | undefined;
        return {
            nodeType: 'kingdee-bill-query',
            modules: () => [require('../nodes/kingdee/kingdee-config'), require('../nodes/kingdee/kingdee-bill-query')],
            config: { id: 'c1', type: 'kingdee-config', serverUrl: base, acctId, username, authMode: 'sign', appId, maxLimit: PAGE, rps: 0, concurrency: 0, maxRetries: 0 },
            credentials: { appSecret },
            msg: () => ({ params: { FormId: FORM, FieldKeys: KEYS, Limit: PAGE } }),
            async bare(ax, progress) {
                if (!session) {
                    const ts = String(Math.floor(Date.now() / 1000));
                    const sign = kingdeeLogin(acctId, username, appId, appSecret, ts);
                    const res = await ax.post(`${base}${A}LoginBySign.common.kdsvc`, JSON.stringify({ parameters: [acctId, username, appId, ts, sign, 2052] }), { headers: { 'Content-Type': 'application/json' } });
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
                    // The same work a careful hand-written client does: rows to objects keyed by field key, and any
                    // `/Date(ms±hhmm)/` value to a date (it cannot know which of the asked field keys carry dates; none
                    // do here, so this costs a failed match per text value, as in the node).
                    const keys = KEYS.split(',');
                    const records = answer.map((r: unknown[]) => {
                        const o: Record<string, unknown> = {};
                        keys.forEach((k, i) => {
                            const v = r[i];
                            const m = typeof v === 'string' ? NET_DATE.exec(v) : null;
                            o[k] = m ? netDate(m) : v;
                        });
                        return o;
                    });
                    count += records.length;
                    progress(records.length, records);
                    if (records.length < PAGE) break;
                }
                return count;
            },
        };
    },
    notes: (total) => [
        `kingdee: KingdeeSim + lean BD_MATERIAL rows (4 fields) up to ${total}, in key order, Limit ${PAGE} (the server default), LoginBySign once per client process, limiter off on both sides; the simulator's full ordered result is memoised by the bench, each page is a slice of it.`,
    ],
});

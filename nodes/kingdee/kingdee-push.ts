import type { NodeAPI } from 'node-red';
import { registerEndpoint, WriteSpec, RecordOutcome, ConnectorError, validationError } from '../core';
import type { KingdeeClient } from './client';
import requestSchema from './schemas/push.request.json';
import recordSchema from './schemas/push.record.json';
import responseSchema from './schemas/push.response.json';

type Obj = Record<string, unknown>;

/** Push / 下推 (seed 004 CN_PAYAPPLY → AP_PAYBILL): each record names one source bill; one Push request per chunk. */
const spec: WriteSpec<KingdeeClient> = {
    type: 'kingdee-push',
    system: 'kingdee',
    configType: 'kingdee-config',
    kind: 'write',
    requestSchema,
    recordSchema,
    responseSchema,
    chunkSize: 50,
    async writeChunk(ctx, records, params) {
        const useDefault = params.IsEnableDefaultRule === true;
        if (!params.RuleId && !useDefault) throw validationError('kingdee', 'RuleId', 'is required unless IsEnableDefaultRule is set');
        if (useDefault && !params.RuleId && !params.TargetFormId) throw validationError('kingdee', 'TargetFormId', 'is required when IsEnableDefaultRule is set');
        const base: Obj = {
            RuleId: params.RuleId ?? '',
            TargetBillTypeId: params.TargetBillTypeId ?? '',
            TargetFormId: params.TargetFormId ?? '',
            IsEnableDefaultRule: useDefault,
            IsDraftWhenSaveFail: params.IsDraftWhenSaveFail === true,
            CustomParams: params.CustomParams ?? {},
        };
        // Records of one chunk that need different target organisations go in separate requests.
        const groups = new Map<number, number[]>();
        (records as Obj[]).forEach((r, i) => {
            const org = Number(r.TargetOrgId ?? params.TargetOrgId ?? 0);
            groups.set(org, [...(groups.get(org) ?? []), i]);
        });
        const outcomes: RecordOutcome[] = new Array(records.length);
        let sent = false;
        for (const [org, indexes] of groups) {
            const sources = indexes.map((i) => {
                const r = records[i] as Obj;
                if (r.Number !== undefined && r.Number !== '') return { Number: String(r.Number) };
                return r.Id !== undefined && r.Id !== '' ? { Id: r.Id as string | number } : { EntryId: r.EntryId as string | number };
            });
            let res: RecordOutcome[];
            try {
                res = await ctx.client.push(params.FormId, sources, { ...base, TargetOrgId: org }, ctx.request);
            } catch (err) {
                // Nothing pushed yet: the whole chunk failed (the kit decides). Otherwise keep what was pushed.
                if (!sent || !(err instanceof ConnectorError)) throw err;
                // This organisation's Push may have been performed although its answer was lost: say so.
                const unknown = err.kind === 'transient' && !err.safeToRepeat;
                const e = unknown ? new ConnectorError({ system: err.system, kind: err.kind, code: err.code, message: `${err.message} (the request may have been processed: check Kingdee before replaying)`, httpStatus: err.httpStatus, possiblyProcessed: true }) : err;
                res = indexes.map(() => ({ ok: false as const, error: e }));
            }
            sent = true;
            res.forEach((o, k) => (outcomes[indexes[k]] = o));
        }
        return outcomes;
    },
};

function register(RED: NodeAPI) {
    registerEndpoint(RED, spec);
}
register.spec = spec;
export = register;

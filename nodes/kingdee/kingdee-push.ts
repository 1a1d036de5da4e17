import type { NodeAPI } from 'node-red';
import { registerEndpoint, WriteSpec, RecordOutcome, ConnectorError, sentWriteError, validationError } from '../core';
import type { KingdeeClient, PushSourceKind } from './client';
import requestSchema from './schemas/push.request.json';
import recordSchema from './schemas/push.record.json';
import responseSchema from './schemas/push.response.json';

type Obj = Record<string, unknown>;

const blank = (v: unknown) => v === undefined || v === null || v === '';

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
        // One request per target organisation and way of naming the source (the server reads one of Numbers, Ids
        // and EntryIds per request), in the records' order.
        const groups = new Map<string, { org: number; kind: PushSourceKind; indexes: number[] }>();
        (records as Obj[]).forEach((r, i) => {
            const org = Number(r.TargetOrgId ?? params.TargetOrgId ?? 0);
            const kind: PushSourceKind = !blank(r.Number) ? 'Number' : !blank(r.Id) ? 'Id' : 'EntryId';
            const key = `${org}|${kind}`;
            const group = groups.get(key);
            if (group) group.indexes.push(i);
            else groups.set(key, { org, kind, indexes: [i] });
        });
        const outcomes: RecordOutcome[] = new Array(records.length);
        let sent = false;
        for (const { org, kind, indexes } of groups.values()) {
            const values = indexes.map((i) => String((records[i] as Obj)[kind]));
            let res: RecordOutcome[];
            try {
                res = await ctx.client.push(params.FormId, kind, values, { ...base, TargetOrgId: org }, ctx.request);
            } catch (err) {
                // Nothing pushed yet: the whole chunk failed (the kit decides). Otherwise keep what was pushed. A request
                // whose answer was lost may have been performed: only its own sources are "possibly processed" (the kit
                // would say so of the whole chunk), and the chunk's other requests are sent as after any request performed.
                if (!(err instanceof ConnectorError) || (!sent && (!err.outcomeUnknown || groups.size === 1))) throw err;
                // This request may have been performed although its answer was lost: say so.
                const failure = sentWriteError(err, 'Kingdee');
                res = indexes.map(() => ({ ok: false as const, error: failure }));
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

import type { NodeAPI } from 'node-red';
import { registerEndpoint, WriteSpec, validationError, writeInRequests } from '../core';
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
        // A RuleId does not stand in for it: with the default rule on, Kingdee reads the target from TargetFormId (§1.7).
        if (useDefault && !params.TargetFormId) throw validationError('kingdee', 'TargetFormId', 'is required when IsEnableDefaultRule is set');
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
        // A lost answer makes only that request's sources "possibly processed" (core/write.ts).
        return writeInRequests('kingdee', 'Kingdee', new Array(records.length), [...groups.values()], ({ org, kind, indexes }) => {
            const values = indexes.map((i) => String((records[i] as Obj)[kind]));
            return ctx.client.push(params.FormId, kind, values, { ...base, TargetOrgId: org }, ctx.request);
        });
    },
};

function register(RED: NodeAPI) {
    registerEndpoint(RED, spec);
}
register.spec = spec;
export = register;

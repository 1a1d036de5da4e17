import type { NodeAPI } from 'node-red';
import { registerEndpoint, WriteSpec, EndpointContext, RecordOutcome, ConnectorError, StoppedMidChunk, validationError, writeInRequests, toConnectorError, oncePerMsg } from '../core';
import { mainOrgFieldOf, warnRequestErrors, type KingdeeClient, type PushSourceKind } from './client';
import requestSchema from './schemas/push.request.json';
import recordSchema from './schemas/push.record.json';
import responseSchema from './schemas/push.response.json';

type Obj = Record<string, unknown>;

const blank = (v: unknown) => v === undefined || v === null || v === '';

/** The requests (organisation and way of naming the source) of each msg's sources (its context), worked out with its first chunk. */
const requestsOfMsg = new WeakMap<object, Set<string>>();

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
        const requestOf = (r: Obj) => ({ org: targetOrgOf(r, params), kind: (!blank(r.Number) ? 'Number' : !blank(r.Id) ? 'Id' : 'EntryId') as PushSourceKind });
        const groups = new Map<string, { org: number; kind: PushSourceKind; indexes: number[] }>();
        (records as Obj[]).forEach((r, i) => {
            const { org, kind } = requestOf(r);
            const key = `${org}|${kind}`;
            const group = groups.get(key);
            if (group) group.indexes.push(i);
            else groups.set(key, { org, kind, indexes: [i] });
        });
        // The requests of the whole msg, not of this chunk alone: an organisation Kingdee refuses fails only its
        // sources whether or not the others fall in the same chunk (core/write.ts, msgHasOthers).
        const msgRequests = oncePerMsg(requestsOfMsg, ctx, () => {
            const payload = ctx.msg.payload;
            const named = (r: unknown): r is Obj => typeof r === 'object' && r !== null && (!blank((r as Obj).Number) || !blank((r as Obj).Id) || !blank((r as Obj).EntryId));
            return new Set((Array.isArray(payload) ? payload : [payload]).filter(named).map((r) => { const q = requestOf(r); return `${q.org}|${q.kind}`; }));
        });
        // A lost answer makes only that request's sources "possibly processed" (core/write.ts).
        let outcomes: RecordOutcome[];
        try {
            outcomes = await writeInRequests('kingdee', 'Kingdee', new Array(records.length), [...groups.values()], ({ org, kind, indexes }) => {
                const values = indexes.map((i) => String((records[i] as Obj)[kind]));
                return ctx.client.push(params.FormId, kind, values, { ...base, TargetOrgId: org }, ctx.request);
            }, msgRequests.size > 1);
        } catch (err) {
            if (err instanceof StoppedMidChunk) {
                await findPushedTargets(ctx, params, records as Obj[], err.outcomes);
                warnRequestErrors(ctx.msg, err.outcomes, warnOf(ctx));
            }
            throw err;
        }
        await findPushedTargets(ctx, params, records as Obj[], outcomes);
        warnRequestErrors(ctx.msg, outcomes, warnOf(ctx));
        return outcomes;
    },
};

/** The organisation (internal id) a record's source is pushed to: the record's TargetOrgId, else the node's; 0 = the rule's. */
const targetOrgOf = (r: Obj, params: Record<string, any>) => Number(r.TargetOrgId ?? params.TargetOrgId ?? 0);

/** The warning of errors Kingdee's answer listed naming no source beside the targets it made. */
const warnOf = (ctx: EndpointContext<KingdeeClient>) => (errors: string) => ctx.warn({ key: 'kingdee-push.warn.requestErrors', vars: { errors } });

/** FDocumentStatus of a bill kept as a draft (暂存). */
const DRAFT = 'Z';

/** Kingdee's refusal of a source pushed before (源单“…”已经全部下推，不能重复下推): a rerun after a lost answer. */
const ALREADY_PUSHED = /全部下推|重复下推/;

/**
 * Sources Kingdee refuses as already pushed, named by Number, when the target form is known: their target bills are
 * looked up (one query for the chunk, on the target's source-number field, among the bills of the organisation each
 * was pushed to) and the sources put on output 1 as a fresh push gives them, marked alreadyPushed, so the write-back
 * completes after a lost answer. A source whose target is not found, or only as a draft (暂存), or whose lookup fails,
 * keeps Kingdee's refusal, with what the lookup found.
 */
async function findPushedTargets(ctx: EndpointContext<KingdeeClient>, params: Record<string, any>, records: Obj[], outcomes: Array<RecordOutcome | undefined>): Promise<void> {
    const target = String(params.TargetFormId ?? '');
    if (!target) return;
    const refused = outcomes.flatMap((o, i) => (o && !o.ok && o.error.kind === 'business' && ALREADY_PUSHED.test(o.error.message) && !blank(records[i].Number) ? [i] : []));
    if (refused.length === 0) return;
    const field = String(params.targetSourceField || 'FSRCBILLNO');
    // A target is looked for among the bills of the organisation the source was pushed to (TargetOrgId, an internal
    // id), on the target form's main organisation field: two organisations' sources may share a bill number, and the
    // other's target is not this source's. Pushed by the rule's organisation (0), or to a form whose main
    // organisation is not known, across the data centre. One query for all of them (client.ts billsOf).
    const orgField = mainOrgFieldOf(target);
    const orgOf = (i: number) => (orgField === undefined ? 0 : targetOrgOf(records[i], params));
    let found: Array<Array<{ Id: string; Number: string; status?: string }>> = [];
    let failure: ConnectorError | undefined;
    try {
        const asks = refused.map((i) => ({ value: String(records[i].Number), org: orgOf(i) === 0 ? undefined : { field: orgField!, id: orgOf(i) } }));
        found = await ctx.client.billsOf(target, field, asks, ctx.request, { setting: 'targetSourceField', statusKey: 'FDocumentStatus' });
    } catch (err) {
        failure = toConnectorError(err, 'kingdee');
    }
    // A lookup that failed for a passing reason (5xx, timeout, call limit), or cut off by the node's close (a deploy):
    // pushing the source again is safe (Kingdee refuses it again and the lookup runs again), so it fails as the lookup
    // did, retryable; a close as a transient failure.
    const passing = failure !== undefined && (failure.kind === 'transient' || failure.kind === 'rate-limit' || failure.kind === 'cancelled');
    let recovered = 0;
    refused.forEach((i, k) => {
        const number = String(records[i].Number);
        // A target in draft (暂存, FDocumentStatus Z: its save failed and IsDraftWhenSaveFail kept it) is no bill made:
        // reported as the source's target, the write-back would take an unsaved bill (commonly without a number) for it.
        const drafts = (found[k] ?? []).filter((b) => b.status === DRAFT).map(({ Id, Number }) => ({ Id, Number }));
        const bills = (found[k] ?? []).filter((b) => b.status !== DRAFT).map(({ Id, Number }) => ({ Id, Number }));
        const refusal = (outcomes[i] as { error: ConnectorError }).error;
        if (bills.length === 0 && drafts.length > 0) {
            const named = drafts.map((b) => (b.Number ? `${b.Number} (Id ${b.Id})` : `Id ${b.Id}`)).join(', ');
            const message = `${refusal.message} (already pushed, but its ${target} bill ${named} is only a draft (暂存, FDocumentStatus Z): its save failed and it was kept as a draft (IsDraftWhenSaveFail); complete and save it in Kingdee, then push the source again to get it)`;
            outcomes[i] = { ok: false, error: refusal.copyWith({ message, details: { ...(refusal.details as object | undefined), drafts } }) };
        } else if (bills.length > 0) {
            recovered++;
            outcomes[i] = { ok: true, result: { ...bills[0], FormId: target, source: { FormId: params.FormId, Number: number }, ...(bills.length > 1 ? { targets: bills } : {}), alreadyPushed: true } };
        } else {
            const looked = failure ? `looking up its target bill in ${target} failed: ${failure.message}` : `no ${target} bill has ${field} = '${number}'${orgOf(i) ? ` in the organisation pushed to (${orgField} = ${orgOf(i)})` : ''}`;
            const message = `${refusal.message} (already pushed, but ${looked}: ${passing ? 'push it again to look it up again' : 'check Kingdee'})`;
            outcomes[i] = { ok: false, error: passing ? refusal.copyWith({ message, kind: failure!.kind === 'cancelled' ? 'transient' : failure!.kind, code: failure!.code, httpStatus: failure!.httpStatus, retryAfterMs: failure!.retryAfterMs, safeToRepeat: true }) : refusal.copyWith({ message }) };
        }
    });
    if (recovered > 0) ctx.progress({ key: 'runtime.status.alreadyPushed', vars: { n: recovered } });
}

function register(RED: NodeAPI) {
    registerEndpoint(RED, spec, __filename);
}
register.spec = spec;
export = register;

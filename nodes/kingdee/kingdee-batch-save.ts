import type { NodeAPI } from 'node-red';
import { registerEndpoint, EndpointContext, KeyedLock, WriteSpec, RecordOutcome, isPlainObject, ConnectorError, StoppedMidChunk, sentWriteError, serverKey, toConnectorError, validationError } from '../core';
import { collated, mainOrgFieldOf, primaryKeyOf, warnRequestErrors, type KingdeeClient, type OrgScope } from './client';
import requestSchema from './schemas/batch-save.request.json';
import recordSchema from './schemas/batch-save.record.json';
import responseSchema from './schemas/batch-save.response.json';

type Obj = Record<string, unknown>;

/** The request options sent in `data` beside `Model` (everything of the request schema but the palette's own). */
const PALETTE_PARAMS = new Set(['FormId', 'chunkSize', 'duplicateGuard', 'duplicateField', 'duplicateScope', 'duplicateOrgField']);

/**
 * Request options a bill may carry by mistake: seed 000 tables FormId, Operation, IsAutoSubmitAndAudit … among the
 * lines' fields, but they are BatchSave's (protocols.md §1.6); inside a Model Kingdee ignores them, so the bill would
 * be saved without them (not audited, say). Names as Kingdee binds them, in any case.
 */
const REQUEST_OPTIONS = new Map([...Object.keys((requestSchema as any).properties), 'Operation'].filter((k) => !PALETTE_PARAMS.has(k) || k === 'FormId').map((k) => [k.toLowerCase(), k]));

/**
 * A Model's entries (分录), as [field, lines]: every list of objects in it. Each form names its own (SAL_OutStock
 * FEntity, SAL_SaleOrder FSaleOrderEntry, PUR_PurchaseOrder FPOOrderEntry, STK_InStock FInStockEntry …), so the rules
 * on "the lines" look at all of them, not at FEntity alone.
 */
function entriesOf(record: Obj): Array<[string, unknown[]]> {
    return Object.entries(record).filter((e): e is [string, unknown[]] => Array.isArray(e[1]) && e[1].some(isPlainObject));
}

/** The first request option found in a record's header or lines, as a field path, or undefined. */
function misplacedOption(record: Obj): string | undefined {
    const inObject = (o: Obj) => Object.keys(o).find((k) => REQUEST_OPTIONS.has(k.toLowerCase()));
    const head = inObject(record);
    if (head !== undefined) return head;
    for (const [entry, lines] of entriesOf(record)) {
        for (let i = 0; i < lines.length; i++) {
            const line = lines[i];
            const k = isPlainObject(line) ? inObject(line) : undefined;
            if (k !== undefined) return `${entry}[${i}].${k}`;
        }
    }
    return undefined;
}

/**
 * Basic-data fields of the record schema: field (lower case) → wrapping key (FNumber, or FNUMBER for bill types),
 * header and lines. Lower case since forms spell one field differently (SAL_OutStock FMaterialID, SAL_SaleOrder
 * FMaterialId): either is the material; the key is sent as written.
 */
function basedataKeys(schema: any): Map<string, string> {
    const out = new Map<string, string>();
    for (const [k, v] of Object.entries<any>(schema.properties ?? {})) if (v['x-basedata']) out.set(k.toLowerCase(), v['x-basedata']);
    return out;
}
const HEADER_BASEDATA = basedataKeys(recordSchema);
const ENTRY_BASEDATA = basedataKeys((recordSchema as any).properties.FEntity.items);

/** `{"FMaterialID": "MAT001"}` → `{"FMaterialID": {"FNumber": "MAT001"}}` for the schema's basic-data fields. */
function wrap(record: Obj, keys: Map<string, string>): Obj {
    const out: Obj = { ...record };
    for (const [field, v] of Object.entries(out)) {
        const key = keys.get(field.toLowerCase());
        if (key !== undefined && (typeof v === 'string' || typeof v === 'number')) out[field] = v === '' ? v : { [key]: String(v) };
    }
    return out;
}

function toModel(record: Obj): Obj {
    const model = wrap(record, HEADER_BASEDATA);
    for (const [entry, lines] of entriesOf(model)) model[entry] = lines.map((e) => (isPlainObject(e) ? wrap(e, ENTRY_BASEDATA) : e));
    return model;
}

/** A field's value in an object (case-insensitive name; a basic-data object gives its number). */
function fieldValue(o: Obj, field: string): string | undefined {
    const key = Object.keys(o).find((k) => k.toLowerCase() === field.toLowerCase());
    let v = key === undefined ? undefined : o[key];
    if (isPlainObject(v)) v = Object.entries(v).find(([k]) => k.toLowerCase() === 'fnumber')?.[1];
    return v === undefined || v === null || v === '' ? undefined : String(v);
}

/**
 * A record's value for the duplicate-guard field: the header's, else the first line's of the first entry having it
 * (a source id such as seed 000's FJKShopNumber 网店订单号 sits on the lines; all lines of one bill come from one
 * source order).
 */
function guardValue(record: Obj, field: string): string | undefined {
    const head = fieldValue(record, field);
    if (head !== undefined) return head;
    for (const [, [first]] of entriesOf(record)) {
        const v = isPlainObject(first) ? fieldValue(first, field) : undefined;
        if (v !== undefined) return v;
    }
    return undefined;
}

/**
 * The organisation a bill names in its header field `field`, for the duplicate guard to look among its bills: by its
 * number (`{"FNumber": …}`, or plain text the node wraps so), else by its internal id (`{"FOrgID": …}`, the key
 * K/3 Cloud's own Save templates give it); undefined when it names none; 'unreadable' when it names one some other way
 * (`{"FID": …}`, `{"FName": …}`, a bare value the node does not wrap), since which organisation Kingdee takes from
 * that cannot be told here.
 */
function orgOf(model: Obj, field: string): OrgScope | 'unreadable' | undefined {
    const key = Object.keys(model).find((k) => k.toLowerCase() === field.toLowerCase());
    const v = key === undefined ? undefined : model[key];
    const blank = (x: unknown) => x === undefined || x === null || x === '';
    if (blank(v)) return undefined;
    if (!isPlainObject(v)) return 'unreadable';
    const get = (name: string) => Object.entries(v).find(([k]) => k.toLowerCase() === name)?.[1];
    const number = get('fnumber');
    if (!blank(number)) return { field, number: String(number) };
    const id = get('forgid');
    if (!blank(id) && Number(id) !== 0) return /^\d+$/.test(String(id)) && Number.isSafeInteger(Number(id)) ? { field, id: Number(id) } : 'unreadable';
    // No number and no id (`{"FOrgID": 0}`, as the templates leave it unset): it names none.
    return Object.values(v).every((x) => blank(x) || Number(x) === 0) ? undefined : 'unreadable';
}

/**
 * The field naming a bill's organisation for the duplicate guard, or undefined when bills are looked up across the
 * data centre: duplicateScope 'dataCentre', or a form whose main organisation is not known and no duplicateOrgField.
 */
function orgFieldOf(params: Record<string, any>): string | undefined {
    if (params.duplicateScope === 'dataCentre') return undefined;
    return params.duplicateOrgField ? String(params.duplicateOrgField) : mainOrgFieldOf(String(params.FormId));
}

/** BatchSave (seed 000 销售出库新增): chunks of Models, outcomes matched by DIndex, optional duplicate guard. */
const spec: WriteSpec<KingdeeClient> = {
    type: 'kingdee-batch-save',
    system: 'kingdee',
    configType: 'kingdee-config',
    kind: 'write',
    requestSchema,
    recordSchema,
    responseSchema,
    chunkSize: 50,
    async writeChunk(ctx, records, params) {
        // A bill carrying a request option is not sent: saved without it, it would not be what was asked.
        const outcomes: RecordOutcome[] = new Array(records.length);
        const sent: number[] = [];
        (records as Obj[]).forEach((r, i) => {
            const field = misplacedOption(r);
            if (field === undefined) sent.push(i);
            else {
                const name = REQUEST_OPTIONS.get(field.replace(/^.*\./, '').toLowerCase());
                outcomes[i] = { ok: false, error: validationError('kingdee', field, `is a BatchSave option, not a field of the bill (Kingdee ignores it there): set ${name === 'Operation' ? 'IsAutoSubmitAndAudit' : name} in the node or msg.params; not sent`) };
            }
        });
        if (sent.length > 0) {
            let saved: RecordOutcome[];
            try {
                saved = await saveChunk(ctx, sent.map((i) => records[i] as Obj), params);
            } catch (err) {
                // Stopped after a save: its outcomes are of the bills sent, put back in the chunk's places (the bills
                // held back keep theirs), else each would land on the bill before it.
                if (err instanceof StoppedMidChunk) {
                    sent.forEach((i, k) => (outcomes[i] = err.outcomes[k] as RecordOutcome));
                    throw new StoppedMidChunk(outcomes, err.reason);
                }
                throw err;
            }
            sent.forEach((i, k) => (outcomes[i] = saved[k]));
            warnRequestErrors(ctx.msg, saved, (errors) => ctx.warn({ key: 'kingdee-batch-save.warn.requestErrors', vars: { errors } }));
        }
        return outcomes;
    },
};

/** One chunk of bills with nothing misplaced: BatchSave, behind the duplicate guard when it is on. */
async function saveChunk(ctx: EndpointContext<KingdeeClient>, records: Obj[], params: Record<string, any>): Promise<RecordOutcome[]> {
    const models = records.map(toModel);
    const options: Obj = {};
    for (const [k, v] of Object.entries(params)) if (!PALETTE_PARAMS.has(k) && v !== undefined) options[k] = v;
    if (params.duplicateGuard !== true) return ctx.client.batchSave(params.FormId, models, options, ctx.request);
    const field = String(params.duplicateField || 'FBillNo');
    // A Model naming an existing bill by its id (FID, or a basic-data form's own key) modifies it: it cannot create
    // a duplicate and is always sent (found by its number, it would be reported saved without being sent).
    const pk = primaryKeyOf(params.FormId);
    const isNew = (m: Obj) => {
        const id = fieldValue(m, pk);
        return id === undefined || Number(id) === 0;
    };
    const values = models.map((m) => (isNew(m) ? guardValue(m, field) : undefined));
    // Each bill is looked up among its organisation's bills (a bill naming none: all of them).
    const orgField = orgFieldOf(params);
    const orgs = models.map((m) => (orgField === undefined ? undefined : orgOf(m, orgField)));
    // A new bill without the field is saved unchecked (Kingdee numbers it; a replay would save it again): say so,
    // once per msg, counting the whole msg (not just this chunk).
    if (!warnedUnguarded.has(ctx.msg) && values.some((v, i) => v === undefined && isNew(models[i]))) {
        warnedUnguarded.add(ctx.msg);
        const all = (Array.isArray(ctx.msg.payload) ? ctx.msg.payload : [ctx.msg.payload]).filter(isPlainObject).map(toModel);
        const unguarded = all.filter((m) => isNew(m) && guardValue(m, field) === undefined).length;
        ctx.warn({ key: 'kingdee-batch-save.warn.unguarded', vars: { n: unguarded, field } });
    }
    // Check and save under the values' keys: another chunk carrying one of them (this node's next msg, another
    // query's copy, a replay from output 2) checks after this one has saved, and finds the bill. A save that got no
    // answer (timeout, connection cut) may still be running at Kingdee: its keys stay held as long again as its
    // timeout, so a copy checked meanwhile finds the bill instead of saving it a second time.
    const { serverUrl, acctId } = ctx.client.settings;
    // Keyed as Kingdee compares them: the server URL as the server sees it (two config nodes of one data centre may
    // spell it differently), form ids and field keys in any case, values as SQL Server's collation does (case and
    // trailing spaces ignored; holding a value a case-sensitive database tells apart only makes it wait).
    // Not by organisation: two organisations' bills of one value then wait for each other, but a bill naming no
    // organisation (looked up in all of them) still cannot be checked while one naming its organisation is saved.
    const keys = values.filter((v): v is string => v !== undefined).map((v) => JSON.stringify([serverKey(serverUrl), acctId, String(params.FormId).toLowerCase(), field.toLowerCase(), collated(v)]));
    const holdMs = ctx.request.timeoutMs ?? ctx.client.http.defaultTimeoutMs;
    const unanswered = (err: unknown) => {
        const reason = err instanceof StoppedMidChunk ? err.reason : err;
        return reason instanceof ConnectorError && reason.outcomeUnknown;
    };
    return guardLock.run(keys, () => saveAbsent(ctx, params.FormId, field, models, values, options, orgField, orgs), (err) => (unanswered(err) ? holdMs : 0), ctx.signal);
}

/** The msgs already warned of records the duplicate guard cannot check. */
const warnedUnguarded = new WeakSet<object>();

/** Bills being checked and saved by a duplicate-guarded chunk, for every node and config of this runtime. */
const guardLock = new KeyedLock('kingdee');

/**
 * The duplicate guard's check and save: bills whose value Kingdee already holds (in the bill's organisation, when it
 * names one: `orgs`) are not sent (alreadyPresent), and of several records in the chunk with one value and
 * organisation (as Kingdee compares them) only the first is sent; the others get its outcome (one naming it another
 * way, by id or not at all, is checked again once the first is saved). A bill naming its
 * organisation in a way that cannot be read is not sent: found in another organisation, its value would make it
 * alreadyPresent with that one's bill (never saved), and looked up in none, a replay would be saved again.
 */
async function saveAbsent(ctx: EndpointContext<KingdeeClient>, formId: string, field: string, models: Obj[], values: Array<string | undefined>, options: Obj, orgField: string | undefined, orgs: Array<OrgScope | 'unreadable' | undefined>): Promise<RecordOutcome[]> {
    const outcomes: RecordOutcome[] = new Array(models.length);
    // One lookup for the chunk, each bill among its organisation's bills (by number or by id; naming none, all).
    const scopeOf = (i: number) => {
        const org = orgs[i];
        return org === undefined || org === 'unreadable' ? '' : JSON.stringify(org.id !== undefined ? ['id', org.id] : ['number', collated(org.number)]);
    };
    const checked = models.flatMap((_, i) => (values[i] !== undefined && orgs[i] !== 'unreadable' ? [i] : []));
    const present = new Array<{ Id: string; Number: string } | undefined>(models.length);
    try {
        if (checked.length > 0) {
            const asks = checked.map((i) => ({ value: values[i]!, org: orgs[i] as OrgScope | undefined }));
            const found = await ctx.client.billsOf(formId, field, asks, ctx.request, { setting: 'duplicateField' });
            checked.forEach((i, k) => (present[i] = found[k][0]));
        }
    } catch (err) {
        // Only the lookup (a read) failed: nothing of the chunk was sent, so it is safe to send again, not "possibly
        // processed" (a timeout or 5xx of a write would be). A lookup cut off in flight by a close too: kept unsafe, its
        // bills went to output 2 as possibly saved, and their numbers were held from the redeployed node for a timeout.
        if (err instanceof ConnectorError) throw err.copyWith({ safeToRepeat: true });
        throw err;
    }
    const toSave: number[] = [];
    const firstWith = new Map<string, number>();
    const copies: Array<[number, number]> = [];
    // A bill whose value one sent before it carries with its organisation named another way (by number and by id, or
    // one naming none) may be of that one's organisation: checked again once that one is saved, not sent beside it.
    const sentWith = new Map<string, Array<'id' | 'number' | undefined>>();
    const namedBy = (i: number) => (orgs[i] === undefined ? undefined : (orgs[i] as OrgScope).id !== undefined ? 'id' : 'number');
    const later: number[] = [];
    values.forEach((v, i) => {
        const hit = present[i];
        const key = JSON.stringify([scopeOf(i), collated(v ?? '')]);
        if (v !== undefined && orgs[i] === 'unreadable') {
            outcomes[i] = { ok: false, error: validationError('kingdee', orgField!, 'names the bill\'s organisation neither by its number ({"FNumber": …}) nor by its id ({"FOrgID": …}): the duplicate guard cannot tell which organisation\'s bills to look among (a bill of this value in another organisation would be taken for this one). Give one of them, or set duplicateScope to dataCentre; not saved') };
        } else if (hit) outcomes[i] = { ok: true, result: { Id: hit.Id, Number: hit.Number, alreadyPresent: true, model: models[i] } };
        else if (v !== undefined && firstWith.has(key)) copies.push([i, firstWith.get(key)!]);
        else if (v !== undefined && (sentWith.get(collated(v)) ?? []).some((by) => by === undefined || namedBy(i) === undefined || by !== namedBy(i))) later.push(i);
        else {
            if (v !== undefined) {
                firstWith.set(key, i);
                sentWith.set(collated(v), [...(sentWith.get(collated(v)) ?? []), namedBy(i)]);
            }
            toSave.push(i);
        }
    });
    const alreadyPresent = models.length - toSave.length - later.length - outcomes.filter((o) => o && !o.ok).length;
    if (alreadyPresent > 0) ctx.progress({ key: 'runtime.status.alreadyPresent', vars: { n: alreadyPresent } });
    if (toSave.length > 0) {
        const saved = await ctx.client.batchSave(formId, toSave.map((i) => models[i]), options, ctx.request);
        saved.forEach((o, k) => (outcomes[toSave[k]] = o));
        markNumberedByKingdee(ctx, formId, field, toSave.map((i) => [outcomes[i], values[i]]));
    }
    for (const [i, first] of copies) {
        const o = outcomes[first];
        const result = o.ok ? (o.result as Obj) : undefined;
        outcomes[i] = o.ok ? { ok: true, result: { Id: result?.Id, Number: result?.Number, alreadyPresent: true, ...(result?.guardIneffective ? { guardIneffective: true } : {}), model: models[i] } } : o;
    }
    if (later.length > 0) {
        try {
            const again = await saveAbsent(ctx, formId, field, later.map((i) => models[i]), later.map((i) => values[i]), options, orgField, later.map((i) => orgs[i]));
            later.forEach((i, k) => (outcomes[i] = again[k]));
        } catch (err) {
            // The bills before them are saved: those keep their outcomes, and the msg stops here (as after a request).
            if (err instanceof StoppedMidChunk) {
                later.forEach((i, k) => (outcomes[i] = err.outcomes[k] as RecordOutcome));
                throw new StoppedMidChunk(outcomes, err.reason);
            }
            const reason = toConnectorError(err, 'kingdee');
            for (const i of later) outcomes[i] = { ok: false, error: sentWriteError(reason) };
            throw new StoppedMidChunk(outcomes, reason);
        }
    }
    return outcomes;
}

/** The msgs already warned of bills Kingdee numbered itself while the duplicate guard is on their number. */
const warnedIneffective = new WeakSet<object>();

/**
 * When the guard field is the form's own number (FBillNo; FNumber on basic data) and Kingdee saved a bill under
 * another number than the one sent, the bill type's coding rule (编码规则) does not take a number from outside: the
 * guard, looking the value sent up (compared as the database compares it: case and trailing spaces ignored), will
 * never find this bill, and a re-read or replay saves it again. Such a bill keeps its place on output 1 (it was
 * saved), marked `guardIneffective: true`, and the node warns once per msg. `saved` pairs each outcome of a save
 * with the guard value sent for it.
 */
function markNumberedByKingdee(ctx: EndpointContext<KingdeeClient>, formId: string, field: string, saved: Array<[RecordOutcome, string | undefined]>): void {
    const numberField = primaryKeyOf(formId) === 'FID' ? 'FBillNo' : 'FNumber';
    if (field.toLowerCase() !== numberField.toLowerCase()) return;
    let first: { sent: string; number: string } | undefined;
    for (const [o, sent] of saved) {
        if (!o?.ok || sent === undefined || !isPlainObject(o.result)) continue;
        const result = o.result as Obj;
        const number = result.Number === undefined || result.Number === null ? '' : String(result.Number);
        // No number in the answer (a draft saved without one): nothing to compare.
        if (number === '' || collated(number) === collated(sent)) continue;
        result.guardIneffective = true;
        first ??= { sent, number };
    }
    if (first && !warnedIneffective.has(ctx.msg)) {
        warnedIneffective.add(ctx.msg);
        ctx.warn({ key: 'kingdee-batch-save.warn.guardIneffective', vars: { field, sent: first.sent, number: first.number, form: formId } });
    }
}

function register(RED: NodeAPI) {
    registerEndpoint(RED, spec, __filename);
}
register.spec = spec;
export = register;

import type { NodeAPI } from 'node-red';
import { registerEndpoint, WriteSpec, RecordOutcome, ConnectorError, toConnectorError, isBlankValue as blank, isPlainObject, parseVendorJson } from '../core';
import { isAlreadyCancelled, type WdtWmsClient, type CancelRecord, type WmsAnswer } from './client';
import requestSchema from './schemas/cancel.request.json';
import recordSchema from './schemas/cancel.record.json';
import responseSchema from './schemas/cancel.response.json';

/**
 * wdt-wms-cancel: 旺店通WMS 取消接口 WDT_WMS_ORDER_CANCEL (seed 001). One request per record; a record lacking
 * warehouseCode / ownerCode / orderType / cancelReason takes the node's setting. flag=failure → output 2 with code
 * and message; transport failures follow the kit's retry policy (a cancel is sent again only when the server
 * certainly did not act on it).
 */
const REQUIRED = ['warehouseCode', 'orderCode', 'orderType', 'cancelReason'] as const;

/**
 * extendProps as key/value pairs: an object, or the JSON text of one (the seed types the field string), a long id in it
 * kept exact (see core/json.ts).
 */
function extendObject(v: unknown): Record<string, unknown> | undefined {
    if (isPlainObject(v)) return v;
    if (typeof v !== 'string' || !v.trim().startsWith('{')) return undefined;
    try {
        const parsed: unknown = parseVendorJson(v);
        return isPlainObject(parsed) ? parsed : undefined;
    } catch {
        return undefined;
    }
}

function mergeRecord(record: Record<string, unknown>, params: Record<string, any>): CancelRecord {
    const out: Record<string, unknown> = { ...record };
    for (const k of ['warehouseCode', 'ownerCode', 'orderType', 'cancelReason']) if (blank(out[k]) && !blank(params[k])) out[k] = params[k];
    const nodeExt = extendObject(params.extendProps);
    // A blank one ('' or spaces: a mapped column with nothing in it) is none, as for the other fields: the node's applies.
    const recordExt = blank(out.extendProps) ? {} : extendObject(out.extendProps);
    if (nodeExt && recordExt) {
        out.extendProps = { ...nodeExt, ...recordExt };
    } else if (blank(out.extendProps) && params.extendProps !== undefined) {
        out.extendProps = params.extendProps;
    }
    return out as unknown as CancelRecord;
}

const spec: WriteSpec<WdtWmsClient> = {
    type: 'wdt-wms-cancel',
    system: 'wdt-wms',
    configType: 'wdt-wms-config',
    kind: 'write',
    requestSchema,
    recordSchema,
    responseSchema,
    chunkSize: 1,
    async writeChunk(ctx, records, params): Promise<RecordOutcome[]> {
        const outcomes: RecordOutcome[] = [];
        for (const raw of records) {
            const record = mergeRecord(raw as Record<string, unknown>, params);
            const missing = REQUIRED.find((k) => blank(record[k]));
            if (missing) {
                outcomes.push({ ok: false, error: new ConnectorError({ system: 'wdt-wms', kind: 'validation', code: 'INVALID_RECORD', field: missing, message: `${missing}: is required${missing === 'orderCode' ? '' : " (in the record or the node's setting)"}; nothing was sent` }) });
                continue;
            }
            try {
                const answer = await ctx.client.cancelOrder(record, ctx.request);
                outcomes.push({ ok: true, result: { ...answer, orderCode: record.orderCode, warehouseCode: record.warehouseCode } });
            } catch (err) {
                const e = toConnectorError(err, 'wdt-wms');
                // Cancelled already (a replay of a cancel whose answer was lost, or cancelled in the WMS meanwhile):
                // done, not a failure that would come back with every replay.
                const refusal = e.kind === 'business' ? (e.details as WmsAnswer | undefined) : undefined;
                if (refusal && isAlreadyCancelled(refusal.code, refusal.message)) {
                    outcomes.push({ ok: true, result: { ...refusal, orderCode: record.orderCode, warehouseCode: record.warehouseCode, alreadyCancelled: true } });
                    continue;
                }
                // Refused as too large before anything of the chunk was sent: the kit says whether the record is too large alone.
                if (e.code === 'REQUEST_TOO_LARGE' && outcomes.length === 0) throw e;
                // Refused for this record alone (by the WMS, or before sending: an extendProps key no element can have).
                if (e.kind === 'business' || e.kind === 'validation') outcomes.push({ ok: false, error: e });
                else throw e;
            }
        }
        return outcomes;
    },
};

function register(RED: NodeAPI) {
    registerEndpoint(RED, spec);
}
register.spec = spec;
register.mergeRecord = mergeRecord;
export = register;

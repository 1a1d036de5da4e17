import type { NodeAPI } from 'node-red';
import { registerEndpoint, QuerySpec, chinaTime, toEpochEndMs, toEpochMs, validationError } from '../core';
import { KingdeeClient, normaliseFieldKeys } from './client';
import requestSchema from './schemas/bill-query.request.json';
import responseSchema from './schemas/bill-query.response.json';

/** A time parameter → China-time text for the FilterString, or a validation error naming it. */
function filterTime(name: string, value: unknown, parse: (value: unknown) => number = toEpochMs): string | undefined {
    if (value === undefined || value === null || value === '') return undefined;
    const ms = parse(value);
    if (Number.isNaN(ms)) throw validationError('kingdee', name, 'must be a time: yyyy-MM-dd HH:mm:ss (China time), an ISO date with a zone or epoch ms');
    return chinaTime(ms);
}

/** ExecuteBillQuery (seed 001 退料申请查询): rows as objects, paged lazily in a stable order. */
const spec: QuerySpec<KingdeeClient> = {
    type: 'kingdee-bill-query',
    system: 'kingdee',
    configType: 'kingdee-config',
    kind: 'query',
    requestSchema,
    responseSchema,
    incremental: { startParam: 'ModifiedFrom', endParam: 'ModifiedTo', format: (ms) => chinaTime(ms), wholeWindow: { StartRow: 0, TopRowCount: 0 }, notFilters: ['Limit', 'OrderString'], shapeOnly: ['FieldKeys', 'PrimaryKey'] },
    query(ctx, params) {
        // Checked before the generator starts: a bad time or field fails the msg with nothing sent.
        normaliseFieldKeys(params.FieldKeys);
        const from = filterTime('ModifiedFrom', params.ModifiedFrom);
        // The end is exclusive (`<`): a date alone reads up to the next midnight, the whole of that day.
        const to = filterTime('ModifiedTo', params.ModifiedTo, (v) => toEpochEndMs(v, true));
        // A window ending before it starts is a mistake (the ends swapped), not a read that finds nothing: compared as
        // inclusive ends, so a date alone the day before the start is one too.
        const last = to === undefined ? NaN : toEpochEndMs(params.ModifiedTo);
        if (from !== undefined && last < toEpochMs(params.ModifiedFrom)) throw validationError('kingdee', 'ModifiedTo', `the window ends before it starts (${chinaTime(last)} < ${from})`);
        const dateField = String(params.DateField || 'FModifyDate');
        if (!/^[A-Za-z_][\w.]*$/.test(dateField)) throw validationError('kingdee', 'DateField', `"${dateField}" is not a field key`);
        const parts: string[] = [];
        const user = String(params.FilterString ?? '').trim();
        if (user) parts.push(from || to ? `(${user})` : user);
        if (from) parts.push(`${dateField} >= '${from}'`);
        if (to) parts.push(`${dateField} < '${to}'`);
        return ctx.client.queryBills(
            {
                FormId: params.FormId,
                FieldKeys: params.FieldKeys,
                FilterString: parts.join(' and '),
                OrderString: params.OrderString,
                TopRowCount: params.TopRowCount,
                StartRow: params.StartRow,
                Limit: params.Limit,
                SubSystemId: params.SubSystemId,
                PrimaryKey: params.PrimaryKey,
            },
            ctx.request,
            (page) => ctx.progress({ key: 'runtime.status.page', vars: { page } }),
            ctx.warn,
        );
    },
};

function register(RED: NodeAPI) {
    registerEndpoint(RED, spec, __filename);
}
register.spec = spec;
export = register;

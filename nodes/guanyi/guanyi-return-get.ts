import type { NodeAPI } from 'node-red';
import { registerEndpoint, QuerySpec, dedupeBy, pageNumbers, toEpochMs, toEpochEndMs, chinaTime, validationError } from '../core';
import type { GuanyiClient, ReturnPage } from './client';
import requestSchema from './schemas/return-get.request.json';
import responseSchema from './schemas/return-get.response.json';

const TIME_PARAMS = new Set(['start_create', 'end_create', 'in_begin_time', 'in_end_time', 'modify_start_date', 'modify_end_date']);
/** The ends of the ranges: inclusive, to the second, so a date alone ends at its 23:59:59. */
const END_PARAMS = new Set(['end_create', 'in_end_time', 'modify_end_date']);
const CHINA_TEXT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/** A time parameter → `yyyy-MM-dd HH:mm:ss` China time, or a validation error naming it. */
function wireTime(name: string, value: unknown): string {
    const text = String(value).trim();
    const ms = (END_PARAMS.has(name) ? toEpochEndMs : toEpochMs)(typeof value === 'number' ? value : text);
    if (Number.isNaN(ms)) throw validationError('guanyi', name, 'must be a real date: yyyy-MM-dd HH:mm:ss (China time) or an ISO date with a zone');
    return CHINA_TEXT.test(text) ? text : chinaTime(ms);
}

/**
 * 管易云 gy.erp.trade.return.get (seed 002's source, protocols.md §6.3): every request field of the seed's table,
 * blank ones omitted; pages from page_no (default 1) until a short page or `total`; records are the `tradeReturns` elements
 * with details and their payments kept as arrays; a return seen twice in one run (rows shifting while paging) is
 * emitted once.
 */
const spec: QuerySpec<GuanyiClient> = {
    type: 'guanyi-return-get',
    system: 'guanyi',
    configType: 'guanyi-config',
    kind: 'query',
    requestSchema,
    responseSchema,
    incremental: { startParam: 'modify_start_date', endParam: 'modify_end_date', format: (ms) => chinaTime(ms), wholeWindow: { page_no: 1 }, notFilters: ['page_size'] },
    query(ctx, params) {
        const fields: Record<string, unknown> = {};
        for (const name of Object.keys((requestSchema as any).properties)) {
            if (name === 'page_size' || name === 'page_no') continue;
            const v = params[name];
            // Spaces alone are blank too: sent, they would filter on " " and the read would find nothing.
            if (v === undefined || v === null || String(v).trim() === '') continue;
            fields[name] = TIME_PARAMS.has(name) ? wireTime(name, v) : String(v);
        }
        for (const [from, to] of [['start_create', 'end_create'], ['in_begin_time', 'in_end_time'], ['modify_start_date', 'modify_end_date']]) {
            if (fields[from] !== undefined && fields[to] !== undefined && String(fields[to]) < String(fields[from])) throw validationError('guanyi', to, `is before ${from}`);
        }
        const pageSize: number = params.page_size ?? 50;
        const first: number = params.page_no ?? 1;
        // From page_no 1 (or the one asked for) to a short page or page_no * page_size ≥ total (§6.3); a total that
        // shrinks while paging has pages read again (core/paging.ts), whose repeats dedupeBy drops.
        // Asked at the size pageNumbers gives: a server found serving fewer a page is asked at that size, so its page
        // numbers count the pages pageNumbers counts.
        const pages = pageNumbers(async (pageNo, size): Promise<ReturnPage> => {
            ctx.progress({ key: 'runtime.status.page', vars: { page: pageNo } });
            return ctx.client.returnGet(fields, pageNo, size, ctx.request);
        }, { system: 'guanyi', first: 1, start: first, pageSize, warn: ctx.warn });
        return dedupeBy(pages, (r: Record<string, unknown>) => (r.id ?? r.code) as unknown);
    },
};

function register(RED: NodeAPI) {
    registerEndpoint(RED, spec);
}
register.spec = spec;
export = register;

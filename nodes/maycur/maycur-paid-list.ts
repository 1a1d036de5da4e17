import type { NodeAPI } from 'node-red';
import { registerEndpoint, QuerySpec, ConnectorError, pageNumbers, dedupeBy, toEpochMs, toEpochEndMs, chinaTime, validationError } from '../core';
import type { MaycurClient } from './client';
import requestSchema from './schemas/paid-list.request.json';
import responseSchema from './schemas/paid-list.response.json';

/** A paid-time parameter → epoch ms (ISO dates and China-time text accepted), or a validation error naming it. */
function paidTime(name: string, value: unknown, parse: (value: unknown) => number = toEpochMs): number | undefined {
    if (value === undefined || value === null || value === '') return undefined;
    const ms = parse(value);
    if (Number.isNaN(ms)) throw validationError('maycur', name, 'must be a time: epoch ms, yyyy-MM-dd HH:mm:ss (China time) or an ISO date with a zone');
    return ms;
}

/**
 * A paid payment told apart from the others: its payment order (paymentNo), the payment (paymentBizCode) and the bill
 * it pays (payeeTargetBusinessCode). One payment order may pay several bills (seed 004 writes back per paymentBizCode
 * and bill): keyed on paymentNo alone, all but its first bill were dropped as repeats. Undefined when none is there.
 */
function paymentKey(r: Record<string, unknown>): string | undefined {
    const parts = [r.paymentNo, r.paymentBizCode, r.payeeTargetBusinessCode];
    return parts.every((v) => v === undefined || v === null) ? undefined : JSON.stringify(parts);
}

/**
 * The config error for a server found reading pageNum otherwise than the config node sends it (`reads`: as what the
 * server reads it), naming the setting as the editor shows it.
 */
function readsPageNumAs(reads: 'offset' | 'page') {
    const [what, setting] = reads === 'offset' ? ['an offset', '"record offset" (记录偏移量)'] : ['a page number', '"page number" (页码)'];
    return (seen: { page: number; repeated: number; count: number }): ConnectorError =>
        new ConnectorError({
            system: 'maycur',
            kind: 'config',
            code: 'CONFIG',
            field: 'pagingMode',
            message:
                `pagingMode: the server reads pageNum as ${what} (page ${seen.page} repeats ${seen.repeated} of its ${seen.count} payments from page ${seen.page - 1}): ` +
                `set "pageNum means" (pageNum 含义) to ${setting} in the Maycur config node`,
        });
}

const spec: QuerySpec<MaycurClient> = {
    type: 'maycur-paid-list',
    system: 'maycur',
    configType: 'maycur-config',
    kind: 'query',
    requestSchema,
    responseSchema,
    incremental: { startParam: 'startPaidTime', endParam: 'endPaidTime', format: (ms) => ms, notFilters: ['pageSize'] },
    query(ctx, params) {
        // Converted before the generator starts: a bad time fails the msg with nothing sent.
        const startPaidTime = paidTime('startPaidTime', params.startPaidTime);
        // Inclusive, in ms: a date alone ends at its last millisecond.
        const endPaidTime = paidTime('endPaidTime', params.endPaidTime, toEpochEndMs);
        if (startPaidTime !== undefined && endPaidTime !== undefined && endPaidTime < startPaidTime) {
            throw validationError('maycur', 'endPaidTime', 'is before startPaidTime');
        }
        const pageSize: number = params.pageSize ?? 100;
        // Spaces alone are blank too: sent, they would select no payment.
        const paymentNo = params.paymentNo === undefined || params.paymentNo === null || String(params.paymentNo).trim() === '' ? undefined : String(params.paymentNo);
        // At the page size pageNumbers asks: a server serving fewer a page than asked is read on at its size, and an
        // offset (the config node's offset mode) follows the rows served instead of skipping those between.
        const pages = pageNumbers(async (pageNum, size) => {
            ctx.progress({ key: 'runtime.status.page', vars: { page: pageNum } });
            const page = await ctx.client.paidList({ pageNum, pageSize: size, startPaidTime, endPaidTime, paymentNo }, ctx.request);
            return { records: page.list, total: page.totalCount };
        }, {
            system: 'maycur',
            first: 1,
            pageSize,
            warn: ctx.warn,
            // The seed words pageNum as an offset (protocols.md §7.4). A tenant reading it so while the config sends
            // page numbers would skip the first payment and end the read early on pages of repeats, green, with the
            // watermark past what was never read: fail the msg instead, naming the setting. The opposite mismatch too:
            // a Java server paging "reasonably" (PageHelper) reads offset 0 as page 1 and an offset past its pages as
            // its last page, taken for a short page of a capped size, and the read went on over pages of repeats to
            // end green past the payments between. Either way a page repeats the page before it.
            offsetCheck: { key: paymentKey, fail: readsPageNumAs(ctx.client.pagingMode === 'page' ? 'offset' : 'page') },
        });
        // Rows paid while paging can shift a page boundary: never emit a payment twice in one run.
        return dedupeBy(pages, paymentKey);
    },
};

function register(RED: NodeAPI) {
    registerEndpoint(RED, spec);
}
register.spec = spec;
export = register;

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
    const a = r.paymentNo;
    const b = r.paymentBizCode;
    const c = r.payeeTargetBusinessCode;
    if ((a === undefined || a === null) && (b === undefined || b === null) && (c === undefined || c === null)) return undefined;
    // Text joined, not JSON.stringify of a list: made for every row, two to three times a read (here and in the paging).
    return `${keyPart(a)}\u0000${keyPart(b)}\u0000${keyPart(c)}`;
}

function keyPart(v: unknown): string {
    return v === undefined || v === null ? '\u0001' : typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * The config error for a server found reading pageNum otherwise than the config node sends it (`reads`: as what the
 * server reads it), naming the setting as the editor shows it.
 */
function readsPageNumAs(reads: 'offset' | 'page') {
    const [what, setTo] = reads === 'offset' ? ['an offset', `set "pageNum means" (pageNum 含义) to "record offset" (记录偏移量) in the Maycur config node`] : ['a page number', SENT_OFFSETS];
    return (seen: { page: number; repeated: number; count: number }): ConnectorError =>
        new ConnectorError({
            system: 'maycur',
            kind: 'config',
            code: 'CONFIG',
            field: 'pagingMode',
            message: `pagingMode: the server reads pageNum as ${what} (page ${seen.page} repeats ${seen.repeated} of its ${seen.count} payments from page ${seen.page - 1}): ${setTo}`,
        });
}

/** What a server reading pageNum as a page number answers offsets with, other than pages that repeat (readsPageNumAs). */
const SENT_OFFSETS = `set "pageNum means" (pageNum 含义) to "page number" (页码) in the Maycur config node`;

/**
 * Page 2 (offset = pageSize) still empty after a full page 1 while totalCount says more follow: a server reading the
 * offset as a page number answers a page past its last so (read as EMPTY_PAGE, the setting was never named).
 */
function emptyAtOffset(seen: { total: number; before: number; times: number }): ConnectorError {
    return new ConnectorError({
        system: 'maycur',
        kind: 'config',
        code: 'CONFIG',
        field: 'pagingMode',
        message:
            `pagingMode: page 2 (pageNum ${seen.before}) came back empty ${seen.times} times while totalCount (${seen.total}) says more payments follow the ${seen.before} of page 1: ` +
            `a server reading pageNum as a page number answers an offset past its last page so; ${SENT_OFFSETS} (if it is set right, the server answered empty pages: the next run reads them)`,
    });
}

/**
 * A refusal of pageNum 0, the offset of page 1, as a server reading page numbers answers it ("pageNum不合法"): the
 * config error naming the setting, instead of a business error the user cannot place.
 */
function refusedOffsetZero(err: unknown): unknown {
    if (!(err instanceof ConnectorError) || err.kind !== 'business' || !/pageNum|页码|页数/i.test(`${err.code} ${err.message}`)) return err;
    return new ConnectorError({ system: 'maycur', kind: 'config', code: 'CONFIG', field: 'pagingMode', message: `pagingMode: the server refused pageNum 0, the offset of page 1 (${err.code}: ${err.message}): a server reading pageNum as a page number does; ${SENT_OFFSETS}` });
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
        const sendsOffsets = ctx.client.pagingMode === 'offset';
        const pages = pageNumbers(async (pageNum, size) => {
            ctx.progress({ key: 'runtime.status.page', vars: { page: pageNum } });
            const page = await ctx.client.paidList({ pageNum, pageSize: size, startPaidTime, endPaidTime, paymentNo }, ctx.request).catch((err) => {
                throw sendsOffsets && pageNum === 1 ? refusedOffsetZero(err) : err;
            });
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
            offsetCheck: { key: paymentKey, fail: readsPageNumAs(sendsOffsets ? 'page' : 'offset'), empty: sendsOffsets ? emptyAtOffset : undefined },
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

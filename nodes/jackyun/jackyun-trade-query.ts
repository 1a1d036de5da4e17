import type { NodeAPI } from 'node-red';
import { registerEndpoint, QuerySpec, chinaTime } from '../core';
import type { JackyunClient } from './client';
import requestSchema from './schemas/trade-query.request.json';
import responseSchema from './schemas/trade.response.json';

/**
 * jackyun-trade-query: 吉客云 销售单查询 jackyun.tradenotsensitiveinfos.list.get (seed 000). Windows longer than 7 days
 * are split into consecutive ≤ 7-day windows; pages from pageIndex 0 (or scroll ids); trades deduplicated on TradeNo;
 * incremental mode moves startModified/endModified.
 */
const spec: QuerySpec<JackyunClient> = {
    type: 'jackyun-trade-query',
    system: 'jackyun',
    configType: 'jackyun-config',
    kind: 'query',
    requestSchema,
    responseSchema,
    incremental: { startParam: 'startModified', endParam: 'endModified', endAliases: ['modified_end'], format: (ms) => chinaTime(ms), wholeWindow: { pageIndex: 0 }, notFilters: ['modified_begin', 'pageSize', 'hasTotal', 'pagingMode'], shapeOnly: ['fields'] },
    query: (ctx, params) =>
        ctx.client.queryTrades(
            params,
            ctx.request,
            (page, window, windows) => ctx.progress(windows > 1 ? { key: 'runtime.status.windowPage', vars: { window, windows, page } } : { key: 'runtime.status.page', vars: { page } }),
            ctx.warn,
        ),
};

function register(RED: NodeAPI) {
    registerEndpoint(RED, spec);
}
register.spec = spec;
export = register;

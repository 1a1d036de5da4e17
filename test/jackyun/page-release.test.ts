import should from 'should';
import { expectLetGoWhileNextIsRead } from '../helpers/memory';
import { JackyunClient } from '../../nodes/jackyun/client';

describe('JackyunClient paging memory', () => {
    it('a page handed over is not held by the client while it reads the next one (one page in memory, not two)', async () => {
        const c = new JackyunClient({ system: 'jackyun', rps: 0, concurrency: 0 }, { mode: 'direct', gatewayUrl: 'http://127.0.0.1:9/open/openapi/do', appKey: 'k' }, { appSecret: 's' });
        let answerSecond: ((result: unknown) => void) | undefined;
        const answer = (trades: string[], total?: number) => ({ data: { trades: trades.map((tradeNo) => ({ tradeNo, goodsDetail: [] })), ...(total ? { totalResults: total } : {}) } });
        // Page 1 answers at once; page 2 stays in flight until the test lets it go.
        (c as any).invoke = (_method: string, body: Record<string, unknown>) => (body.pageIndex === 0 ? Promise.resolve(answer(['T1', 'T2'], 3)) : new Promise((r) => (answerSecond = r)));
        try {
            // Two windows (10 days > 7), so the hand-over between the window and page generators is covered too.
            const pages = c.tradePages({ startModified: '2024-01-01 00:00:00', endModified: '2024-01-11 00:00:00', pageSize: 2 });
            let page: { records: Array<Record<string, unknown>> } | undefined = (await pages.next()).value;
            should(page!.records.map((r) => r.TradeNo)).eql(['T1', 'T2']);
            const handed = new WeakRef(page!.records);
            page = undefined;
            const second = pages.next();
            await expectLetGoWhileNextIsRead(() => handed, () => answerSecond !== undefined);
            answerSecond!(answer(['T3']));
            should((await second).value.records.map((r: Record<string, unknown>) => r.TradeNo)).eql(['T3']);
            await pages.return(undefined);
        } finally {
            c.close();
        }
    });

    it('stopping the read early ends the window being read (no further page is asked for)', async () => {
        const c = new JackyunClient({ system: 'jackyun', rps: 0, concurrency: 0 }, { mode: 'direct', gatewayUrl: 'http://127.0.0.1:9/open/openapi/do', appKey: 'k' }, { appSecret: 's' });
        const asked: unknown[] = [];
        (c as any).invoke = async (_method: string, body: Record<string, unknown>) => {
            asked.push(body.pageIndex);
            return { data: { trades: [{ tradeNo: `T${asked.length}a` }, { tradeNo: `T${asked.length}b` }], totalResults: 100 } };
        };
        try {
            const pages = c.tradePages({ startModified: '2024-01-01 00:00:00', endModified: '2024-01-11 00:00:00', pageSize: 2 });
            await pages.next();
            should((await pages.return(undefined)).done).be.true();
            should((await pages.next()).done).be.true();
            should(asked).eql([0]);
        } finally {
            c.close();
        }
    });
});

import should from 'should';
import { expectLetGoWhileNextIsRead } from '../helpers/memory';
import { KingdeeClient } from '../../nodes/kingdee/client';

describe('KingdeeClient paging memory', () => {
    it('a page handed over is not held by queryBills while it reads the next one (one page in memory, not two)', async () => {
        const c = new KingdeeClient({ system: 'kingdee', rps: 0, concurrency: 0 }, { serverUrl: 'http://127.0.0.1:9/k3cloud/', acctId: 'a', username: 'u', authMode: 'password' }, { password: 'p' });
        let answerSecond: (() => void) | undefined;
        // Three rows; page 1 answers at once, page 2 (from the last row emitted) stays in flight until the test lets it go.
        const rows = [['M1'], ['M2'], ['M3']];
        let calls = 0;
        (c as any).executeBillQuery = (data: Record<string, any>) => {
            const slice = rows.slice(data.StartRow, data.StartRow + data.Limit);
            return ++calls === 2 ? new Promise((r) => (answerSecond = () => r(slice))) : Promise.resolve(slice);
        };
        try {
            const pages = c.queryBills({ FormId: 'BD_MATERIAL', FieldKeys: 'FNumber', Limit: 2 }, {});
            let page: { records: Array<Record<string, unknown>> } | undefined = (await pages.next()).value;
            should(page!.records).eql([{ FNumber: 'M1' }, { FNumber: 'M2' }]);
            const handed = new WeakRef(page!.records);
            page = undefined;
            const second = pages.next();
            await expectLetGoWhileNextIsRead(() => handed, () => answerSecond !== undefined);
            answerSecond!();
            should((await second).value.records).eql([{ FNumber: 'M3' }]);
            should((await pages.next()).done).be.true();
        } finally {
            c.close();
        }
    });
});

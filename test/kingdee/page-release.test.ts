import should from 'should';
import { expectLetGoWhileNextIsRead } from '../helpers/memory';
import { KingdeeClient } from '../../nodes/kingdee/client';

describe('KingdeeClient paging memory', () => {
    it('a page handed over is not held by queryBills while it reads the next one (one page in memory, not two)', async () => {
        const c = new KingdeeClient({ system: 'kingdee', rps: 0, concurrency: 0 }, { serverUrl: 'http://127.0.0.1:9/k3cloud/', acctId: 'a', username: 'u', authMode: 'password' }, { password: 'p' });
        let answerSecond: ((rows: unknown[][]) => void) | undefined;
        // Page 1 answers at once; page 2 stays in flight until the test lets it go.
        (c as any).executeBillQuery = (data: Record<string, unknown>) => (data.StartRow === 0 ? Promise.resolve([['M1'], ['M2']]) : new Promise((r) => (answerSecond = r)));
        try {
            const pages = c.queryBills({ FormId: 'BD_MATERIAL', FieldKeys: 'FNumber', Limit: 2 }, {});
            let page: { records: Array<Record<string, unknown>> } | undefined = (await pages.next()).value;
            should(page!.records).eql([{ FNumber: 'M1' }, { FNumber: 'M2' }]);
            const handed = new WeakRef(page!.records);
            page = undefined;
            const second = pages.next();
            await expectLetGoWhileNextIsRead(() => handed, () => answerSecond !== undefined);
            answerSecond!([['M3']]);
            should((await second).value.records).eql([{ FNumber: 'M3' }]);
            should((await pages.next()).done).be.true();
        } finally {
            c.close();
        }
    });
});

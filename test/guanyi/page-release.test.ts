import should from 'should';
import { expectLetGoWhileNextIsRead } from '../helpers/memory';

describe('guanyi-return-get paging memory', () => {
    it('a page handed over is not held by the query while it reads the next one (one page in memory, not two)', async () => {
        const spec = (require('../../nodes/guanyi/guanyi-return-get') as any).spec;
        let first: WeakRef<unknown[]> | undefined;
        let answerSecond: (() => void) | undefined;
        const client = {
            returnGet: (_fields: unknown, pageNo: number) => {
                if (pageNo === 1) {
                    const records = [{ id: 'R1' }, { id: 'R2' }];
                    first = new WeakRef(records);
                    return Promise.resolve({ records, total: 3 });
                }
                return new Promise((resolve) => (answerSecond = () => resolve({ records: [{ id: 'R3' }], total: 3 })));
            },
        };
        const pages = spec.query({ client, request: {}, progress: () => undefined }, { page_size: 2 })[Symbol.asyncIterator]();
        let page: { records: unknown[] } | undefined = (await pages.next()).value;
        should(page!.records.length).equal(2);
        page = undefined;
        const second = pages.next();
        await expectLetGoWhileNextIsRead(() => first, () => answerSecond !== undefined);
        answerSecond!();
        should((await second).value.records).eql([{ id: 'R3' }]);
        should((await pages.next()).done).be.true();
    });
});

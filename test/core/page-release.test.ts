/**
 * Memory while paging: a page the node has sent on is not held by the kit while the next page is read. Each test
 * holds the second page's answer back, forces a full collection, and checks through a WeakRef that the first page's
 * records are gone (with two pages held at once a long read keeps twice the memory, and the older page lives long
 * enough to be moved to V8's old space).
 */
import should from 'should';
import { expectLetGoWhileNextIsRead } from '../helpers/memory';
import type { NodeAPI } from 'node-red';
import { QueryPage, QuerySpec, dedupeBy, pageNumbers, registerEndpoint } from '../../nodes/core';
import { helper, load, removeSpies, withProbes } from '../helpers/nodered';
import { kitConfig } from '../kit/kit-nodes';

type Rec = { id: number };

/** Page 1 at once; page 2 only when the test calls `answerSecond` (then the end). Tracks page 1's records. */
function heldSource() {
    const state: { first?: WeakRef<Rec[]>; answerSecond?: () => void; asked: number } = { asked: 0 };
    const fetchPage = (n: number): Promise<QueryPage<Rec>> => {
        state.asked = n;
        if (n === 1) {
            const records = [{ id: 1 }, { id: 2 }];
            state.first = new WeakRef(records);
            return Promise.resolve({ records, total: 3 });
        }
        return new Promise((resolve) => (state.answerSecond = () => resolve({ records: [{ id: 3 }], total: 3 })));
    };
    return { state, fetchPage };
}

/**
 * Takes page 1 (two records) and lets go of it, asks for page 2, checks page 1 is gone while page 2 is in flight,
 * then answers page 2; resolves with page 2's records.
 */
async function firstLetGoWhileSecondIsRead(pages: AsyncGenerator<QueryPage<Rec>>, state: { first?: WeakRef<Rec[]>; answerSecond?: () => void }): Promise<Rec[]> {
    let page: QueryPage<Rec> | undefined = (await pages.next()).value;
    should(page!.records.length).equal(2);
    page = undefined;
    const second = pages.next();
    await expectLetGoWhileNextIsRead(() => state.first, () => state.answerSecond !== undefined);
    state.answerSecond!();
    return (await second).value.records;
}

describe('core paging memory: a page sent on is not held while the next is read', function () {
    it('pageNumbers', async () => {
        const { state, fetchPage } = heldSource();
        const pages = pageNumbers(fetchPage, { system: 'test', first: 1, pageSize: 2 });
        should(await firstLetGoWhileSecondIsRead(pages, state)).eql([{ id: 3 }]);
        should((await pages.next()).done).be.true();
    });

    it('dedupeBy over pageNumbers (and a stop part-way ends the source)', async () => {
        const { state, fetchPage } = heldSource();
        const pages = dedupeBy(pageNumbers(fetchPage, { system: 'test', first: 1, pageSize: 2 }), (r) => r.id);
        should(await firstLetGoWhileSecondIsRead(pages, state)).eql([{ id: 3 }]);
        should((await pages.return(undefined)).done).be.true();
        should((await pages.next()).done).be.true();
        should(state.asked).equal(2);
    });

    describe('a query node in page mode (the kit between the vendor paging and Node-RED)', () => {
        afterEach(() => helper.unload());

        for (const mode of ['page', 'record'] as const) {
            it(`${mode} mode`, async () => {
                const { state, fetchPage } = heldSource();
                const spec: QuerySpec<any> = {
                    type: `held-query-${mode}`,
                    system: 'kit',
                    configType: 'kit-config',
                    kind: 'query',
                    requestSchema: { type: 'object', properties: {} },
                    query: () => pageNumbers(fetchPage, { system: 'kit', first: 1, pageSize: 2 }),
                };
                const flow = withProbes([{ id: 'c1', type: 'kit-config', url: 'http://127.0.0.1:9', user: 'u' }, { id: 'n1', type: spec.type, z: 'f1', config: 'c1', params: {}, outputMode: mode }], 'n1', 1);
                await load([kitConfig, (RED: NodeAPI) => registerEndpoint(RED, spec)], flow, { c1: { password: 'p' } });
                // The harness's spies keep every msg sent: off, so only the runtime and the node can hold a page.
                removeSpies(flow);
                let received = 0;
                const done = new Promise<void>((resolve) => helper.getNode('n1-completed').on('input', () => resolve()));
                helper.getNode('n1-out1').on('input', () => received++);
                helper.getNode('n1').receive({});
                await expectLetGoWhileNextIsRead(() => state.first, () => state.answerSecond !== undefined);
                should(received).equal(mode === 'page' ? 1 : 2);
                state.answerSecond!();
                await done;
                should(received).equal(mode === 'page' ? 2 : 3);
            });
        }
    });
});

/**
 * Examples 02 and 03 and the msgs their mapper sends to Catch whole: a mapping broken by an edit (BAD_MAPPING, every
 * msg), a mapping that throws (MAPPING_FAILED). The mapper hands the msg's delivery ticket back, as for any msg at
 * Catch, so the query commits its watermark past those records, which are not modified again (a void date, a receive
 * date): "Run" never reads them again. They must be in the failures file, marked for the mapper, so that once the
 * mapping is fixed and deployed, Replay sends each record through the mapper to the write node once — not only in the
 * log. (Example 05: ex05-mapper-caught.test.ts.)
 */
import fs from 'fs';
import path from 'path';
import should from 'should';
import { helper, Msg, runtimeHooks } from '../helpers/nodered';
import { exampleTabPerTest } from './example-nodes';
import { sleep, waitFor } from '../helpers/wait';

const linesOf = (file: string): Msg[] => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l)) : []);
const recordsOf = (payload: unknown): Msg[] => (Array.isArray(payload) ? payload : [payload as Msg]);

const CASES = [
    // 02: the voided return requests read; mapped, each is one cancel (the shipped one refused: a write failure).
    { prefix: '02', key: (r: Msg) => String(r?.FBillNo ?? r?.orderCode) },
    // 03: the returns read; those not yet received fail to map (no receive date) and stay out of the file.
    { prefix: '03', key: (r: Msg) => String(r?.code ?? r?.SheetID) },
];

describe('examples 02 and 03: records whose msg the mapper sent to Catch whole are kept in the failures file and replayed into the mapper', function () {
    this.timeout(120000);
    afterEach(() => {
        runtimeHooks.remove('*.mappercaught');
    });
    const example = exampleTabPerTest();
    const press = (id: string) => helper.getNode(id).receive({});

    for (const c of CASES) {
        const id = (name: string) => `ex${c.prefix}-${name}`;
        it(`${c.prefix}: a mapping broken by an edit: every page read is in the failures file (replayTo mapper), nothing written; the mapping fixed and deployed, Replay sends each record to the write node once`, async () => {
            const reached = { mapper: [] as string[], write: [] as string[] };
            runtimeHooks.add('preDeliver.mappercaught', (e: { msg: Msg; destination: { id: string } }) => {
                const list = e.destination.id === id('mapper') ? reached.mapper : e.destination.id === id('write') ? reached.write : undefined;
                if (list) for (const r of recordsOf(e.msg.payload)) list.push(c.key(r));
            });
            // A misspelt rule property: the mapping does not compile, and every msg goes to Catch whole.
            const broken = await example.load(c.prefix, id('query'), (flow) => {
                const mapper = flow.find((n) => n.id === id('mapper'))!;
                const mapping = JSON.parse(mapper.mapping);
                const field = Object.keys(mapping.fields)[0];
                mapping.fields[field] = { ...mapping.fields[field], requried: true };
                mapper.mapping = JSON.stringify(mapping);
            });
            const failures = broken.flow.find((n: Msg) => n.type === 'file' && n.overwriteFile === 'false')!.filename as string;
            press(id('inject'));
            await waitFor('the run read', () => broken.completedReads() === 1, 30000);
            await sleep(800);
            const read = [...reached.mapper];
            should(read.length).be.above(0);
            should(reached.write).eql([]);
            const lines = linesOf(failures);
            should(lines.flatMap((l) => recordsOf(l.payload).map(c.key)).sort()).eql([...read].sort(), 'the records of the msgs the mapper sent to Catch are not in the failures file');
            for (const l of lines) {
                should(l.replayTo).equal('mapper');
                // Node-RED 4 puts the code in the Catch msg's error.code; every version the classification in error.cause.
                should(l.error.cause).match({ code: 'BAD_MAPPING' });
            }

            // The mapping fixed and deployed (the failures file is where the user keeps it), then Replay.
            await helper.unload();
            const fixed = await example.load(c.prefix, id('query'));
            const kept = fixed.flow.find((n: Msg) => n.type === 'file' && n.overwriteFile === 'false')!.filename as string;
            fs.mkdirSync(path.dirname(kept), { recursive: true });
            fs.copyFileSync(failures, kept);
            reached.mapper.length = 0;
            reached.write.length = 0;
            press(id('replay'));
            await waitFor('every record replayed through the mapper', () => read.every((k) => reached.mapper.includes(k)), 20000);
            await sleep(1500);
            should([...reached.mapper].sort()).eql([...read].sort());
            should(reached.write.length).be.above(0);
            should(new Set(reached.write).size).equal(reached.write.length, `a record reached the write node twice: ${reached.write}`);
            // What failed now failed for a reason of its own (a refusal, a return not received), not the broken mapping.
            for (const l of linesOf(kept)) should(l.error?.cause?.code ?? l.error?.code).not.equal('BAD_MAPPING');
        });
    }
});

/**
 * The "one msg a line" function node of each example's Replay: the failures file was emptied before it runs, so each
 * line must leave it as a msg for the write node (or the mapper) or go back to the file. Node-RED's function node
 * drops, with only a log line, anything it is given to send that is not an object msg (a number, a string, an array):
 * a line that is JSON but not a msg object (a hand-edited line, a record pasted without its msg) must go back to the
 * file as a line that is not JSON does, not be sent.
 */
import fs from 'fs';
import should from 'should';
import { exampleFiles } from '../../scripts/demo';

type Node = Record<string, any>;

describe('example flows\' Replay, "one msg a line"', function () {
    for (const file of exampleFiles()) {
        const flow: Node[] = JSON.parse(fs.readFileSync(file, 'utf8'));
        const node = flow.find((n) => n.type === 'function' && /-replay-lines$/.test(n.id))!;
        const key = String(node.id).slice(2, 4);
        it(`${key}: a line that is JSON but no msg object (a number, a string, an array, null) goes back to the file, not to be dropped by Node-RED`, () => {
            const sent: unknown[][] = [];
            const warnings: string[] = [];
            const fake = { warn: (w: string) => warnings.push(w), status: () => undefined, send: (m: unknown[]) => sent.push(m) };
            const lines = ['{"payload":{"Number":"A"},"error":{"message":"x"}}', '123', '"text"', '[{"payload":{"Number":"B"}}]', 'null', '{not json'];
            const out = new Function('msg', 'node', 'context', node.func)({ payload: `${lines.join('\n')}\n`, filename: 'f.jsonl' }, fake, {}) as unknown[][];
            const toWrite = [...(out[0] as unknown[]), ...((out[3] as unknown[] | null) ?? [])];
            // Only object msgs are sent on: Node-RED would drop anything else.
            should(toWrite).have.length(1);
            should(toWrite[0]).eql({ payload: { Number: 'A' } });
            should((out[1] as Node[]).map((m) => m.payload)).eql(lines.slice(1));
            should(warnings).have.length(5);
        });
    }
});

describe('example flows\' failures file, "failure line" then "one msg a line"', function () {
    for (const file of exampleFiles()) {
        const flow: Node[] = JSON.parse(fs.readFileSync(file, 'utf8'));
        const writer = flow.find((n) => n.type === 'function' && /-keep-failure$/.test(n.id))!;
        const reader = flow.find((n) => n.type === 'function' && /-replay-lines$/.test(n.id))!;
        const key = String(writer.id).slice(2, 4);
        it(`${key}: a record refused for NaN, ±Infinity or a BigInt comes back on Replay with that value, to be refused again naming the field (JSON would make it null, sent and saved as 0)`, () => {
            const fake = { warn: () => undefined, status: () => undefined, send: () => undefined };
            const store: Record<string, unknown> = {};
            const context = { get: (k: string) => store[k], set: (k: string, v: unknown) => (store[k] = v) };
            const record = { FBillNo: 'NaN', F_Amount: NaN, FEntity: [{ FQty: Infinity, FPrice: -Infinity, FBig: BigInt('12345678901234567890') }], F_Note: { $number: 'text' } };
            const failed = { payload: record, error: { code: 'INVALID_RECORD', field: 'F_Amount', message: 'F_Amount: must be a finite number, not NaN; not sent' } };
            const [out] = new Function('msg', 'node', 'context', writer.func)(failed, fake, context) as Node[][];
            should(out).have.length(1);
            // As the file node writes it: an object as JSON, a text as it is.
            const data = out[0].payload;
            const text = typeof data === 'string' ? data : JSON.stringify(data);
            should(text).not.match(/null/);
            const sent = new Function('msg', 'node', 'context', reader.func)({ payload: `${text}\n`, filename: 'f.jsonl' }, fake, {}) as unknown[][];
            const back = [...(sent[0] as Node[]), ...((sent[3] as Node[] | null) ?? [])];
            should(back).have.length(1);
            should(back[0].payload).eql(record);
            should(Number.isNaN(back[0].payload.F_Amount)).be.true();
            should(back[0].payload.FEntity[0].FBig).equal(BigInt('12345678901234567890'));
            should(back[0].payload.FBillNo).equal('NaN');
        });
    }
});

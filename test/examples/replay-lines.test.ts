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

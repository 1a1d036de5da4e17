import type { NodeAPI } from 'node-red';
import { registerEndpoint, WriteSpec, RecordOutcome, ConnectorError, toConnectorError } from '../core';
import type { JingchengClient } from './client';
import requestSchema from './schemas/recv.request.json';
import recordSchema from './schemas/return-sheet.record.json';
import responseSchema from './schemas/recv.response.json';

/**
 * One return sheet per request (protocols.md §8.1). A sheet the server refuses (business or validation answer) goes
 * to output 2 with the server's message; one it holds already (DUPLICATE_SHEET, §8.2) is there, and leaves on output 1
 * marked alreadyPresent (a sheet replayed after its answer was lost); anything that spoils the account (auth, config) or leaves the outcome
 * unknown fails the chunk and the kit decides between Catch and output 2. Never retried after a timeout.
 */
const spec: WriteSpec<JingchengClient> = {
    type: 'jingcheng-recv',
    system: 'jingcheng',
    configType: 'jingcheng-config',
    kind: 'write',
    chunkSize: 1,
    idempotent: false,
    requestSchema,
    recordSchema,
    responseSchema,
    async writeChunk(ctx, records): Promise<RecordOutcome[]> {
        const out: RecordOutcome[] = [];
        for (const record of records) {
            try {
                out.push({ ok: true, result: await ctx.client.receiveSheet(record as Record<string, unknown>, ctx.request) });
            } catch (err) {
                const e = toConnectorError(err, 'jingcheng');
                // Refused as too large before anything of the chunk was written: the kit sends it again in smaller parts.
                if (e.code === 'REQUEST_TOO_LARGE' && out.length === 0) throw e;
                if (e.kind === 'business' || e.kind === 'validation') out.push({ ok: false, error: e as ConnectorError });
                else throw e;
            }
        }
        return out;
    },
};

function register(RED: NodeAPI) {
    registerEndpoint(RED, spec);
}
register.spec = spec;
export = register;

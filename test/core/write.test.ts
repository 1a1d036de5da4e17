import should from 'should';
import { ConnectorError } from '../../nodes/core/errors';
import type { RecordOutcome } from '../../nodes/core/spec';
import { StoppedMidChunk, writeInRequests } from '../../nodes/core/write';

/** A chunk of five records sent as three requests (say one per shop): [0, 1], [2], [3, 4]. */
const requests = () => [{ name: 'A', indexes: [0, 1] }, { name: 'B', indexes: [2] }, { name: 'C', indexes: [3, 4] }];

const saved = (indexes: number[]): RecordOutcome[] => indexes.map((i) => ({ ok: true, result: `saved ${i}` }));
const lost = () => new ConnectorError({ system: 't', kind: 'transient', code: 'ECONNRESET', message: 'socket hang up' });
const refused = () => new ConnectorError({ system: 't', kind: 'business', code: 'SHOP', message: 'unknown shop' });
const down = () => new ConnectorError({ system: 't', kind: 'transient', code: 'ECONNREFUSED', message: 'connect refused', safeToRepeat: true });

/** Runs the chunk with `fail` deciding, per request name, what that request throws (nothing: it saves). */
async function chunk(fail: Record<string, () => unknown>) {
    const sent: string[] = [];
    try {
        const outcomes = await writeInRequests('t', 'the target', new Array(5), requests(), async ({ name, indexes }) => {
            sent.push(name);
            if (fail[name]) throw fail[name]();
            return saved(indexes);
        });
        return { sent, outcomes, thrown: undefined as unknown };
    } catch (thrown) {
        return { sent, outcomes: undefined, thrown };
    }
}

const codes = (outcomes: Array<RecordOutcome | undefined>) =>
    [...outcomes].map((o) => (o === undefined ? 'unsettled' : o.ok ? 'saved' : `${o.error.code}${o.error.possiblyProcessed ? ' possibly' : ''}`));

describe('core/write: a chunk written in several requests', () => {
    it('every request answered → each record its own outcome, in order', async () => {
        const r = await chunk({});
        should(r.sent).eql(['A', 'B', 'C']);
        should(codes(r.outcomes!)).eql(['saved', 'saved', 'saved', 'saved', 'saved']);
    });

    it('a refusal of one request (an unknown shop) fails its records only; the next requests go on', async () => {
        const r = await chunk({ A: refused });
        should(r.sent).eql(['A', 'B', 'C']);
        should(codes(r.outcomes!)).eql(['SHOP', 'SHOP', 'saved', 'saved', 'saved']);
    });

    it('the first request fails before anything went through (server down) → thrown as is: the kit decides for the whole chunk', async () => {
        const r = await chunk({ A: down });
        should(r.sent).eql(['A']);
        should(r.thrown).be.instanceOf(ConnectorError).and.match({ code: 'ECONNREFUSED' });
    });

    it("the first request's answer is lost → only its records are possibly processed; nothing after it is sent", async () => {
        const r = await chunk({ A: lost });
        should(r.sent).eql(['A']);
        should(r.thrown).be.instanceOf(StoppedMidChunk);
        const stopped = r.thrown as StoppedMidChunk;
        should(stopped.reason.code).equal('ECONNRESET');
        should(codes(stopped.outcomes)).eql(['ECONNRESET possibly', 'ECONNRESET possibly', 'unsettled', 'unsettled', 'unsettled']);
        should((stopped.outcomes[0] as { error: ConnectorError }).error.message).match(/check the target before replaying/);
    });

    it('a failure after a request went through stops there and keeps what was saved: known failures are not marked possibly processed', async () => {
        const r = await chunk({ B: down });
        should(r.sent).eql(['A', 'B']);
        should(codes((r.thrown as StoppedMidChunk).outcomes)).eql(['saved', 'saved', 'ECONNREFUSED', 'unsettled', 'unsettled']);
    });

    it('an unexpected error (not a ConnectorError) after a request went through does not undo the saved records', async () => {
        const r = await chunk({ B: () => new TypeError('x is undefined') });
        should(r.sent).eql(['A', 'B']);
        should(codes((r.thrown as StoppedMidChunk).outcomes)).eql(['saved', 'saved', 'UNEXPECTED', 'unsettled', 'unsettled']);
    });

    it('an answer accounting for fewer records than its request sent → those records possibly processed, the msg stops', async () => {
        const outcomes = new Array(5);
        const thrown = await writeInRequests('t', 'the target', outcomes, requests(), async ({ name, indexes }) => (name === 'B' ? [] : saved(indexes))).catch((e) => e);
        should(thrown).be.instanceOf(StoppedMidChunk);
        should(codes(thrown.outcomes)).eql(['saved', 'saved', 'OUTCOME_MISMATCH possibly', 'unsettled', 'unsettled']);
    });

    it('records settled before sending (refused by the node) keep their outcome', async () => {
        const invalid = new ConnectorError({ system: 't', kind: 'validation', code: 'INVALID_RECORD', message: 'shop_no: is required' });
        const outcomes: Array<RecordOutcome | undefined> = [undefined, { ok: false, error: invalid }, undefined];
        const done = await writeInRequests('t', 'the target', outcomes, [{ indexes: [0, 2] }], async ({ indexes }) => saved(indexes));
        should(codes(done)).eql(['saved', 'INVALID_RECORD', 'saved']);
    });
});

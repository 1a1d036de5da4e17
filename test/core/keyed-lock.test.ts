import should from 'should';
import { KeyedLock } from '../../nodes/core/keyed-lock';

/** A piece of work that logs its start and end and ends when told. */
function work(log: string[], name: string) {
    let end!: () => void;
    let fail!: (err: Error) => void;
    const ended = new Promise<void>((resolve, reject) => {
        end = resolve;
        fail = reject;
    });
    const run = async () => {
        log.push(`${name} start`);
        try {
            await ended;
        } finally {
            log.push(`${name} end`);
        }
        return name;
    };
    return { run, end: () => end(), fail: (err: Error) => fail(err) };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('core/keyed-lock: work holding keys', () => {
    it('work sharing a key waits until the holder has ended; work on other keys runs at once', async () => {
        const lock = new KeyedLock();
        const log: string[] = [];
        const a = work(log, 'a');
        const b = work(log, 'b');
        const c = work(log, 'c');
        const ra = lock.run(['XS-1', 'XS-2'], a.run);
        const rb = lock.run(['XS-2'], b.run);
        const rc = lock.run(['XS-3'], c.run);
        await tick();
        should(log).eql(['a start', 'c start']);
        a.end();
        await ra;
        await tick();
        should(log).eql(['a start', 'c start', 'a end', 'b start']);
        b.end();
        c.end();
        should(await Promise.all([rb, rc])).eql(['b', 'c']);
        should(lock.size).equal(0);
    });

    it('a waiter whose signal aborts (its node closing) stops waiting: rejected as cancelled, its work never run; the holder and the next waiter go on', async () => {
        const lock = new KeyedLock('kingdee');
        const log: string[] = [];
        const a = work(log, 'a');
        const b = work(log, 'b');
        const c = work(log, 'c');
        const closing = new AbortController();
        const ra = lock.run(['k'], a.run);
        const rb = lock.run(['k'], b.run, undefined, closing.signal);
        const rc = lock.run(['k'], c.run, undefined, new AbortController().signal);
        await tick();
        closing.abort();
        await should(rb).be.rejectedWith({ kind: 'cancelled', system: 'kingdee', safeToRepeat: true });
        a.end();
        await ra;
        await tick();
        c.end();
        should(await rc).equal('c');
        should(log).eql(['a start', 'a end', 'c start', 'c end']);
        should(lock.size).equal(0);
    });

    it('failed work lets go of its keys and its error reaches the caller', async () => {
        const lock = new KeyedLock();
        const log: string[] = [];
        const a = work(log, 'a');
        const b = work(log, 'b');
        const ra = lock.run(['k'], a.run);
        const rb = lock.run(['k'], b.run);
        a.fail(new Error('save refused'));
        await should(ra).be.rejectedWith('save refused');
        await tick();
        should(log).eql(['a start', 'a end', 'b start']);
        b.end();
        should(await rb).equal('b');
    });

    it('work failing with an unknown outcome keeps its keys for the hold it asks: its error reaches the caller at once, the next holder starts after the hold', async () => {
        const lock = new KeyedLock();
        const log: string[] = [];
        const a = work(log, 'a');
        const b = work(log, 'b');
        const ra = lock.run(['k', 'm'], a.run, (err) => ((err as Error).message === 'no answer' ? 150 : 0));
        const rb = lock.run(['m'], b.run);
        a.fail(new Error('no answer'));
        const failedAt = Date.now();
        await should(ra).be.rejectedWith('no answer');
        await new Promise((r) => setTimeout(r, 50));
        should(log).eql(['a start', 'a end']);
        should(lock.size).equal(2);
        while (!log.includes('b start')) await new Promise((r) => setTimeout(r, 5));
        should(Date.now() - failedAt).be.aboveOrEqual(140);
        b.end();
        should(await rb).equal('b');
        should(lock.size).equal(0);
        // Work that succeeds, or fails for a reason the hold does not name, lets go at once.
        await should(lock.run(['k'], async () => Promise.reject(new Error('refused')), (err) => ((err as Error).message === 'no answer' ? 150 : 0))).be.rejectedWith('refused');
        should(lock.size).equal(0);
    });

    it('overlapping key sets in a ring all finish (keys are taken all at once, never one by one)', async () => {
        const lock = new KeyedLock();
        const log: string[] = [];
        const ws = ['x', 'y', 'z'].map((n) => work(log, n));
        const runs = [lock.run(['1', '2'], ws[0].run), lock.run(['2', '3'], ws[1].run), lock.run(['3', '1'], ws[2].run)];
        await tick();
        should(log).eql(['x start']);
        for (let i = 0; i < 3; i++) {
            ws.forEach((w) => w.end());
            await tick();
        }
        should(await Promise.all(runs)).eql(['x', 'y', 'z']);
        should(lock.size).equal(0);
    });

    it('a key given twice in one set is one key', async () => {
        const lock = new KeyedLock();
        should(await lock.run(['k', 'k'], async () => lock.size)).equal(1);
        should(lock.size).equal(0);
    });
});

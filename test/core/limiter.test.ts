import should from 'should';
import { Limiter } from '../../nodes/core';

describe('core/limiter: one per account', () => {
    it('keeps the observed rate within 10% of the configured rate over 60 calls', async () => {
        const limiter = new Limiter({ rps: 50, concurrency: 0 });
        const starts: number[] = [];
        await Promise.all(Array.from({ length: 60 }, () => limiter.schedule(async () => void starts.push(Date.now()))));
        const seconds = (starts[starts.length - 1] - starts[0]) / 1000;
        const observed = (starts.length - 1) / seconds;
        should(observed).be.within(45, 55);
    });

    it('never runs more than `concurrency` at once', async () => {
        const limiter = new Limiter({ rps: 0, concurrency: 3 });
        let active = 0;
        let peak = 0;
        await Promise.all(
            Array.from({ length: 20 }, () =>
                limiter.schedule(async () => {
                    active++;
                    peak = Math.max(peak, active);
                    await new Promise((r) => setTimeout(r, 5));
                    active--;
                }),
            ),
        );
        should(peak).equal(3);
    });

    it('pause() holds every new start for the whole account', async () => {
        const limiter = new Limiter({ rps: 0, concurrency: 0 });
        limiter.pause(100);
        const t0 = Date.now();
        await limiter.schedule(async () => undefined);
        should(Date.now() - t0).be.aboveOrEqual(90);
    });

    it('a queued call is dropped when its signal aborts, and close() rejects the rest', async () => {
        const limiter = new Limiter({ rps: 1, concurrency: 0 });
        await limiter.schedule(async () => undefined);
        const abort = new AbortController();
        let ran = false;
        const p = limiter.schedule(async () => void (ran = true), abort.signal);
        abort.abort();
        const e = await p.catch((x) => x);
        should(e.kind).equal('cancelled');
        const q = limiter.schedule(async () => void (ran = true));
        limiter.close();
        should((await q.catch((x) => x)).kind).equal('cancelled');
        should(ran).be.false();
        should(limiter.pending).equal(0);
    });
});

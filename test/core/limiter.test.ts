import sinon from 'sinon';
import should from 'should';
import { BaseClient, Limiter, RefusedSizes, serverKey } from '../../nodes/core';
import { JackyunClient } from '../../nodes/jackyun/client';
import { GuanyiClient } from '../../nodes/guanyi/client';

describe('core/limiter: one per account', () => {
    it('starts 60 calls one interval apart: the configured rate exactly (on a fake clock, so a busy machine cannot blur it)', async () => {
        const clock = sinon.useFakeTimers({ now: 1_000_000, toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
        try {
            const limiter = new Limiter({ rps: 50, concurrency: 0 });
            const starts: number[] = [];
            const all = Promise.all(Array.from({ length: 60 }, () => limiter.schedule(async () => void starts.push(Date.now()))));
            await clock.tickAsync(2000);
            await all;
            should(starts).have.length(60);
            const gaps = new Set(starts.slice(1).map((t, i) => t - starts[i]));
            should([...gaps]).eql([20]);
        } finally {
            clock.restore();
        }
    });

    it("a write refused before it was sent (its body as large as one the server refused in the msg) takes no slot of the account's rate: the next call starts at once", async () => {
        const clock = sinon.useFakeTimers({ now: 1_000_000, toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
        class Client extends BaseClient {
            protected async checkConnection() {
                return { message: 'ok' };
            }
        }
        const client = new Client({ system: 't', rps: 1 });
        try {
            const url = 'http://127.0.0.1:9/save';
            const refusedSizes = new RefusedSizes();
            refusedSizes.refused(url, 100, 'REQUEST_TOO_LARGE');
            const starts: number[] = [];
            const write = () =>
                client
                    .call(
                        (options) => {
                            starts.push(Date.now());
                            return client.http.request({ url, body: 'x'.repeat(200) }, options);
                        },
                        { refusedSizes },
                        { write: true },
                    )
                    .catch((e) => e.code);
            const calls = Array.from({ length: 5 }, write);
            await clock.tickAsync(0);
            should(starts).eql(Array(5).fill(1_000_000));
            await clock.tickAsync(10000);
            should(await Promise.all(calls)).eql(Array(5).fill('REQUEST_TOO_LARGE'));
            // A call that was sent still takes its slot: the one after it waits the interval.
            const sent: number[] = [];
            const two = [0, 1].map(() => client.limiter.schedule(async () => void sent.push(Date.now())));
            await clock.tickAsync(2000);
            await Promise.all(two);
            should(sent[1] - sent[0]).equal(1000);
        } finally {
            client.close();
            clock.restore();
        }
    });

    it('never starts two calls within one interval: one arriving just after its slot does not take the next slot early', async () => {
        const limiter = new Limiter({ rps: 5, concurrency: 0 });
        const starts: number[] = [];
        const call = () => limiter.schedule(async () => void starts.push(Date.now()));
        await call(); // its slot ends 200 ms later
        await new Promise((r) => setTimeout(r, 380)); // idle until just before the slot after that
        await Promise.all([call(), call()]);
        const gaps = starts.slice(1).map((t, i) => t - starts[i]);
        for (const gap of gaps) should(gap).be.aboveOrEqual(195);
    });

    it('a call freed by the concurrency bound also waits one interval after the last start', async () => {
        const limiter = new Limiter({ rps: 5, concurrency: 1 });
        const starts: number[] = [];
        const slow = limiter.schedule(async () => {
            starts.push(Date.now());
            await new Promise((r) => setTimeout(r, 380));
        });
        await new Promise((r) => setTimeout(r, 10));
        await Promise.all([slow, limiter.schedule(async () => void starts.push(Date.now())), limiter.schedule(async () => void starts.push(Date.now()))]);
        const gaps = starts.slice(1).map((t, i) => t - starts[i]);
        for (const gap of gaps) should(gap).be.aboveOrEqual(195);
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

    it('a pause of a second or more set while calls wait tells each waiting call (their nodes show "account paused", not "…"), not the one running', async () => {
        const limiter = new Limiter({ rps: 0, concurrency: 1 });
        let release!: () => void;
        const runningTold = sinon.spy();
        const running = limiter.schedule(() => new Promise<void>((r) => (release = r)), undefined, undefined, false, runningTold);
        const told = [sinon.spy(), sinon.spy()];
        const waiting = told.map((spy) => limiter.schedule(async () => undefined, undefined, undefined, false, spy));
        limiter.pause(500);
        should(told.map((s) => s.callCount)).eql([0, 0]);
        limiter.pause(3000);
        should(told.map((s) => s.callCount)).eql([1, 1]);
        should(told[0].firstCall.args[0]).be.within(2900, 3000);
        should(runningTold.callCount).equal(0);
        limiter.pause(0);
        limiter.close();
        release();
        await running;
        await Promise.allSettled(waiting);
    });

    it('a pause given an error to refuse with (too long to wait out) rejects the calls waiting with it, of every handle, and holds new starts as any pause', async () => {
        const limiter = new Limiter({ rps: 0, concurrency: 1 });
        let release!: () => void;
        const running = limiter.schedule(() => new Promise<void>((r) => (release = r)));
        const ran: number[] = [];
        const waiting = [1, 2].map((n) => limiter.schedule(async () => void ran.push(n)).catch((e: Error) => e.message));
        limiter.pause(3600000, (left) => new Error(`refused, ${Math.round(left / 60000)} min left`));
        should(await Promise.all(waiting)).eql(['refused, 60 min left', 'refused, 60 min left']);
        should(ran).eql([]);
        should(limiter.pending).equal(0);
        release();
        await running;
        limiter.close();
    });

    it('a pause longer than a Node timer takes (a Retry-After of 30 days) holds the calls without waking every millisecond', async () => {
        const limiter = new Limiter({ rps: 0, concurrency: 0 });
        let overflows = 0;
        const onWarning = (w: Error) => void (w.name === 'TimeoutOverflowWarning' && overflows++);
        process.on('warning', onWarning);
        try {
            limiter.pause(30 * 86400000);
            let ran = false;
            const p = limiter.schedule(async () => void (ran = true)).catch((x) => x);
            await new Promise((r) => setTimeout(r, 100));
            limiter.close();
            should((await p).kind).equal('cancelled');
            should(ran).be.false();
            should(overflows).be.below(2);
        } finally {
            process.removeListener('warning', onWarning);
        }
    });

    it('a clock set back (NTP) while calls wait holds them no longer: the rate and a pause keep their length', async () => {
        const clock = sinon.useFakeTimers({ now: 1_000_000_000, toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
        try {
            const limiter = new Limiter({ rps: 1, concurrency: 0 });
            let started = 0;
            const calls = Array.from({ length: 3 }, () => limiter.schedule(async () => void started++));
            await clock.tickAsync(0);
            should(started).equal(1);
            clock.setSystemTime(Date.now() - 3600000); // stepped back an hour; timers keep their time
            await clock.tickAsync(2000);
            should(started).equal(3);
            await Promise.all(calls);

            limiter.pause(5000);
            const paused = limiter.schedule(async () => void started++);
            clock.setSystemTime(Date.now() - 3600000);
            should(limiter.pausedFor()).be.belowOrEqual(5000); // what "account paused: N s" shows
            await clock.tickAsync(5000);
            should(started).equal(4);
            await paused;
        } finally {
            clock.restore();
        }
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

    it('listens on the caller\'s signal only while a call waits, and a started call leaves no listener behind', async () => {
        // A run's signal lives as long as the run: a listener per request on it kept each answer alive through V8's
        // young collections (bench/paging-jackyun.ts). Calls that start at once need none.
        const abort = new AbortController();
        const added: unknown[] = [];
        const removed: unknown[] = [];
        const add = abort.signal.addEventListener.bind(abort.signal);
        const remove = abort.signal.removeEventListener.bind(abort.signal);
        abort.signal.addEventListener = ((type: string, fn: any, options?: any) => (added.push(fn), add(type, fn, options))) as typeof add;
        abort.signal.removeEventListener = ((type: string, fn: any, options?: any) => (removed.push(fn), remove(type, fn, options))) as typeof remove;

        const unlimited = new Limiter({ rps: 0, concurrency: 0 });
        for (let i = 0; i < 5; i++) should(await unlimited.schedule(async () => i, abort.signal)).equal(i);
        should(added).have.length(0);

        const paced = new Limiter({ rps: 20, concurrency: 0 });
        const answers = await Promise.all([1, 2, 3].map((i) => paced.schedule(async () => i, abort.signal)));
        should(answers).eql([1, 2, 3]);
        // The first starts at once; the two that waited each had a listener, removed when they started.
        should(added).have.length(2);
        should(removed).eql(added);
    });
});

describe('core/limiter: config nodes of one account share one', () => {
    /** Starts `n` calls through `limiter`, each recording its start time under `name`. */
    const calls = (limiter: Limiter, name: string, n: number, starts: Array<[string, number]>) =>
        Array.from({ length: n }, () => limiter.schedule(async () => void starts.push([name, Date.now()])).catch((e) => e.kind));
    const fakeClock = () => sinon.useFakeTimers({ now: 1_000_000, toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });

    it('two handles of one account share the rate: their calls together start one interval apart', async () => {
        const clock = fakeClock();
        const a = Limiter.forAccount('test:shared-rate', { rps: 10, concurrency: 0 });
        const b = Limiter.forAccount('test:shared-rate', { rps: 10, concurrency: 0 });
        try {
            const starts: Array<[string, number]> = [];
            const all = Promise.all([...calls(a, 'a', 3, starts), ...calls(b, 'b', 3, starts)]);
            await clock.tickAsync(1000);
            await all;
            should(starts.map(([name]) => name).sort()).eql(['a', 'a', 'a', 'b', 'b', 'b']);
            const times = starts.map(([, t]) => t);
            should(times.slice(1).map((t, i) => t - times[i])).eql([100, 100, 100, 100, 100]);
        } finally {
            a.close();
            b.close();
            clock.restore();
        }
    });

    it('two handles of one account share the concurrency: one in flight between them when each allows one', async () => {
        const a = Limiter.forAccount('test:shared-concurrency', { rps: 0, concurrency: 1 });
        const b = Limiter.forAccount('test:shared-concurrency', { rps: 0, concurrency: 1 });
        try {
            let active = 0;
            let peak = 0;
            const slow = () => async () => {
                active++;
                peak = Math.max(peak, active);
                await new Promise((r) => setTimeout(r, 5));
                active--;
            };
            await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).schedule(slow())));
            should(peak).equal(1);
        } finally {
            a.close();
            b.close();
        }
    });

    it('handles of different accounts do not share: their first calls start at once', async () => {
        const clock = fakeClock();
        const a = Limiter.forAccount('test:account-a', { rps: 1, concurrency: 1 });
        const b = Limiter.forAccount('test:account-b', { rps: 1, concurrency: 1 });
        try {
            const starts: Array<[string, number]> = [];
            const all = Promise.all([...calls(a, 'a', 1, starts), ...calls(b, 'b', 1, starts)]);
            await clock.tickAsync(0);
            should(starts).eql([['a', 1_000_000], ['b', 1_000_000]]);
            await all;
        } finally {
            a.close();
            b.close();
            clock.restore();
        }
    });

    it("a pause one handle learns holds the other's calls, and the one a redeploy makes (all closed, then a new one) until it is over", async () => {
        const clock = fakeClock();
        const a = Limiter.forAccount('test:shared-pause', { rps: 0, concurrency: 0 });
        const b = Limiter.forAccount('test:shared-pause', { rps: 0, concurrency: 0 });
        let c: Limiter | undefined;
        try {
            a.pause(60000);
            should(b.pausedFor()).equal(60000);
            a.close();
            should(b.pausedFor()).equal(60000);
            await clock.tickAsync(10000);
            b.close();
            c = Limiter.forAccount('test:shared-pause', { rps: 0, concurrency: 0 });
            should(c.pausedFor()).equal(50000);
            const starts: Array<[string, number]> = [];
            const all = Promise.all(calls(c, 'c', 1, starts));
            await clock.tickAsync(49999);
            should(starts).eql([]);
            await clock.tickAsync(1);
            await all;
            should(starts).eql([['c', 1_060_000]]);
        } finally {
            c?.close();
            clock.restore();
        }
    });

    it('the one a redeploy makes keeps one interval from the last start before it, at its own rate; once that is past it starts clean', async () => {
        const clock = fakeClock();
        const handles: Limiter[] = [];
        const handle = (rps: number) => {
            handles.push(Limiter.forAccount('test:redeploy-interval', { rps, concurrency: 0 }));
            return handles[handles.length - 1];
        };
        try {
            const starts: Array<[string, number]> = [];
            const old = handle(1);
            await Promise.all(calls(old, 'old', 1, starts));
            await clock.tickAsync(200);
            old.close();
            // Set to 2 a second now: 500 ms after the old one's start, not at once and not a whole second.
            const renewed = handle(2);
            const all = Promise.all(calls(renewed, 'new', 2, starts));
            await clock.tickAsync(1000);
            await all;
            should(starts).eql([['old', 1_000_000], ['new', 1_000_500], ['new', 1_001_000]]);
            renewed.close();
            await clock.tickAsync(5000);
            const later = handle(2);
            const last = Promise.all(calls(later, 'later', 1, starts));
            await clock.tickAsync(0);
            should(starts[starts.length - 1]).eql(['later', 1_006_200]);
            await last;
        } finally {
            handles.forEach((h) => h.close());
            clock.restore();
        }
    });

    it("closing one handle rejects only its own queued calls: the other's still run", async () => {
        const clock = fakeClock();
        const a = Limiter.forAccount('test:shared-close', { rps: 1, concurrency: 0 });
        const b = Limiter.forAccount('test:shared-close', { rps: 1, concurrency: 0 });
        try {
            const starts: Array<[string, number]> = [];
            const ofA = calls(a, 'a', 3, starts);
            const ofB = calls(b, 'b', 3, starts);
            await clock.tickAsync(0);
            should(starts).eql([['a', 1_000_000]]);
            a.close();
            await clock.tickAsync(5000);
            should(await Promise.all(ofA)).eql([undefined, 'cancelled', 'cancelled']);
            should(await Promise.all(ofB)).eql([undefined, undefined, undefined]);
            should(starts).eql([['a', 1_000_000], ['b', 1_001_000], ['b', 1_002_000], ['b', 1_003_000]]);
        } finally {
            b.close();
            clock.restore();
        }
    });

    it('the strictest settings apply (0 = unlimited loses to any limit), loosen again when the strict one leaves, and the one joining hears both', async () => {
        const clock = fakeClock();
        const told: unknown[] = [];
        const loose = Limiter.forAccount('test:shared-strict', { rps: 0, concurrency: 0 });
        const strict = Limiter.forAccount('test:shared-strict', { rps: 2, concurrency: 3 }, (l) => told.push(l));
        try {
            should(told).eql([{ own: { rps: 2, concurrency: 3 }, other: { rps: 0, concurrency: 0 }, applied: { rps: 2, concurrency: 3 } }]);
            const starts: Array<[string, number]> = [];
            let all = Promise.all(calls(loose, 'loose', 3, starts));
            await clock.tickAsync(2000);
            await all;
            should(starts.map(([, t]) => t)).eql([1_000_000, 1_000_500, 1_001_000]);
            strict.close();
            starts.length = 0;
            all = Promise.all(calls(loose, 'loose', 3, starts));
            await clock.tickAsync(0);
            should(starts.map(([, t]) => t)).eql([1_002_000, 1_002_000, 1_002_000]);
            await all;
        } finally {
            loose.close();
            strict.close();
            clock.restore();
        }
    });

    it("a guest (the editor's connection test, with settings not deployed) keeps to the account's settings, adds none of its own, and is told of none; alone, its own apply", async () => {
        const clock = fakeClock();
        const told: unknown[] = [];
        const host = Limiter.forAccount('test:guest', { rps: 10, concurrency: 0 });
        const guest = Limiter.forAccount('test:guest', { rps: 1, concurrency: 1, guest: true }, (d) => told.push(d));
        const joining = Limiter.forAccount('test:guest', { rps: 10, concurrency: 0 }, (d) => told.push(d));
        let alone: Limiter | undefined;
        try {
            const starts: Array<[string, number]> = [];
            const all = Promise.all([...calls(guest, 'guest', 1, starts), ...calls(host, 'host', 2, starts)]);
            await clock.tickAsync(1000);
            await all;
            // 10 a second, the host's, not the guest's 1.
            should(starts).eql([['guest', 1_000_000], ['host', 1_000_100], ['host', 1_000_200]]);
            should(told).eql([]);
            host.close();
            joining.close();
            guest.close();
            await clock.tickAsync(1000);
            alone = Limiter.forAccount('test:guest', { rps: 1, concurrency: 0, guest: true });
            const own = Promise.all(calls(alone, 'alone', 2, starts));
            await clock.tickAsync(2000);
            await own;
            should(starts.slice(3)).eql([['alone', 1_002_000], ['alone', 1_003_000]]);
        } finally {
            alone?.close();
            clock.restore();
        }
    });

    it('a stricter handle joining after a call started spaces the next call at its own interval from that start', async () => {
        const clock = fakeClock();
        const a = Limiter.forAccount('test:shared-join', { rps: 10, concurrency: 0 });
        let b: Limiter | undefined;
        try {
            const starts: number[] = [];
            await a.schedule(async () => void starts.push(Date.now()));
            b = Limiter.forAccount('test:shared-join', { rps: 1, concurrency: 0 });
            const next = b.schedule(async () => void starts.push(Date.now()));
            await clock.tickAsync(2000);
            await next;
            should(starts).eql([1_000_000, 1_001_000]);
        } finally {
            a.close();
            b?.close();
            clock.restore();
        }
    });

    it('the limiter of a client is its own until its config node shares it, and then that of every client of the account', async () => {
        class Client extends BaseClient {
            constructor(private readonly account: string) {
                super({ system: 't', rps: 1, concurrency: 1 });
            }
            protected accountKey() {
                return ['http://127.0.0.1:9', this.account];
            }
            protected async checkConnection() {
                return { message: 'ok' };
            }
        }
        const [a, b, other] = [new Client('one'), new Client('one'), new Client('two')];
        try {
            a.limiter.pause(60000);
            should(b.limiter.pausedFor()).equal(0);
            for (const c of [a, b, other]) c.shareLimiter();
            a.limiter.pause(60000);
            should(b.limiter.pausedFor()).be.above(59000);
            should(other.limiter.pausedFor()).equal(0);
        } finally {
            for (const c of [a, b, other]) c.close();
        }
    });
});

describe('core/limiter: one account, however its address is spelled', () => {
    const jackyun = (gatewayUrl: string) => new JackyunClient({ system: 'jackyun', rps: 1, concurrency: 1 }, { mode: 'direct', gatewayUrl, appKey: 'app-1' }, { appSecret: 'jackyun-secret-1' });
    const guanyi = (url: string) => new GuanyiClient({ system: 'guanyi', rps: 1, concurrency: 1 }, { url, appkey: 'app-1' }, { sessionkey: 'guanyi-session-1', secret: 'guanyi-secret-1' });

    it('serverKey: a URL as the server sees it (scheme and host in lower case, no default port, no trailing slash, the path\'s case and the query kept); any other text as it is', () => {
        should(serverKey('HTTP://Host:80/K3Cloud/')).equal('http://host/K3Cloud');
        should(serverKey('https://Api.Example.com:443/rest//')).equal('https://api.example.com/rest');
        should(serverKey('http://host:8080/api?v=1')).equal('http://host:8080/api?v=1');
        should(serverKey('HTTP://host')).equal('http://host');
        should(serverKey('http://host/K3Cloud')).not.equal(serverKey('http://host/k3cloud'));
        should(serverKey('acct-1')).equal('acct-1');
        should(serverKey('http://[bad')).equal('http://[bad');
    });

    it('config nodes whose URLs differ only in a trailing slash, the case of the scheme and host, or a default port share the limiter; another path does not', () => {
        const clients = [
            jackyun('http://127.0.0.1:9/open/openapi/do'),
            jackyun('HTTP://127.0.0.1:9/open/openapi/do/'),
            guanyi('https://Api.Example.com/rest/erp_open'),
            guanyi('https://api.example.com:443/rest/erp_open/'),
            jackyun('http://127.0.0.1:9/open/other'),
        ];
        const [j1, j2, g1, g2, other] = clients;
        try {
            for (const c of clients) c.shareLimiter();
            j1.limiter.pause(60000);
            should(j2.limiter.pausedFor()).be.above(59000);
            should(other.limiter.pausedFor()).equal(0);
            g1.limiter.pause(60000);
            should(g2.limiter.pausedFor()).be.above(59000);
        } finally {
            for (const c of clients) c.close();
        }
    });
});

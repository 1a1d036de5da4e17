import sinon from 'sinon';
import should from 'should';
import fs from 'fs';
import path from 'path';
import { BaseClient, ConnectorError, withRetry, backoffDelay, DEFAULT_RETRY_POLICY } from '../../nodes/core';
import { STATUS_REASON_CHARS } from '../../nodes/core/status';

const fast = { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 5 };
const err = (kind: ConnectorError['kind'], extra: Partial<ConstructorParameters<typeof ConnectorError>[0]> = {}) => new ConnectorError({ system: 't', kind, message: kind, ...extra });

describe('core/retry: policy by error kind', () => {
    it('retries a transient error with backoff until it succeeds', async () => {
        let calls = 0;
        const backoffs: number[] = [];
        const out = await withRetry(async () => {
            calls++;
            if (calls < 3) throw err('transient', { safeToRepeat: true });
            return 'ok';
        }, { system: 't', policy: fast, onBackoff: (ms) => backoffs.push(ms) });
        should(out).equal('ok');
        should(calls).equal(3);
        should(backoffs.length).equal(2);
    });

    it('a rate-limit answer on the last attempt still pauses the account (the next call must not go out at once), honouring Retry-After', async () => {
        const paused: number[] = [];
        const e = await withRetry(async () => {
            throw err('rate-limit', { retryAfterMs: 2000 });
        }, { system: 't', policy: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 5 }, onRateLimited: (ms) => paused.push(ms) }).catch((x) => x);
        should(e.message).match(/gave up after 2 attempts/);
        should(paused).eql([2000, 2000]);
        const none: number[] = [];
        await withRetry(async () => {
            throw err('rate-limit', { retryAfterMs: 1500 });
        }, { system: 't', policy: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 5 }, onRateLimited: (ms) => none.push(ms) }).catch(() => undefined);
        should(none).eql([1500]);
    });

    it('gives up after maxRetries further attempts and says so', async () => {
        let calls = 0;
        const e = await withRetry(async () => {
            calls++;
            throw err('transient');
        }, { system: 't', policy: fast }).catch((x) => x);
        should(calls).equal(4);
        should(e).be.instanceOf(ConnectorError);
        should(e.message).match(/gave up after 4 attempts/);
    });

    it('sends a business error once', async () => {
        let calls = 0;
        await withRetry(async () => {
            calls++;
            throw err('business');
        }, { system: 't', policy: fast }).catch(() => undefined);
        should(calls).equal(1);
    });

    it('never retries validation or config errors', async () => {
        for (const kind of ['validation', 'config'] as const) {
            let calls = 0;
            await withRetry(async () => {
                calls++;
                throw err(kind);
            }, { system: 't', policy: fast }).catch(() => undefined);
            should(calls).equal(1);
        }
    });

    it('re-authenticates exactly once on an auth error, then fails', async () => {
        let calls = 0;
        let logins = 0;
        const e = await withRetry(async () => {
            calls++;
            throw err('auth');
        }, { system: 't', policy: fast, reauthenticate: async () => void logins++ }).catch((x) => x);
        should(logins).equal(1);
        should(calls).equal(2);
        should(e.kind).equal('auth');
    });

    it('replays after the one re-authentication and succeeds', async () => {
        let calls = 0;
        let logins = 0;
        const out = await withRetry(async () => {
            calls++;
            if (calls === 1) throw err('auth');
            return 'replayed';
        }, { system: 't', policy: fast, reauthenticate: async () => void logins++ });
        should(out).equal('replayed');
        should(logins).equal(1);
    });

    it('does not resend a write after a timeout (the server may have saved it)', async () => {
        let calls = 0;
        await withRetry(async () => {
            calls++;
            throw err('transient', { code: 'TIMEOUT', safeToRepeat: false });
        }, { system: 't', policy: fast, write: true }).catch(() => undefined);
        should(calls).equal(1);
    });

    it('resends a write when the request certainly never left, or when the endpoint is idempotent', async () => {
        let calls = 0;
        await withRetry(async () => {
            calls++;
            throw err('transient', { code: 'ECONNREFUSED', safeToRepeat: true });
        }, { system: 't', policy: fast, write: true }).catch(() => undefined);
        should(calls).equal(4);
        calls = 0;
        await withRetry(async () => {
            calls++;
            throw err('transient', { code: 'TIMEOUT', safeToRepeat: false });
        }, { system: 't', policy: fast, write: true, idempotent: true }).catch(() => undefined);
        should(calls).equal(4);
    });

    it('tells the shared limiter to pause on a rate-limit answer and honours Retry-After', async () => {
        const pauses: number[] = [];
        let calls = 0;
        await withRetry(async () => {
            calls++;
            if (calls === 1) throw err('rate-limit', { retryAfterMs: 20 });
            return 1;
        }, { system: 't', policy: fast, onRateLimited: (ms) => pauses.push(ms) });
        should(pauses).have.length(1);
        should(pauses[0]).be.aboveOrEqual(20);
    });

    it('backoff grows exponentially, stays under the cap, and is jittered', () => {
        const e = err('transient');
        const p = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
        should(backoffDelay(0, p, e, () => 1)).equal(100);
        should(backoffDelay(2, p, e, () => 1)).equal(400);
        should(backoffDelay(10, p, e, () => 1)).equal(1000);
        should(backoffDelay(2, p, e, () => 0)).equal(200);
    });

    it('stops waiting when cancelled', async () => {
        const abort = new AbortController();
        const started = Date.now();
        const pending = withRetry(async () => {
            throw err('transient');
        }, { system: 't', policy: { maxRetries: 5, baseDelayMs: 10000, maxDelayMs: 10000 }, signal: abort.signal });
        setTimeout(() => abort.abort(), 20);
        const e = await pending.catch((x) => x);
        should(e.kind).equal('cancelled');
        should(Date.now() - started).be.below(5000);
    });

    it('a Retry-After longer than the longest wait (a daily quota spent, a ban for hours) is not waited: the call fails at once saying until when, still retryable, and the account is paused for all of it', async () => {
        const e = err('rate-limit', { retryAfterMs: 5 * 3600000 });
        let calls = 0;
        const paused: number[] = [];
        const started = Date.now();
        const failed = await withRetry(async () => {
            calls++;
            throw e;
        }, { system: 't', policy: fast, onRateLimited: (ms) => paused.push(ms) }).catch((x) => x);
        should(Date.now() - started).be.below(1000);
        should(calls).equal(1);
        should(failed).match({ kind: 'rate-limit', retryable: true, retryAfterMs: 5 * 3600000, message: /\(the server asks to wait 18000 s, until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(UTC\+8\): not waited, being longer than 15 min; until then the account's calls fail, nothing of them sent \(in its last 15 min they wait\)\)$/ });
        should(paused).eql([5 * 3600000]);
        // Until when, in China time (the vendors' and the user's) whatever the host's zone: 5 h from now.
        const until = /until (\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d) \(UTC\+8\)/.exec(failed.message)!.slice(1).map(Number);
        const untilMs = Date.UTC(until[0], until[1] - 1, until[2], until[3] - 8, until[4], until[5]);
        should(Math.abs(untilMs - (started + 5 * 3600000))).be.below(2000);
        // A wait within the longest one is waited out as before.
        const short = err('rate-limit', { retryAfterMs: 50 });
        let tries = 0;
        should(await withRetry(async () => (++tries === 1 ? Promise.reject(short) : 'ok'), { system: 't', policy: { ...fast, longestWaitMs: 100 } })).equal('ok');
    });

    it('a wait over the longest one that pauses no account (HTTP 503 Retry-After: 1 hour, a client whose pausesAccount says no) fails at once without claiming the account\'s calls fail until then: they are sent', async () => {
        for (const [e, onRateLimited] of [[err('transient', { retryAfterMs: 3600000, safeToRepeat: true }), undefined], [err('rate-limit', { retryAfterMs: 3600000 }), () => false as const]] as const) {
            const failed = await withRetry(async () => {
                throw e;
            }, { system: 't', policy: fast, onRateLimited }).catch((x) => x);
            should(failed.message).match(/\(the server asks to wait 3600 s, until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(UTC\+8\): not waited, being longer than 15 min\)$/);
        }
    });

    it('a wait of hours not waited, and the calls the account\'s pause then refuses (ACCOUNT_PAUSED), carry a text of the catalog saying until when (China time) early enough to show in a status, in zh-CN too', async () => {
        const zh = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'nodes', 'core', 'locales', 'zh-CN', 'runtime.json'), 'utf8'));
        const inChinese = (t: { key: string; vars?: Record<string, unknown> }) => {
            const v = t.key.split('.').reduce((o: any, k) => o?.[k], zh);
            should(typeof v).equal('string', `no zh-CN text ${t.key}`);
            return (v as string).replace(/__(\w+)__/g, (_w, n: string) => String(t.vars?.[n]));
        };
        const until = /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(UTC\+8\)/;
        const notWaited = await withRetry(async () => {
            throw err('rate-limit', { code: 'TOP_7', message: 'Qimen gateway: App Call Limited: This ban will last for 18000 more seconds (code 7) [accesscontrol.limited-by-app-access-count]', retryAfterMs: 5 * 3600000 });
        }, { system: 't', policy: fast, onRateLimited: () => undefined }).catch((x) => x);
        class Client extends BaseClient {
            constructor() {
                super({ system: 't' });
            }
            protected async checkConnection() {
                return { message: 'ok' };
            }
            send() {
                return this.call(async () => 'sent');
            }
        }
        const client = new Client();
        try {
            client.limiter.pause(5 * 3600000);
            const refused = await client.send().catch((x) => x);
            should(refused).match({ code: 'ACCOUNT_PAUSED' });
            for (const e of [notWaited, refused]) {
                const text = e.details?.text;
                should(text).match({ key: /^runtime\.error\./ });
                should(e.message).match(until);
                const english = e.code === 'ACCOUNT_PAUSED' ? e.message : e.message.slice(e.message.lastIndexOf(' (the server asks') + 2);
                should(english.slice(0, STATUS_REASON_CHARS - 1)).match(until);
                should(inChinese(text).slice(0, STATUS_REASON_CHARS - 1)).match(until).and.match(/[\u4e00-\u9fff]/);
            }
        } finally {
            await client.close();
        }
    });

    it('a backoff is not lengthened by a clock set back (NTP) during it: the retry goes out when the wait is over', async () => {
        const clock = sinon.useFakeTimers({ now: 1_000_000_000, toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
        try {
            let calls = 0;
            const done = withRetry(async () => {
                if (++calls === 1) throw err('rate-limit', { retryAfterMs: 2000 });
                return 'ok';
            }, { system: 't', policy: fast });
            await clock.tickAsync(0);
            should(calls).equal(1);
            clock.setSystemTime(Date.now() - 3600000); // stepped back an hour; timers keep their time
            await clock.tickAsync(2000);
            should(calls).equal(2);
            should(await done).equal('ok');
        } finally {
            clock.restore();
        }
    });
});

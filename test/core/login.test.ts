import should from 'should';
import sinon from 'sinon';
import { ConnectorError, SharedLogin, credentialsKey } from '../../nodes/core';

const refusal = (details?: unknown) => new ConnectorError({ system: 't', kind: 'config', code: 'BAD_PASSWORD', message: 'login refused: wrong password', details });

describe('core/login: one shared login per account', () => {
    const lifetime = new AbortController();
    // As a restart: each test a Node-RED of its own.
    afterEach(() => SharedLogin.forgetRefusals());

    it('concurrent callers share one login', async () => {
        const shared = new SharedLogin<string>({ system: 't', lifetime: lifetime.signal, loginKey: 'account' });
        let logins = 0;
        const login = async () => {
            logins++;
            await new Promise((r) => setTimeout(r, 20));
            return 'session';
        };
        should(await Promise.all([shared.run(login), shared.run(login), shared.run(login)])).eql(['session', 'session', 'session']);
        should(logins).equal(1);
    });

    it('a caller whose node closes stops waiting; the login goes on for the others (it runs under the client, not the first caller)', async () => {
        const shared = new SharedLogin<string>({ system: 't', lifetime: lifetime.signal, loginKey: 'account' });
        let loginSignal: AbortSignal | undefined;
        const login = async (signal: AbortSignal) => {
            loginSignal = signal;
            await new Promise((r) => setTimeout(r, 50));
            return 'session';
        };
        const first = new AbortController();
        const a = shared.run(login, first.signal).then(() => 'ok', (e) => e);
        const b = shared.run(login, new AbortController().signal);
        first.abort();
        should(await a).match({ kind: 'cancelled' });
        should(await b).equal('session');
        should(loginSignal!.aborted).be.false();
    });

    it('closing the client abandons the login in flight', async () => {
        const client = new AbortController();
        const shared = new SharedLogin<string>({ system: 't', lifetime: client.signal, loginKey: 'account' });
        const p = shared.run((signal) => new Promise((resolve, reject) => signal.addEventListener('abort', () => reject(new ConnectorError({ system: 't', kind: 'cancelled', message: 'closed' })))));
        client.abort();
        await should(p).be.rejectedWith({ kind: 'cancelled' });
    });

    it('a refused login is not sent again during its cooldown, which doubles with each refusal in a row; a locked account waits the maximum; a success resets it', async () => {
        const shared = new SharedLogin<string>({ system: 't', lifetime: lifetime.signal, loginKey: 'account', cooldownMs: 40, maxCooldownMs: 1000 });
        let logins = 0;
        let answer: () => string = () => {
            throw refusal();
        };
        const login = async () => {
            logins++;
            return answer();
        };
        await should(shared.run(login)).be.rejectedWith({ code: 'BAD_PASSWORD', message: 'login refused: wrong password' });
        await should(shared.run(login)).be.rejectedWith({ code: 'BAD_PASSWORD', message: /not tried again for 1 s/ });
        should(logins).equal(1);
        await new Promise((r) => setTimeout(r, 50));
        await should(shared.run(login)).be.rejectedWith({ code: 'BAD_PASSWORD' });
        should(logins).equal(2);
        // the second refusal in a row: 80 ms
        await new Promise((r) => setTimeout(r, 50));
        await should(shared.run(login)).be.rejectedWith({ message: /not tried again/ });
        should(logins).equal(2);
        await new Promise((r) => setTimeout(r, 40));
        answer = () => 'session';
        should(await shared.run(login)).equal('session');
        should(logins).equal(3);
        // a locked account: the maximum at once
        answer = () => {
            throw refusal({ locked: true });
        };
        await should(shared.run(login)).be.rejectedWith({ code: 'BAD_PASSWORD' });
        await new Promise((r) => setTimeout(r, 100));
        await should(shared.run(login)).be.rejectedWith({ message: /not tried again/ });
        should(logins).equal(4);
    });

    it('a refusal holds every client sending the same login (a redeploy, a copy of the config node, each click of Test connection); another login is tried at once; the key holds no secret', async () => {
        const who = JSON.stringify(['t', 'http://server', 'user']);
        const key = (password: string) => credentialsKey(who, [password]);
        should(key('wrong-pwd')).equal(key('wrong-pwd'));
        should(key('wrong-pwd')).not.equal(key('right-pwd'));
        should(key('wrong-pwd')).startWith(who).and.not.containEql('wrong-pwd');
        let logins = 0;
        const refused = async () => {
            logins++;
            throw refusal({ credentials: true });
        };
        const client = () => new SharedLogin<string>({ system: 't', lifetime: lifetime.signal, cooldownMs: 60000, loginKey: key('wrong-pwd') });
        await should(client().run(refused)).be.rejectedWith({ message: 'login refused: wrong password' });
        for (let i = 0; i < 4; i++) await should(client().run(refused)).be.rejectedWith({ message: /not tried again for (59|60) s by any node or Test connection with these settings/ });
        should(logins).equal(1);
        // The password corrected: another login, sent at once; a success forgets only its own refusals.
        const right = new SharedLogin<string>({ system: 't', lifetime: lifetime.signal, cooldownMs: 60000, loginKey: key('right-pwd') });
        should(await right.run(async () => 'session')).equal('session');
        await should(client().run(refused)).be.rejectedWith({ message: /not tried again/ });
        should(logins).equal(1);
    });

    it('clients sending the same login at once send it one at a time: the first refused, the others are held by its refusal, unsent (and it counts once)', async () => {
        let logins = 0;
        const refused = async () => {
            logins++;
            await new Promise((r) => setTimeout(r, 20));
            throw refusal({ credentials: true });
        };
        const client = () => new SharedLogin<string>({ system: 't', lifetime: lifetime.signal, cooldownMs: 60000, loginKey: 'same' });
        const results = await Promise.all([client().run(refused), client().run(refused), client().run(refused)].map((p) => p.then(() => 'ok', (e: Error) => e.message)));
        should(logins).equal(1);
        should(results[0]).equal('login refused: wrong password');
        should(results.slice(1)).match([/not tried again for (59|60) s/, /not tried again for (59|60) s/]);
        // A success lets the next client send its own login, in turn.
        let sessions = 0;
        const ok = async () => {
            await new Promise((r) => setTimeout(r, 20));
            return `session ${++sessions}`;
        };
        const good = () => new SharedLogin<string>({ system: 't', lifetime: lifetime.signal, loginKey: 'right' });
        should(await Promise.all([good().run(ok), good().run(ok)])).eql(['session 1', 'session 2']);
    });

    it('a client closed while it waits for another client\'s login of the same credentials stops waiting at once, sending nothing', async () => {
        let logins = 0;
        let finish: (v: string) => void = () => undefined;
        const slow = () => {
            logins++;
            return new Promise<string>((resolve) => (finish = resolve));
        };
        const first = new SharedLogin<string>({ system: 't', lifetime: lifetime.signal, loginKey: 'same' });
        const closing = new AbortController();
        const second = new SharedLogin<string>({ system: 't', lifetime: closing.signal, loginKey: 'same' });
        const a = first.run(slow);
        const b = second.run(slow).then(() => 'logged in', (e: ConnectorError) => e.kind);
        await new Promise((r) => setTimeout(r, 10));
        closing.abort();
        should(await b).equal('cancelled');
        finish('session');
        should(await a).equal('session');
        should(logins).equal(1);
    });

    it('a refusal not of the credentials (an unknown data centre, an answer that is no login answer) is the client\'s own: another client, a redeploy, tries at once', async () => {
        let logins = 0;
        const refused = async () => {
            logins++;
            throw refusal();
        };
        const first = new SharedLogin<string>({ system: 't', lifetime: lifetime.signal, loginKey: 'same' });
        await should(first.run(refused)).be.rejectedWith({ message: 'login refused: wrong password' });
        await should(first.run(refused)).be.rejectedWith({ message: /not tried again for \d+ s \(redeploy after fixing the settings/ });
        await should(new SharedLogin<string>({ system: 't', lifetime: lifetime.signal, loginKey: 'same' }).run(refused)).be.rejectedWith({ message: 'login refused: wrong password' });
        should(logins).equal(2);
    });

    it('a clock set back (NTP) during a cooldown does not lengthen it: the login is tried again when the cooldown is over', async () => {
        const clock = sinon.useFakeTimers({ now: 1_000_000_000, toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
        try {
            const shared = new SharedLogin<string>({ system: 't', lifetime: lifetime.signal, loginKey: 'account', cooldownMs: 60000 });
            let logins = 0;
            const login = async () => {
                if (++logins === 1) throw refusal();
                return 'session';
            };
            await should(shared.run(login)).be.rejectedWith({ code: 'BAD_PASSWORD' });
            clock.setSystemTime(Date.now() - 3600000); // stepped back an hour; time itself goes on
            await clock.tickAsync(30000);
            await should(shared.run(login)).be.rejectedWith({ message: /not tried again for 30 s/ });
            await clock.tickAsync(30001);
            should(await shared.run(login)).equal('session');
            should(logins).equal(2);
        } finally {
            clock.restore();
        }
    });

    it('a login that failed on the way (transient) is not remembered: the next call tries again', async () => {
        const shared = new SharedLogin<string>({ system: 't', lifetime: lifetime.signal, loginKey: 'account' });
        let logins = 0;
        const login = async () => {
            logins++;
            if (logins === 1) throw new ConnectorError({ system: 't', kind: 'transient', code: 'HTTP_502', message: 'HTTP 502' });
            return 'session';
        };
        await should(shared.run(login)).be.rejectedWith({ code: 'HTTP_502' });
        should(await shared.run(login)).equal('session');
    });
});

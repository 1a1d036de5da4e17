import dns from 'dns';
import http from 'http';
import https from 'https';
import net, { AddressInfo } from 'net';
import should from 'should';
import sinon from 'sinon';
import { HttpTransport, IDLE_SOCKET_MS, parseRetryAfter, parseSetCookie, proxyFromEnvironment } from '../../nodes/core';
import { DroppingListener, droppingListener } from '../helpers/dropping';
import { LOOPBACK_TLS } from '../helpers/tls';

describe('core/http: transport against a real local server', () => {
    let server: http.Server;
    let base = '';
    const transport = new HttpTransport({ system: 't', timeoutMs: 2000, maxResponseBytes: 1024 });

    before(async () => {
        server = http.createServer((req, res) => {
            if (req.url === '/slow') return void setTimeout(() => res.end('late'), 1000);
            if (req.url === '/429') return void res.writeHead(429, { 'Retry-After': '3' }).end('slow down');
            if (req.url === '/503') return void res.writeHead(503).end('busy');
            if (req.url === '/500') return void res.writeHead(500).end('boom');
            if (req.url?.startsWith('/missing/')) return void res.writeHead(404).end('Not Found');
            if (req.url === '/big') return void res.end('x'.repeat(4096));
            // {"name":"张三"} in GBK (张 = D5 C5, 三 = C8 FD) and in GB18030 with a character GBK lacks (𠀀 = 95 32 82 36).
            if (req.url === '/gbk') return void res.writeHead(200, { 'Content-Type': 'application/json; charset=GBK' }).end(Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xd5, 0xc5, 0xc8, 0xfd]), Buffer.from('"}')]));
            if (req.url === '/gb18030') return void res.writeHead(200, { 'Content-Type': 'text/xml;charset="gb18030"' }).end(Buffer.concat([Buffer.from('<r>'), Buffer.from([0xd5, 0xc5, 0x95, 0x32, 0x82, 0x36]), Buffer.from('</r>')]));
            if (req.url === '/bom') return void res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' }).end('\uFEFF{"name":"张三"}');
            if (req.url === '/unknown-charset') return void res.writeHead(200, { 'Content-Type': 'application/json; charset=x-no-such' }).end('{"name":"张三"}');
            // A UTF-8 BOM wins over a label that names another charset (the WHATWG rule: a server's default label, the body UTF-8).
            if (req.url === '/bom-gbk') return void res.writeHead(200, { 'Content-Type': 'application/json; charset=GBK' }).end('\uFEFF{"name":"张三"}');
            if (req.url === '/bom-utf16') return void res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8' }).end(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<r>张三</r>', 'utf16le')]));
            // No charset in the header: the XML declaration names GBK (a WMS's PHP answer); only bytes that are not UTF-8 follow it.
            if (req.url === '/xml-gbk') return void res.writeHead(200, { 'Content-Type': 'text/xml' }).end(Buffer.concat([Buffer.from('<?xml version="1.0" encoding="GBK"?><r>'), Buffer.from([0xd5, 0xc5, 0xc8, 0xfd]), Buffer.from('</r>')]));
            if (req.url === '/xml-gbk-utf8') return void res.writeHead(200, { 'Content-Type': 'text/xml' }).end('<?xml version="1.0" encoding="GBK"?><r>张三</r>');
            if (req.url === '/cookie') return void res.writeHead(200, { 'Set-Cookie': ['kdservice-sessionid=abc; path=/', 'ASP.NET_SessionId=def; path=/; HttpOnly'] }).end('{}');
            let body = '';
            req.on('data', (c) => (body += c));
            req.on('end', () => res.end(JSON.stringify({ method: req.method, body, ct: req.headers['content-type'] })));
        });
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => {
        transport.close();
        server.close();
    });

    it('sends the body exactly as given and returns the text', async () => {
        const res = await transport.request({ url: `${base}/echo`, body: '{"中文":1}', headers: { 'Content-Type': 'application/json' } });
        should(res.status).equal(200);
        should(JSON.parse(res.body)).eql({ method: 'POST', body: '{"中文":1}', ct: 'application/json' });
    });

    it('reads an answer in the charset its Content-Type names (GBK, GB18030), not as UTF-8 (Chinese garbled to U+FFFD); a UTF-8 BOM is dropped; an unknown charset is read as UTF-8', async () => {
        should((await transport.request({ url: `${base}/gbk` })).body).equal('{"name":"张三"}');
        should((await transport.request({ url: `${base}/gb18030` })).body).equal('<r>张\u{20000}</r>');
        should((await transport.request({ url: `${base}/bom` })).body).equal('{"name":"张三"}');
        should((await transport.request({ url: `${base}/unknown-charset` })).body).equal('{"name":"张三"}');
    });

    it('a byte-order mark decides before the Content-Type label (UTF-8 BOM under a GBK label, UTF-16LE); with no charset label, an XML declaration\'s encoding is followed when the bytes are not UTF-8', async () => {
        should((await transport.request({ url: `${base}/bom-gbk` })).body).equal('{"name":"张三"}');
        should((await transport.request({ url: `${base}/bom-utf16` })).body).equal('<r>张三</r>');
        should((await transport.request({ url: `${base}/xml-gbk` })).body).equal('<?xml version="1.0" encoding="GBK"?><r>张三</r>');
        should((await transport.request({ url: `${base}/xml-gbk-utf8` })).body).equal('<?xml version="1.0" encoding="GBK"?><r>张三</r>');
    });

    it('a timeout is transient and not safe to repeat (the server may have acted)', async () => {
        const e = await transport.request({ url: `${base}/slow` }, { timeoutMs: 100 }).catch((x) => x);
        should(e.kind).equal('transient');
        should(e.code).equal('TIMEOUT');
        should(e.safeToRepeat).be.false();
    });

    it('a refused connection is transient and safe to repeat (nothing left)', async () => {
        const e = await transport.request({ url: 'http://127.0.0.1:1/x' }).catch((x) => x);
        should(e.kind).equal('transient');
        should(e.code).equal('ECONNREFUSED');
        should(e.safeToRepeat).be.true();
    });

    it('maps 429 to rate-limit with Retry-After, 503 to safe transient, 500 to unsafe transient', async () => {
        const r429 = transport.statusError(await transport.request({ url: `${base}/429` }))!;
        should(r429.kind).equal('rate-limit');
        should(r429.retryAfterMs).equal(3000);
        const r503 = transport.statusError(await transport.request({ url: `${base}/503` }))!;
        should(r503.kind).equal('transient');
        should(r503.safeToRepeat).be.true();
        const r500 = transport.statusError(await transport.request({ url: `${base}/500` }))!;
        should(r500.safeToRepeat).be.false();
    });

    it('a 404 names the address called (a msg at Catch shows no other trace of it), without its query and with a secret in it redacted', async () => {
        const t = new HttpTransport({ system: 't', timeoutMs: 2000 });
        t.keepSecret('s3cret-path');
        try {
            const e = t.statusError(await t.request({ url: `${base}/missing/s3cret-path/paid/list?sign=abc123&appCode=AC1`, query: { token: 'tk-1' } }))!;
            should(e.code).equal('HTTP_404');
            should(e.message).equal(`HTTP 404 from server: Not Found (called: ${base}/missing/***/paid/list)`);
            should(e.message).not.match(/abc123|AC1|tk-1|s3cret/);
            // Other statuses say nothing of it.
            should(t.statusError(await t.request({ url: `${base}/500` }))!.message).equal('HTTP 500 from server: boom');
        } finally {
            t.close();
        }
    });

    it('refuses a response larger than the limit', async () => {
        const e = await transport.request({ url: `${base}/big`, method: 'GET' }).catch((x) => x);
        should(e.code).equal('RESPONSE_TOO_LARGE');
    });

    it('an abort cancels a request in flight at once', async () => {
        const abort = new AbortController();
        const t0 = Date.now();
        setTimeout(() => abort.abort(), 20);
        const e = await transport.request({ url: `${base}/slow` }, { signal: abort.signal }).catch((x) => x);
        should(e.kind).equal('cancelled');
        should(Date.now() - t0).be.below(900);
    });

    it('reads session cookies from Set-Cookie', async () => {
        const res = await transport.request({ url: `${base}/cookie`, method: 'GET' });
        should(parseSetCookie(res.headers['set-cookie'])).eql({ 'kdservice-sessionid': 'abc', 'ASP.NET_SessionId': 'def' });
    });

    it('closes a kept-alive connection left unused for idleSocketMs, so it never sends on one the server is closing', async () => {
        const connections: string[] = [];
        const onConnection = (socket: import('net').Socket) => connections.push(`${socket.remoteAddress}:${socket.remotePort}`);
        server.on('connection', onConnection);
        const t = new HttpTransport({ system: 't', idleSocketMs: 150 });
        try {
            await t.request({ url: `${base}/echo`, body: '1' });
            await new Promise((r) => setTimeout(r, 20));
            await t.request({ url: `${base}/echo`, body: '2' });
            // Used again within the idle time: the same connection.
            should(connections).have.length(1);
            await new Promise((r) => setTimeout(r, 400));
            await t.request({ url: `${base}/echo`, body: '3' });
            // Unused past the idle time: closed by the client, a fresh connection for the next request.
            should(connections).have.length(2);
        } finally {
            t.close();
            server.off('connection', onConnection);
        }
    });

    it('a host looked up (or connected to) more slowly than idleSocketMs: the request waits its own timeout, not failing as a timeout with nothing sent', async () => {
        // A first name server that does not answer costs 5 s per lookup, more than the 4 s idle time.
        const lookup = sinon.stub(dns, 'lookup').callsFake(function (this: unknown, host: string, opts: unknown, cb: unknown) {
            setTimeout(() => (lookup.wrappedMethod as (...a: unknown[]) => void).call(dns, host, opts, cb), 300);
        } as unknown as typeof dns.lookup);
        let arrived = 0;
        const onRequest = () => void arrived++;
        server.on('request', onRequest);
        const url = `${base.replace('127.0.0.1', 'localhost')}/echo`;
        try {
            const t = new HttpTransport({ system: 't', idleSocketMs: 100, timeoutMs: 5000 });
            try {
                const res = await t.request({ url, body: 'slow lookup' }).catch((x) => x);
                should(res).match({ status: 200 });
                should(arrived).equal(1);
            } finally {
                t.close();
            }
            // Connecting is still bounded by the request's timeout.
            const short = new HttpTransport({ system: 't', idleSocketMs: 100, timeoutMs: 150 });
            try {
                // Timed out before connecting: nothing was sent (safe to repeat, as a refused connection).
                should(await short.request({ url, body: 'x' }).catch((x) => x)).match({ kind: 'transient', code: 'CONNECT_TIMEOUT', safeToRepeat: true });
            } finally {
                short.close();
            }
        } finally {
            lookup.restore();
            server.off('request', onRequest);
        }
    });

    describe('a timeout before the connection opened (SYNs dropped) vs after (the server has the request)', () => {
        let listener: DroppingListener;
        let dropping = 0;
        before(async () => {
            listener = await droppingListener();
            dropping = listener.port;
        });
        after(() => listener.close());

        it('no connection within the timeout: CONNECT_TIMEOUT, transient and safe to repeat (nothing left this host)', async () => {
            const t = new HttpTransport({ system: 't', timeoutMs: 150 });
            try {
                const t0 = Date.now();
                const e = await t.request({ url: `http://127.0.0.1:${dropping}/write`, body: 'x' }).catch((x) => x);
                should(e).match({ kind: 'transient', code: 'CONNECT_TIMEOUT', safeToRepeat: true, message: /could not connect .* within 150 ms; nothing was sent/ });
                should(e.outcomeUnknown).be.false();
                // Said with the server, as a text of the catalog for Test connection (runtime.test.network).
                should(e.message).startWith(`could not connect to http://127.0.0.1:${dropping} within 150 ms`);
                should(e.details.text).match({ key: 'runtime.test.network', vars: { server: `http://127.0.0.1:${dropping}`, code: 'CONNECT_TIMEOUT', why: { key: 'runtime.test.networkWhy.CONNECT_TIMEOUT', vars: { ms: 150 } } } });
                should(Date.now() - t0).be.below(1500);
            } finally {
                t.close();
            }
        });

        it('a TLS server that accepts the connection but never completes the handshake: nothing was sent either', async () => {
            const held: net.Socket[] = [];
            const silent = net.createServer((s) => void held.push(s));
            await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
            const t = new HttpTransport({ system: 't', timeoutMs: 150 });
            try {
                const e = await t.request({ url: `https://127.0.0.1:${(silent.address() as AddressInfo).port}/write`, body: 'x' }).catch((x) => x);
                should(e).match({ kind: 'transient', code: 'CONNECT_TIMEOUT', safeToRepeat: true });
            } finally {
                t.close();
                for (const s of held) s.destroy();
                silent.close();
            }
        });

        it('connected, the request sent, no answer: TIMEOUT, not safe to repeat (the server may act on it), on a new and on a kept-alive connection', async () => {
            const t = new HttpTransport({ system: 't', timeoutMs: 150 });
            try {
                const fresh = await t.request({ url: `${base}/slow`, body: 'x' }).catch((x) => x);
                should(fresh).match({ kind: 'transient', code: 'TIMEOUT', safeToRepeat: false });
                should(fresh.outcomeUnknown).be.true();
                // A server that accepts the connection and never answers at all.
                const held: net.Socket[] = [];
                const silent = net.createServer((c) => void held.push(c));
                await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
                try {
                    const e = await t.request({ url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/write`, body: 'x' }).catch((x) => x);
                    should(e).match({ kind: 'transient', code: 'TIMEOUT', safeToRepeat: false, message: 'no answer within 150 ms' });
                } finally {
                    for (const c of held) c.destroy();
                    silent.close();
                }
                // A connection kept alive from an earlier request, used again.
                await t.request({ url: `${base}/echo`, body: '1' });
                const reused = await t.request({ url: `${base}/slow`, body: 'x' }).catch((x) => x);
                should(reused).match({ kind: 'transient', code: 'TIMEOUT', safeToRepeat: false });
            } finally {
                t.close();
            }
        });
    });

    it('the default idle time is under the shortest common server keep-alive (Node\'s 5 s)', () => {
        should(IDLE_SOCKET_MS).be.below(new http.Server().keepAliveTimeout);
    });

    describe('proxy from the environment (HTTP_PROXY, NO_PROXY), read when the transport is created', () => {
        let proxy: http.Server;
        let proxyUrl = '';
        const seenByProxy: string[] = [];
        const saved: Record<string, string | undefined> = {};
        const vars = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY', 'no_proxy', 'NO_PROXY'];

        before(async () => {
            // A forward proxy for plain HTTP: the request line carries the absolute URL; it answers itself.
            proxy = http.createServer((req, res) => {
                seenByProxy.push(req.url ?? '');
                res.end('{"via":"proxy"}');
            });
            await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
            proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
            for (const v of vars) saved[v] = process.env[v];
        });
        beforeEach(() => {
            seenByProxy.length = 0;
            for (const v of vars) delete process.env[v];
        });
        after(() => {
            for (const v of vars) {
                if (saved[v] === undefined) delete process.env[v];
                else process.env[v] = saved[v];
            }
            proxy.close();
        });

        const echo = async (t: HttpTransport) => {
            try {
                return (await t.request({ url: `${base}/echo`, body: 'x' })).body;
            } finally {
                t.close();
            }
        };

        it('no proxy variable: direct, and axios is told so once (proxy: false) rather than looking each request up', async () => {
            should(proxyFromEnvironment({})).equal(false);
            should(proxyFromEnvironment({ NO_PROXY: 'example.com' })).equal(false);
            should(JSON.parse(await echo(new HttpTransport({ system: 't' }))).body).equal('x');
            should(seenByProxy).eql([]);
        });

        it('HTTP_PROXY (either case) sends the request through the proxy', async () => {
            should(proxyFromEnvironment({ https_proxy: 'http://p:1' })).be.undefined();
            process.env.HTTP_PROXY = proxyUrl;
            should(JSON.parse(await echo(new HttpTransport({ system: 't' })))).eql({ via: 'proxy' });
            should(seenByProxy).eql([`${base}/echo`]);
        });

        it('NO_PROXY naming the host connects directly despite HTTP_PROXY', async () => {
            process.env.http_proxy = proxyUrl;
            process.env.NO_PROXY = '127.0.0.1';
            should(JSON.parse(await echo(new HttpTransport({ system: 't' }))).body).equal('x');
            should(seenByProxy).eql([]);
        });

        describe('HTTPS_PROXY to an https server: a CONNECT tunnel of axios\'s own, not the transport\'s agent', () => {
            const received: string[] = [];
            const tunnels = new Set<net.Socket>();
            let origin: https.Server;
            let tunnelling: http.Server;
            let url = '';
            /** How the proxy answers a CONNECT: after this many ms, or never (undefined). */
            let connectAfterMs: number | undefined = 0;

            before(async () => {
                origin = https.createServer(LOOPBACK_TLS, (req, res) => {
                    let body = '';
                    req.on('data', (c) => (body += c));
                    req.on('end', () => {
                        received.push(body);
                        if (req.url === '/slow') setTimeout(() => res.end('late'), 1000);
                        else res.end('ok');
                    });
                });
                await new Promise<void>((r) => origin.listen(0, '127.0.0.1', () => r()));
                url = `https://127.0.0.1:${(origin.address() as AddressInfo).port}`;
                tunnelling = http.createServer();
                tunnelling.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
                    tunnels.add(client);
                    client.on('error', () => client.destroy());
                    if (connectAfterMs === undefined) return;
                    setTimeout(() => {
                        const [host, port] = (req.url ?? '').split(':');
                        const upstream = net.connect(Number(port), host, () => {
                            client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
                            upstream.write(head);
                            upstream.pipe(client).pipe(upstream);
                        });
                        tunnels.add(upstream);
                        upstream.on('error', () => client.destroy());
                        client.on('error', () => upstream.destroy());
                    }, connectAfterMs);
                });
                await new Promise<void>((r) => tunnelling.listen(0, '127.0.0.1', () => r()));
            });
            beforeEach(() => {
                received.length = 0;
                connectAfterMs = 0;
                process.env.HTTPS_PROXY = `http://127.0.0.1:${(tunnelling.address() as AddressInfo).port}`;
            });
            after(() => {
                for (const s of tunnels) s.destroy();
                tunnelling.close();
                origin.closeAllConnections();
                origin.close();
            });

            it('a write sent and not answered in time is TIMEOUT, not safe to repeat; one whose tunnel never opened sent nothing', async () => {
                // Its sockets were never seen connecting by the transport, and every timeout was taken for "could not
                // connect; nothing was sent": a write the server had was sent again.
                const t = new HttpTransport({ system: 't', timeoutMs: 300, allowSelfSigned: true });
                try {
                    should((await t.request({ url: `${url}/ok`, body: 'read' })).body).equal('ok');
                    const e = await t.request({ url: `${url}/slow`, body: 'write' }).catch((x) => x);
                    should(received).eql(['read', 'write']);
                    should(e).match({ kind: 'transient', code: 'TIMEOUT', safeToRepeat: false });
                    should(e.outcomeUnknown).be.true();
                    // The proxy never answers the CONNECT: nothing reached the server.
                    connectAfterMs = undefined;
                    const unsent = await t.request({ url: `${url}/ok`, body: 'never' }).catch((x) => x);
                    should(unsent).match({ kind: 'transient', code: 'CONNECT_TIMEOUT', safeToRepeat: true });
                    should(received).eql(['read', 'write']);
                } finally {
                    t.close();
                }
            });

            it('a tunnel opened more slowly than idleSocketMs: the request waits its own timeout, not failing (a write as possibly processed) with nothing sent', async () => {
                // The tunnel's agent took the transport agent's options, idle timeout included, as its time to make a socket.
                connectAfterMs = 400;
                const t = new HttpTransport({ system: 't', timeoutMs: 3000, idleSocketMs: 100, allowSelfSigned: true });
                try {
                    const res = await t.request({ url: `${url}/ok`, body: 'write' }).catch((x) => x);
                    should(res).match({ status: 200, body: 'ok' });
                    should(received).eql(['write']);
                } finally {
                    t.close();
                }
            });
        });
    });

    describe('Retry-After (RFC 9110: delay-seconds or HTTP-date)', () => {
        it('seconds and the three HTTP-date forms are honoured; a past date or a negative count is no wait', () => {
            should(parseRetryAfter('120')).equal(120000);
            should(parseRetryAfter('0')).equal(0);
            should(parseRetryAfter('-5')).equal(0);
            const inOneMinute = new Date(Math.ceil(Date.now() / 1000) * 1000 + 60000);
            for (const date of [inOneMinute.toUTCString(), inOneMinute.toUTCString().replace(/^(\w+), (\d+) (\w+) \d\d(\d\d)/, (_, d, n, m, y) => `${({ Sun: 'Sunday', Mon: 'Monday', Tue: 'Tuesday', Wed: 'Wednesday', Thu: 'Thursday', Fri: 'Friday', Sat: 'Saturday' } as Record<string, string>)[d]}, ${n}-${m}-${y}`)]) {
                should(parseRetryAfter(date)).be.within(50000, 61000, date);
            }
            should(parseRetryAfter('Sun Nov  6 08:49:37 1994')).equal(0);
            should(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT')).equal(0);
        });

        it('an asctime date (no zone written: it is GMT) waits the same whatever the host zone, not 8 hours more in Los Angeles', () => {
            const tz = process.env.TZ;
            try {
                for (const zone of ['America/Los_Angeles', 'Asia/Shanghai', 'Asia/Kolkata', 'UTC']) {
                    process.env.TZ = zone;
                    const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 60000);
                    // asctime-date = day-name SP month SP ( 2DIGIT / ( SP 1DIGIT )) SP time-of-day SP year
                    const [day, date, month, year, time] = at.toUTCString().split(/,? /);
                    const asctime = `${day} ${month} ${date.replace(/^0/, ' ')} ${time} ${year}`;
                    const ms = parseRetryAfter(asctime);
                    should(ms).be.within(50000, 61000, `${zone}: "${asctime}" (one minute from now) read as a wait of ${ms} ms`);
                }
            } finally {
                if (tz === undefined) delete process.env.TZ;
                else process.env.TZ = tz;
            }
        });

        it('garbage is no Retry-After (the usual backoff applies), not a date V8 guesses from a number in it: "3600 (1 hour)" is no wait until the year 3600', () => {
            for (const garbage of ['3600 (1 hour)', 'retry in 2099', 'later 3000', 'soon', '30s', '1,5', '', '  ', 'Infinity']) {
                should({ garbage, ms: parseRetryAfter(garbage) }).eql({ garbage, ms: undefined });
            }
            should(parseRetryAfter(undefined)).be.undefined();
            should(parseRetryAfter(['60'])).be.undefined();
        });
    });
});

import http from 'http';
import { AddressInfo } from 'net';
import should from 'should';
import { HttpTransport, RefusedSizes } from '../../nodes/core';
import { helper, load, run, withProbes, Msg, caughtCode } from '../helpers/nodered';
import { KingdeeSim, KINGDEE_DEMO } from '../sim/kingdee';
import { SimRequest } from '../sim/harness';
import kingdeeConfig = require('../../nodes/kingdee/kingdee-config');
import kingdeeBatchSave = require('../../nodes/kingdee/kingdee-batch-save');
import kingdeeBillQuery = require('../../nodes/kingdee/kingdee-bill-query');
import kingdeePush = require('../../nodes/kingdee/kingdee-push');
import wdtTradePush = require('../../nodes/wdt/wdt-trade-push');
import { demoTrade } from '../sim/wdt';
import type { EndpointContext, WriteSpec } from '../../nodes/core';

// Big payloads at the vendor's door: a front server (nginx, IIS, a cloud load balancer) refuses a request body over
// its limit with HTTP 413 before the vendor's service reads it.

describe('core/http: a request refused as too large (HTTP 413)', () => {
    let server: http.Server;
    let base = '';
    let received = 0;
    const transport = new HttpTransport({ system: 't', timeoutMs: 2000, maxResponseBytes: 1024 * 1024 });

    before(async () => {
        server = http.createServer((req, res) => {
            received++;
            // As a front server refusing a body over its limit: the connection reset at once, the body unread.
            if (req.url === '/reset') return void req.socket.destroy();
            req.resume();
            req.on('end', () => {
                if (req.url === '/reset-after') return void req.socket.destroy();
                if (req.url === '/413') return void res.writeHead(413, { 'Content-Type': 'text/html' }).end('<html><head><title>413 Request Entity Too Large</title></head></html>');
                // IIS request filtering (maxAllowedContentLength) and ASP.NET (maxRequestLength), as K/3 Cloud's front.
                if (req.url === '/iis-404-13') return void res.writeHead(404, { 'Content-Type': 'text/html' }).end('<html><head><title>IIS 10.0 详细错误 - 404.13 - Not Found</title></head><body><h3>HTTP 错误 404.13 - Not Found</h3><h4>请求筛选模块被配置为拒绝超过请求内容长度的请求。</h4></body></html>');
                if (req.url === '/aspnet-en') return void res.writeHead(500, { 'Content-Type': 'text/html' }).end('<html><head><title>Maximum request length exceeded.</title></head><body><h2><i>Maximum request length exceeded.</i></h2></body></html>');
                if (req.url === '/aspnet-zh') return void res.writeHead(500, { 'Content-Type': 'text/html' }).end('<html><head><title>超过了最大请求长度。</title></head></html>');
                if (req.url === '/404') return void res.writeHead(404, { 'Content-Type': 'text/html' }).end('<html><body>HTTP 错误 404.0 - Not Found</body></html>');
                if (req.url === '/500') return void res.writeHead(500, { 'Content-Type': 'text/html' }).end('<html><body>Object reference not set to an instance of an object.</body></html>');
                res.end('x'.repeat(2 * 1024 * 1024));
            });
        });
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => {
        transport.close();
        server.close();
    });

    it('is REQUEST_TOO_LARGE: safe to send again in smaller requests, never retried as it is, and names the chunk size', async () => {
        const e = transport.statusError(await transport.request({ url: `${base}/413`, body: 'x' }))!;
        should(e).match({ code: 'REQUEST_TOO_LARGE', kind: 'validation', httpStatus: 413, safeToRepeat: true, possiblyProcessed: false, retryable: false });
        should(e.outcomeUnknown).be.false();
        should(e.message).match(/too large|larger than the server accepts/).and.match(/nothing of it was processed/).and.match(/chunk size/);
    });

    it('IIS in front of K/3 Cloud refusing a body over its limit (404.13 from request filtering, 500 "Maximum request length exceeded" from ASP.NET, in English or Chinese) is REQUEST_TOO_LARGE too; another 404 or 500 is not', async () => {
        for (const path of ['/iis-404-13', '/aspnet-en', '/aspnet-zh']) {
            const e = transport.statusError(await transport.request({ url: `${base}${path}`, body: 'x' }))!;
            should(e).match({ code: 'REQUEST_TOO_LARGE', safeToRepeat: true, possiblyProcessed: false }, path);
        }
        should(transport.statusError(await transport.request({ url: `${base}/404`, body: 'x' }))).match({ code: 'HTTP_404', kind: 'config' });
        should(transport.statusError(await transport.request({ url: `${base}/500`, body: 'x' }))).match({ code: 'HTTP_500', kind: 'transient', safeToRepeat: false });
    });

    it('a connection reset before the whole body was sent is RESET_WHILE_SENDING: nothing processed, safe to send again; a reset after it was all read stays unknown', async () => {
        // Larger than the loopback connection buffers take in at once.
        const e = await transport.request({ url: `${base}/reset`, body: 'x'.repeat(16 * 1024 * 1024) }).catch((x) => x);
        should(e).match({ code: 'RESET_WHILE_SENDING', kind: 'transient', safeToRepeat: true });
        should(e.outcomeUnknown).be.false();
        should(e.message).containEql(`${16 * 1024 * 1024} bytes`).and.containEql('nothing of it was processed').and.containEql('chunk size');
        const after = await transport.request({ url: `${base}/reset-after`, body: 'x' }).catch((x) => x);
        should(after).match({ code: 'ECONNRESET', safeToRepeat: false });
    });

    it("a write msg's body at least as large as one refused is not sent: after one 413, or after two resets while sending (one may be the network's); a body as large answered undoes it", async () => {
        const refusedSizes = new RefusedSizes();
        const body = 'x'.repeat(16 * 1024 * 1024);
        const sent = async (path: string, size: number) => {
            const before = received;
            const e = await transport.request({ url: `${base}${path}`, body: body.slice(0, size) }, { refusedSizes }).then(
                (res) => transport.statusError(res),
                (x) => x,
            );
            return { sent: received - before, code: e?.code, message: e?.message };
        };
        should(await sent('/reset', body.length)).match({ sent: 1, code: 'RESET_WHILE_SENDING' });
        should(await sent('/reset', body.length)).match({ sent: 1, code: 'RESET_WHILE_SENDING' });
        const skipped = await sent('/reset', body.length);
        should(skipped).match({ sent: 0, code: 'RESET_WHILE_SENDING', message: /^not sent: .*nothing of it was processed/ });
        // Smaller than any refused: sent.
        should(await sent('/reset', body.length - 1)).match({ sent: 1, code: 'RESET_WHILE_SENDING' });
        should(await sent('/413', 100)).match({ sent: 1, code: 'REQUEST_TOO_LARGE' });
        should(await sent('/413', 100)).match({ sent: 0, code: 'REQUEST_TOO_LARGE', message: /^not sent: HTTP 413: a request of 100 bytes was already refused/ });
        should(await sent('/413', 99)).match({ sent: 1, code: 'REQUEST_TOO_LARGE' });
        // Without a write msg's sizes (a read), every request is sent.
        should(transport.statusError(await transport.request({ url: `${base}/413`, body: 'x'.repeat(200) }))).match({ code: 'REQUEST_TOO_LARGE' });
        // Refused not for their size: a body as large went through afterwards.
        const flaky = new RefusedSizes();
        flaky.refused('u', 1000, 'RESET_WHILE_SENDING');
        flaky.refused('u', 900, 'RESET_WHILE_SENDING');
        // Only one reset at most as large as 950 (900 may have been the network's): sent; 1000 met two.
        should(flaky.refusal('u', 950, 't')).be.undefined();
        should(flaky.refusal('u', 1000, 't')).match({ code: 'RESET_WHILE_SENDING' });
        flaky.answered('u', 1000);
        should(flaky.refusal('u', 2000, 't')).be.undefined();
        flaky.refused('u', 500, 'REQUEST_TOO_LARGE');
        should(flaky.refusal('u', 600, 't')).be.undefined();
    });

    it('an answer over the response limit names the limit and the page size', async () => {
        const e = await transport.request({ url: `${base}/big`, method: 'GET' }).catch((x) => x);
        should(e.code).equal('RESPONSE_TOO_LARGE');
        should(e.message).containEql('1 MB').and.containEql('page size');
    });
});

describe('kingdee-bill-query behind a front server with a request body limit', function () {
    this.timeout(30000);
    let sim: KingdeeSim;

    afterEach(async () => {
        await helper.unload();
        await sim.stop();
    });

    it('a query refused as too large (HTTP 413, a long filter): to Catch naming the filter parameter and what to do, not a chunk size it does not have', async () => {
        sim = new KingdeeSim();
        sim.maxBodyBytes = 16 * 1024;
        await sim.start();
        const config = { id: 'c1', type: 'kingdee-config', serverUrl: sim.serverUrl, acctId: KINGDEE_DEMO.acctId, username: KINGDEE_DEMO.username, authMode: 'password', retryBaseMs: 5, maxRetries: 3 };
        const query = { id: 'n1', type: 'kingdee-bill-query', z: 'f1', config: 'c1', params: {}, outputMode: 'all' };
        await load([kingdeeConfig, kingdeeBillQuery], withProbes([config, query], 'n1', 1), { c1: { password: KINGDEE_DEMO.password } });
        // 2,000 bill numbers in one filter: some 30 KB.
        const numbers = Array.from({ length: 2000 }, (_v, i) => `'XSCKD${String(i).padStart(6, '0')}'`).join(',');
        const r = await run('n1', { params: { FormId: 'SAL_OutStock', FieldKeys: 'FID,FBillNo', FilterString: `FBillNo IN (${numbers})` } }, 1);
        should.exist(r.caught);
        should(caughtCode(r.caught)).equal('REQUEST_TOO_LARGE');
        const message = String(r.caught!.error.message);
        should(message).match(/nothing of it was processed/).and.match(/largest parameter is FilterString \(\d+ KB\)/).and.match(/send fewer values in it per msg/);
        should(message).not.match(/chunk size|records per request/);
        // Refused once, not retried as it was.
        should(sim.requests.filter((q) => /ExecuteBillQuery/i.test(q.path))).have.length(1);
    });
});

describe('kingdee-batch-save behind a front server with a request body limit', function () {
    this.timeout(60000);
    let sim: KingdeeSim;

    afterEach(async () => {
        await helper.unload();
        await sim.stop();
    });

    const isSave = (r: SimRequest) => /BatchSave/i.test(r.path);
    const config = () => ({ id: 'c1', type: 'kingdee-config', serverUrl: sim.serverUrl, acctId: KINGDEE_DEMO.acctId, username: KINGDEE_DEMO.username, authMode: 'password', rps: 0, concurrency: 0, retryBaseMs: 5, maxRetries: 3 });
    const loadSave = (chunkSize: number) =>
        load([kingdeeConfig, kingdeeBatchSave], withProbes([config(), { id: 'n1', type: 'kingdee-batch-save', z: 'f1', config: 'c1', params: { FormId: { value: 'SAL_OutStock', type: 'str' }, chunkSize: { value: String(chunkSize), type: 'num' } } }], 'n1', 2), {
            c1: { password: KINGDEE_DEMO.password },
        });
    /** A sales outbound bill keyed by FNote with `lines` entry lines. */
    const bill = (key: string, lines = 1): Msg => ({
        FBillTypeID: { FNUMBER: 'XSCKD01_SYS' },
        FDate: '2024-01-08',
        FSaleOrgID: { FNumber: '100' },
        FStockOrgID: { FNumber: '100' },
        FCustomerID: { FNumber: 'CUST001' },
        FNote: key,
        FEntity: Array.from({ length: lines }, () => ({ FMaterialID: { FNumber: 'MAT001' }, FRealQty: 2, FStockID: { FNumber: 'CK01' } })),
    });
    /** Bills stored per FNote (rows are entry lines: distinct FIDs). */
    const storedBills = () => {
        const fids = new Map<string, Set<unknown>>();
        for (const r of sim.rows('SAL_OutStock')) {
            const k = String(r.FNote);
            if (!fids.has(k)) fids.set(k, new Set());
            fids.get(k)!.add(r.FID);
        }
        return new Map([...fids].map(([k, s]) => [k, s.size]));
    };
    const refused = () => sim.requests.filter((r) => isSave(r) && r.fault?.type === 'http');

    it('one bill over the limit on its own (2,000 lines): only it fails, on output 2, the other bills of its chunk are saved once', async () => {
        sim = new KingdeeSim();
        sim.maxBodyBytes = 64 * 1024;
        await sim.start();
        await loadSave(50);
        const payload = [bill('a'), bill('b'), bill('huge', 2000), bill('c'), bill('d')];
        const r = await run('n1', { payload }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[0]).have.length(1);
        should(r.outputs[0][0].payload.map((o: Msg) => o.model.FNote)).eql(['a', 'b', 'c', 'd']);
        should(r.outputs[1]).have.length(1);
        const failed = r.outputs[1][0];
        should(failed.recordIndex).equal(2);
        should(failed.payload.FNote).equal('huge');
        should(failed.error).match({ system: 'kingdee', code: 'REQUEST_TOO_LARGE', httpStatus: 413, retryable: false });
        should(failed.error).not.have.property('possiblyProcessed');
        // Fewer records per request cannot help a record alone: the message says what can.
        should(failed.error.message).match(/^HTTP 413: this record alone is larger than the server accepts/).and.match(/nothing of it was processed/).and.not.match(/chunk size/);
        should(storedBills()).eql(new Map([['a', 1], ['b', 1], ['c', 1], ['d', 1]]));
        // No refused body was sent again as it was: each refused request carried fewer bills than the one before.
        const sizes = refused().map((q) => q.body.length);
        should(new Set(sizes).size).equal(sizes.length);
        should(sim.requests.filter((q) => isSave(q) && q.body.includes('"huge"')).length).be.belowOrEqual(Math.ceil(Math.log2(payload.length)) + 1);
    });

    it('a chunk over the limit whose bills each fit: sent again in halves, every bill saved once, nothing to Catch', async () => {
        sim = new KingdeeSim();
        await sim.start();
        const payload = Array.from({ length: 40 }, (_v, i) => bill(`k${i}`, 20));
        // Room for a little more than a quarter of the chunk.
        sim.maxBodyBytes = Math.ceil(JSON.stringify(payload).length / 3.5);
        await loadSave(40);
        const r = await run('n1', { payload }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[1]).have.length(0);
        should(r.outputs[0][0].payload).have.length(40);
        should(r.outputs[0][0].payload.map((o: Msg) => o.model.FNote)).eql(payload.map((b) => b.FNote));
        should(refused().length).be.above(0);
        should(storedBills()).eql(new Map(payload.map((b) => [b.FNote, 1])));
    });

    it('a later chunk over the limit after an earlier one was saved: its bills are sent again in halves, not failed as "possibly processed"', async () => {
        sim = new KingdeeSim();
        await sim.start();
        const payload = [...Array.from({ length: 4 }, (_v, i) => bill(`s${i}`)), ...Array.from({ length: 4 }, (_v, i) => bill(`l${i}`, 60))];
        sim.maxBodyBytes = Math.ceil(JSON.stringify(payload.slice(4)).length / 1.5);
        await loadSave(4);
        const r = await run('n1', { payload }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[1]).have.length(0);
        should(r.outputs[0][0].payload).have.length(8);
        should(refused().length).equal(1);
        should(storedBills()).eql(new Map(payload.map((b) => [b.FNote, 1])));
    });

    it('a save whose answer is larger than the client reads (over 50 MB): its bills on output 2 as possibly processed, not to Catch (whose replay would save them twice)', async () => {
        sim = new KingdeeSim();
        await sim.start();
        await loadSave(50);
        sim.inject({ type: 'pad-after-processing', bytes: 50 * 1024 * 1024 }, 1, isSave);
        const r = await run('n1', { payload: [bill('a'), bill('b')] }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[1].map((m) => [m.payload.FNote, m.error.code, m.error.possiblyProcessed, m.error.retryable])).eql([
            ['a', 'RESPONSE_TOO_LARGE', true, false],
            ['b', 'RESPONSE_TOO_LARGE', true, false],
        ]);
        should(r.outputs[1][0].error.message).containEql('page size').and.containEql('may have been processed');
        // Kingdee did save them: a replay of a caught msg would have saved each a second time.
        should(storedBills()).eql(new Map([['a', 1], ['b', 1]]));
        should(sim.requests.filter(isSave)).have.length(1);
    });

    it('the duplicate guard\'s lookup answered over 50 MB: nothing was saved, so the msg goes to Catch, not to output 2 as "possibly processed"', async () => {
        sim = new KingdeeSim();
        await sim.start();
        await load([kingdeeConfig, kingdeeBatchSave], withProbes([config(), { id: 'n1', type: 'kingdee-batch-save', z: 'f1', config: 'c1', params: { FormId: { value: 'SAL_OutStock', type: 'str' }, duplicateGuard: { value: 'true', type: 'bool' }, duplicateField: { value: 'FNote', type: 'str' } } }], 'n1', 2), {
            c1: { password: KINGDEE_DEMO.password },
        });
        sim.inject({ type: 'pad-after-processing', bytes: 50 * 1024 * 1024 }, 1, (q) => /ExecuteBillQuery/i.test(q.path));
        const r = await run('n1', { payload: [bill('a'), bill('b')] }, 2);
        should(sim.requests.filter(isSave)).have.length(0);
        should(r.outputs[1]).have.length(0);
        should(r.caught).not.be.undefined();
        should(caughtCode(r.caught)).equal('RESPONSE_TOO_LARGE');
        should(storedBills()).eql(new Map());
    });

    it('a front server resetting the connection of a chunk over its limit: sent again in halves, every bill saved once; a bill over it alone fails retryable, sent once, not "possibly processed"', async () => {
        sim = new KingdeeSim();
        await sim.start();
        // Each body past the loopback connection buffers, so the reset comes before it was all sent.
        const note = (key: string, mb: number) => ({ ...bill(key), F_Remark: 'x'.repeat(mb * 1024 * 1024) });
        const payload = [note('a', 3), note('b', 3), note('c', 3), note('huge', 12)];
        sim.maxBodyBytes = 7 * 1024 * 1024;
        sim.oversizeReset = true;
        await loadSave(50);
        const r = await run('n1', { payload }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[0][0].payload.map((o: Msg) => o.model.FNote)).eql(['a', 'b', 'c']);
        should(r.outputs[1]).have.length(1);
        const failed = r.outputs[1][0];
        should(failed.payload.FNote).equal('huge');
        should(failed.error).match({ code: 'RESET_WHILE_SENDING', retryable: true });
        should(failed.error).not.have.property('possiblyProcessed');
        should(storedBills()).eql(new Map([['a', 1], ['b', 1], ['c', 1]]));
        // Never the same body twice: 4 bills, then 2 + 2, then the huge one alone (each reset), no retry of any.
        const resets = sim.requests.filter((q) => isSave(q) && q.fault?.type === 'reset').map((q) => Number(q.headers['content-length']));
        should(new Set(resets).size).equal(resets.length);
    });

    it('a front server resetting every bill while it is sent (each alone over its limit, or a proxy refusing them all): the msg costs a few requests, not two a bill; each bill on output 2, retryable, not processed', async () => {
        sim = new KingdeeSim();
        await sim.start();
        // Bills of one size, each past the loopback connection buffers (so cut off while sent), the login under the limit.
        const payload = Array.from({ length: 16 }, (_v, i) => ({ ...bill(`k${String(i).padStart(2, '0')}`), F_Remark: 'x'.repeat(5 * 1024 * 1024) }));
        sim.maxBodyBytes = 64 * 1024;
        sim.oversizeReset = true;
        await loadSave(4);
        const r = await run('n1', { payload }, 2, 60000);
        should(r.caught).be.undefined();
        should(r.outputs[0]).have.length(0);
        should(r.outputs[1].map((m) => [m.recordIndex, m.error.code, m.error.retryable])).eql(payload.map((_b, i) => [i, 'RESET_WHILE_SENDING', true]));
        for (const m of r.outputs[1]) {
            should(m.error).not.have.property('possiblyProcessed');
            should(m.error.message).match(/nothing of it was processed/);
        }
        should(storedBills()).eql(new Map());
        // Halved down to single bills, each chunk of 4 cost 7 requests (28 in all): a body at least as large as two
        // already cut off in this msg is not sent again. Sent: 4 bills, 2, 1, 1 (the first single bill is smaller than
        // the second body reset: one reset alone may have been the network's).
        should(sim.requests.filter(isSave).length).be.belowOrEqual(Math.ceil(Math.log2(4)) + 2);
    });

    it('a server answering 413 to every bill (each alone over its limit): the msg costs a few requests, not two a bill; each bill on output 2 as too large alone', async () => {
        sim = new KingdeeSim();
        await sim.start();
        const payload = Array.from({ length: 64 }, (_v, i) => ({ ...bill(`k${String(i).padStart(2, '0')}`), F_Remark: 'x'.repeat(4096) }));
        sim.maxBodyBytes = 2048;
        await loadSave(8);
        const r = await run('n1', { payload }, 2);
        should(r.caught).be.undefined();
        should(r.outputs[0]).have.length(0);
        should(r.outputs[1].map((m) => [m.recordIndex, m.error.code, m.error.retryable])).eql(payload.map((_b, i) => [i, 'REQUEST_TOO_LARGE', false]));
        for (const m of r.outputs[1]) should(m.error.message).match(/^HTTP 413: this record alone is larger than the server accepts/);
        // Halved down to single bills: 15 requests a chunk of 8, 120 in all. Sent: 8 bills, 4, 2, 1.
        should(sim.requests.filter(isSave).length).be.belowOrEqual(Math.ceil(Math.log2(8)) + 1);
    });

    it('bills over the limit among bills that fit, one a request: each that fits is saved once, one at least as large as two already cut off is not sent', async () => {
        sim = new KingdeeSim();
        await sim.start();
        const note = (key: string, mb: number) => ({ ...bill(key), F_Remark: 'x'.repeat(mb * 1024 * 1024) });
        const payload = [note('big1', 6), note('big2', 6), bill('a'), note('big3', 7), bill('b')];
        sim.maxBodyBytes = 3 * 1024 * 1024;
        sim.oversizeReset = true;
        await loadSave(1);
        const r = await run('n1', { payload }, 2, 60000);
        should(r.caught).be.undefined();
        should(r.outputs[0][0].payload.map((o: Msg) => o.model.FNote)).eql(['a', 'b']);
        should(r.outputs[1].map((m) => [m.payload.FNote, m.error.code, m.error.retryable])).eql([
            ['big1', 'RESET_WHILE_SENDING', true],
            ['big2', 'RESET_WHILE_SENDING', true],
            ['big3', 'RESET_WHILE_SENDING', true],
        ]);
        should(r.outputs[1][2].error.message).match(/^not sent: /).and.match(/nothing of it was processed/);
        should(storedBills()).eql(new Map([['a', 1], ['b', 1]]));
        should(sim.requests.filter((q) => isSave(q) && q.fault?.type === 'reset')).have.length(2);
        should(sim.requests.filter(isSave)).have.length(4);
    });

    it('a bill that fits is sent after a passing reset of a smaller one and a reset of one over the limit: two resets refuse only bodies at least as large as both', async () => {
        sim = new KingdeeSim();
        await sim.start();
        const note = (key: string, mb: number) => ({ ...bill(key), F_Remark: 'x'.repeat(mb * 1024 * 1024) });
        // Each body past the loopback connection buffers, so a reset comes before it was all sent.
        const payload = [note('a', 6), note('huge', 12), note('b', 8)];
        sim.oversizeReset = true;
        // The first bill's connection reset by a passing fault (its size fits the limit afterwards): 10 MB from then on.
        const resetOnce = () => sim.requests.some((q) => isSave(q) && q.fault?.type === 'reset');
        Object.defineProperty(sim, 'maxBodyBytes', { get: () => (resetOnce() ? 10 : 2) * 1024 * 1024 });
        await loadSave(1);
        const r = await run('n1', { payload }, 2, 60000);
        should(r.caught).be.undefined();
        should(r.outputs[1].map((m) => [m.payload.FNote, m.error.code])).eql([
            ['a', 'RESET_WHILE_SENDING'],
            ['huge', 'RESET_WHILE_SENDING'],
        ]);
        should(r.outputs[0][0].payload.map((o: Msg) => o.model.FNote)).eql(['b']);
        should(storedBills()).eql(new Map([['b', 1]]));
    });
});

describe('kingdee-bill-query behind a front server with a request body limit: a long filter', function () {
    this.timeout(60000);
    let sim: KingdeeSim;

    afterEach(async () => {
        await helper.unload();
        await sim.stop();
    });

    const isQuery = (r: SimRequest) => /ExecuteBillQuery/i.test(r.path);
    const loadQuery = () =>
        load(
            [kingdeeConfig, kingdeeBillQuery],
            withProbes(
                [
                    { id: 'c1', type: 'kingdee-config', serverUrl: sim.serverUrl, acctId: KINGDEE_DEMO.acctId, username: KINGDEE_DEMO.username, authMode: 'password', rps: 0, concurrency: 0, retryBaseMs: 5, maxRetries: 3 },
                    { id: 'n1', type: 'kingdee-bill-query', z: 'f1', config: 'c1', params: { FormId: { value: 'SAL_OutStock', type: 'str' }, FieldKeys: { value: 'FID,FBillNo', type: 'str' } }, outputMode: 'all' },
                ],
                'n1',
                1,
            ),
            { c1: { password: KINGDEE_DEMO.password } },
        );
    /** A filter on `n` bill numbers. */
    const filter = (n: number) => `FBillNo in (${Array.from({ length: n }, (_v, i) => `'XSCKD${String(i).padStart(8, '0')}'`).join(',')})`;

    it('its connection reset while it was sent: retried as any failure nothing of which was processed, then to Catch naming the filter to shorten, not a chunk size', async () => {
        sim = new KingdeeSim();
        sim.maxBodyBytes = 64 * 1024;
        sim.oversizeReset = true;
        await sim.start();
        await loadQuery();
        // Past the loopback connection buffers, so cut off while it is sent.
        const r = await run('n1', { params: { FilterString: filter(400000) } }, 1, 60000);
        should(r.outputs[0]).have.length(0);
        should(caughtCode(r.caught)).equal('RESET_WHILE_SENDING');
        should(r.caught!.error.message).match(/^(Error: )?kingdee-bill-query: connection reset while the request \(\d+ bytes\) was being sent; nothing of it was processed/).and.match(/largest parameter is FilterString/).and.match(/gave up after 4 attempts/);
        should(r.caught!.error.message).not.match(/chunk size/);
        should(sim.requests.filter(isQuery)).have.length(4);
    });
});

describe('a msg of many records into a write node: each chunk does not look through the whole msg again', () => {
    /** `records` as msg.payload, counting how often a record of it is read. */
    const counted = (records: unknown[]) => {
        const reads = { n: 0 };
        const payload = new Proxy(records, {
            get(target, key, receiver) {
                if (typeof key === 'string' && /^\d+$/.test(key)) reads.n++;
                return Reflect.get(target, key, receiver);
            },
        });
        return { payload, reads };
    };
    /** Every chunk of `records` through the node's writeChunk, as runWrite sends them: one context for the msg. */
    const writeAll = async (spec: WriteSpec<any>, client: unknown, records: unknown[], params: Msg) => {
        const { payload, reads } = counted(records);
        const ctx: EndpointContext<any> = { client, request: {}, signal: new AbortController().signal, msg: { payload }, progress: () => {}, warn: () => {} };
        let saved = 0;
        for (let start = 0; start < records.length; start += spec.chunkSize) {
            const outcomes = await spec.writeChunk(ctx, records.slice(start, start + spec.chunkSize), params);
            saved += outcomes.filter((o) => o.ok).length;
        }
        return { saved, reads: reads.n };
    };
    const N = 5000;

    it('wdt-trade-push: 5,000 trades in chunks of 50 read the msg\'s trades once for their shops, not once a chunk (100 times)', async () => {
        const client = { tradePush: async (_shop: string, _sw: string, trades: unknown[]) => ({ newCount: trades.length, chgCount: 0, errors: new Map(), unmatched: [], message: 'ok' }) };
        const trades = Array.from({ length: N }, (_v, i) => demoTrade(`T${i}`));
        const r = await writeAll(wdtTradePush.spec as WriteSpec<any>, client, trades, { shop_no: 'SHOP01', switch: '0' });
        should(r.saved).equal(N);
        should(r.reads).be.belowOrEqual(2 * N);
    });

    it('kingdee-push: 5,000 sources in chunks of 50 read the msg\'s sources once for their organisations, not once a chunk (100 times)', async () => {
        const client = { push: async (_form: string, _kind: string, values: string[]) => values.map(() => ({ ok: true, result: {} })) };
        const sources = Array.from({ length: N }, (_v, i) => ({ Number: `CN${i}` }));
        const r = await writeAll(kingdeePush.spec as WriteSpec<any>, client, sources, { FormId: 'CN_PAYAPPLY', RuleId: 'rule' });
        should(r.saved).equal(N);
        should(r.reads).be.belowOrEqual(2 * N);
    });
});

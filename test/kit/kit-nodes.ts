/**
 * A system defined only inside the tests, to prove the endpoint mechanism: kit-config (login session), kit-query
 * (paged read, incremental) and kit-save (chunked write with per-record outcomes). It stays as the kit's own test.
 */
import crypto from 'crypto';
import type { NodeAPI } from 'node-red';
import { BaseClient, ClientSettings, ConnectionCheck, ConnectorError, RequestContext, SharedLogin, commonClientSettings, pageNumbers, registerConfigNode, registerEndpoint, QueryPage, QuerySpec, WriteSpec, RecordOutcome } from '../../nodes/core';

export class KitClient extends BaseClient {
    private token: string | undefined;
    private readonly login: SharedLogin<void>;

    constructor(settings: ClientSettings, readonly baseUrl: string, private readonly user: string, private readonly password: string) {
        super(settings);
        this.login = new SharedLogin<void>({ system: 'kit', lifetime: this.lifetime.signal, loginKey: this.loginKey([baseUrl, user], [password]) });
    }

    protected async beforeAttempt(ctx: RequestContext): Promise<void> {
        if (!this.token) await this.logIn(ctx);
    }

    protected async reauthenticate(_err: ConnectorError, ctx: RequestContext): Promise<void> {
        this.token = undefined;
        await this.logIn(ctx);
    }

    private logIn(ctx: RequestContext): Promise<void> {
        return this.login.run(async (signal) => {
            const res = await this.limiter.schedule(() => this.http.request({ url: `${this.baseUrl}/login`, body: JSON.stringify({ user: this.user, password: this.password }), headers: { 'Content-Type': 'application/json' } }, { signal }), signal);
            const body = JSON.parse(res.body);
            if (!body.ok) throw new ConnectorError({ system: 'kit', kind: 'config', code: body.code, message: body.message });
            this.token = body.token;
        }, ctx.signal);
    }

    post(path: string, payload: unknown, ctx: RequestContext, write = false): Promise<any> {
        return this.call(async (opts) => {
            const text = JSON.stringify(payload);
            const sign = crypto.createHmac('sha256', this.password).update(text, 'utf8').digest('hex');
            const res = await this.http.request({ url: `${this.baseUrl}${path}`, body: text, headers: { 'Content-Type': 'application/json', token: this.token ?? '', 'x-sign': sign } }, opts);
            const statusError = this.http.statusError(res);
            if (statusError) throw statusError;
            const body = JSON.parse(res.body);
            if (body.ok) return body;
            const kind = body.code === 'SESSION' ? 'auth' : body.code === 'RATE' ? 'rate-limit' : body.code === 'SIGN' ? 'config' : 'business';
            throw new ConnectorError({ system: 'kit', kind, code: body.code, message: body.message });
        }, ctx, { write });
    }

    async checkConnection(ctx: RequestContext): Promise<ConnectionCheck> {
        await this.post('/items/query', { page: 1, size: 1 }, ctx);
        return { message: 'connected' };
    }
}

const querySpec: QuerySpec<KitClient> = {
    type: 'kit-query',
    system: 'kit',
    configType: 'kit-config',
    kind: 'query',
    requestSchema: {
        type: 'object',
        properties: {
            pageSize: { type: 'integer', minimum: 1, maximum: 100, default: 50, title: '每页条数', 'x-title-en': 'Page size' },
            since: { type: 'integer', title: '起始时间', 'x-title-en': 'Updated since (ms)' },
            until: { type: 'integer', title: '截止时间', 'x-title-en': 'Updated until (ms)' },
            // A filter, as a shop or a form is: the simulator does not filter by it (which watermark a read uses is tested).
            category: { type: 'string', title: '类别', 'x-title-en': 'Category' },
        },
    },
    incremental: { startParam: 'since', endParam: 'until', format: (ms) => ms, notFilters: ['pageSize'] },
    query(ctx, params) {
        return pageNumbers<unknown>(async (page): Promise<QueryPage> => {
            ctx.progress(`page ${page}`);
            const body = await ctx.client.post('/items/query', { page, size: params.pageSize, since: params.since }, ctx.request);
            return { records: body.items, total: body.total };
        }, { system: 'kit', first: 1, pageSize: params.pageSize });
    },
};

const saveSpec: WriteSpec<KitClient> = {
    type: 'kit-save',
    system: 'kit',
    configType: 'kit-config',
    kind: 'write',
    chunkSize: 10,
    requestSchema: { type: 'object', properties: { chunkSize: { type: 'integer', minimum: 1, maximum: 100, title: '每批条数' } } },
    recordSchema: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, title: '名称' } } },
    async writeChunk(ctx, records) {
        const body = await ctx.client.post('/items/save', { items: records }, ctx.request, true);
        return body.results.map((r: any): RecordOutcome => (r.ok ? { ok: true, result: { id: r.id } } : { ok: false, error: new ConnectorError({ system: 'kit', kind: 'business', code: r.code, message: r.message }) }));
    },
};

export function kitConfig(RED: NodeAPI): void {
    registerConfigNode(RED, {
        type: 'kit-config',
        system: 'kit',
        credentials: { password: { type: 'password' } },
        createClient: (config, creds) => new KitClient(commonClientSettings('kit', config, { rps: 0, concurrency: 0 }), config.url, config.user, creds.password),
    });
}

export function kitQuery(RED: NodeAPI): void {
    registerEndpoint(RED, querySpec);
}

export function kitSave(RED: NodeAPI): void {
    registerEndpoint(RED, saveSpec);
}

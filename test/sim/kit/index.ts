/**
 * The kit's own test system: a small JSON API with a login session and an HMAC-signed body, so the shared endpoint
 * mechanism can be tested end to end without any vendor. Protocol:
 *   POST /login  {"user","password"} → {"ok":true,"token"}           (counts logins)
 *   POST /items/query {"page" (1-based),"size"} + headers token, x-sign = hex HMAC-SHA256(password, body)
 *        → {"ok":true,"items":[…],"total"}
 *   POST /items/save {"items":[…]} → {"ok":true,"results":[{"ok":true,"id"} | {"ok":false,"code","message"}]}
 *        an item whose name is "bad" is refused; others are stored.
 *   failures: {"ok":false,"code":"SESSION"|"RATE"|"SIGN"|…,"message"}
 */
import crypto from 'crypto';
import { SimServer, SimRequest, SimResponse } from '../harness';

export const KIT_DEMO = { user: 'demo', password: 's3cret-kit-password' };

export interface KitItem {
    id: number;
    name: string;
    updated: number;
}

export class KitSim extends SimServer {
    items: KitItem[] = [];
    saved: Array<{ id: number; name: string }> = [];
    logins = 0;
    maxPageSize = 100;
    private tokens = new Set<string>();

    constructor(count = 250) {
        super('kit');
        for (let i = 1; i <= count; i++) this.items.push({ id: i, name: `item-${i}`, updated: Date.UTC(2024, 0, 1) + i * 60000 });
        this.route('POST', '/login', (req) => this.login(req));
        this.route('POST', '/items/query', (req) => this.authed(req, (body) => this.query(body)));
        this.route('POST', '/items/save', (req) => this.authed(req, (body) => this.save(body)));
    }

    /** Forget every session: the next data call answers SESSION. */
    expireSessions(): void {
        this.tokens.clear();
    }

    protected vendorFault(name: string, req: SimRequest): SimResponse {
        if (name === 'rate-limit') return { body: { ok: false, code: 'RATE', message: 'too many requests' } };
        if (name === 'session-expired') return { body: { ok: false, code: 'SESSION', message: 'session expired' } };
        return super.vendorFault(name, req);
    }

    private login(req: SimRequest): SimResponse {
        const body = JSON.parse(req.body);
        if (body.user !== KIT_DEMO.user || body.password !== KIT_DEMO.password) return { body: { ok: false, code: 'LOGIN', message: 'wrong user or password' } };
        this.logins++;
        const token = crypto.randomBytes(8).toString('hex');
        this.tokens.add(token);
        return { body: { ok: true, token } };
    }

    private authed(req: SimRequest, next: (body: any) => SimResponse): SimResponse {
        const token = String(req.headers.token ?? '');
        if (!this.tokens.has(token)) return { body: { ok: false, code: 'SESSION', message: 'session expired' } };
        const expected = crypto.createHmac('sha256', KIT_DEMO.password).update(req.body, 'utf8').digest('hex');
        if (req.headers['x-sign'] !== expected) return { body: { ok: false, code: 'SIGN', message: 'bad signature' } };
        return next(JSON.parse(req.body));
    }

    private query(body: { page: number; size: number; since?: number }): SimResponse {
        if (!(body.size > 0 && body.size <= this.maxPageSize)) return { body: { ok: false, code: 'PARAM', message: `size must be 1..${this.maxPageSize}` } };
        const rows = body.since !== undefined ? this.items.filter((i) => i.updated >= body.since!) : this.items;
        const start = (body.page - 1) * body.size;
        return { body: { ok: true, items: rows.slice(start, start + body.size), total: rows.length } };
    }

    private save(body: { items: Array<{ name: string }> }): SimResponse {
        const results = body.items.map((item) => {
            if (item.name === 'bad') return { ok: false, code: 'BAD_NAME', message: 'name: "bad" is not allowed' };
            const id = 1000 + this.saved.length;
            this.saved.push({ id, name: item.name });
            return { ok: true, id };
        });
        return { body: { ok: true, results } };
    }
}

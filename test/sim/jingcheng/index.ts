/**
 * 精诚ERP Jingcheng ExtApi_RecvExSheet simulator: the palette's reference behaviour (protocols.md §8.2; no public
 * protocol exists). POST {prefix}/ExtApi_RecvExSheet with one return sheet (seed 002's fields, all strings) as JSON.
 * Auth, one mode at a time (`sim.auth`): none | token (header `Authorization: Bearer <token>`) | md5 (`X-Timestamp`
 * Unix seconds within ±300 s, `X-Sign` = lowercase md5 hex of rawBody + timestamp + secret, compared exactly by the
 * simulator's own verifier ./verify.ts over the bytes received, independent of the client's signer).
 * Content-Type must be application/json with charset=utf-8 (§8.1), else 400 PARAM_ERROR. The interface name is
 * matched case-sensitively (only Kingdee's paths are case-insensitive, §1.1).
 * Answers:
 *   accepted            200 {"success":true,"code":"0","message":"ok","SheetID":…}
 *   duplicate SheetID   200 {"success":false,"code":"DUPLICATE_SHEET","message":"SheetID已存在"}
 *   schema / bad JSON   400 {"success":false,"code":"PARAM_ERROR","message":"<field>: <rule>"}
 *   auth failure        401 {"success":false,"code":"AUTH_FAILED","message":"unauthorized"}
 * Vendor faults: 'auth' (401), 'rate-limit' (429).
 */
import { SimServer, SimRequest, SimResponse, contentType } from '../harness';
import { jingchengSignOk } from './verify';
import { compileRecordSchema, describeErrors, formatErrors } from '../../../nodes/core/validate';
import recordSchema from '../../../nodes/jingcheng/schemas/return-sheet.record.json';

export type JingchengAuth = 'none' | 'token' | 'md5';

export const JINGCHENG_DEMO = { auth: 'md5' as JingchengAuth, token: 'jc-demo-token-0001', secret: 'jc-demo-secret-0001' };

export interface JingchengSimOptions {
    auth?: JingchengAuth;
    token?: string;
    secret?: string;
    path?: string;
    tokenHeader?: string;
    /** `<token>` is replaced by the token. */
    tokenTemplate?: string;
    timestampHeader?: string;
    signHeader?: string;
    /** Sheets already in the ERP (their SheetIDs are duplicates). */
    sheets?: Array<Record<string, unknown>>;
}

/** The wire schema: every scalar is a string (the node's record schema also accepts numbers and sends their text). */
function wireSchema(schema: unknown): unknown {
    if (Array.isArray(schema)) return schema.map(wireSchema);
    if (!schema || typeof schema !== 'object') return schema;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(schema as Record<string, unknown>)) {
        out[k] = k === 'type' && Array.isArray(v) ? 'string' : wireSchema(v);
    }
    return out;
}
const validateSheet = compileRecordSchema(wireSchema(recordSchema) as Record<string, unknown>);

export class JingchengSim extends SimServer {
    auth: JingchengAuth;
    token: string;
    secret: string;
    path: string;
    tokenHeader: string;
    tokenTemplate: string;
    timestampHeader: string;
    signHeader: string;
    /** Accepted sheets by SheetID, in arrival order. */
    readonly sheets = new Map<string, Record<string, unknown>>();

    constructor(options: JingchengSimOptions = {}) {
        super('jingcheng');
        this.auth = options.auth ?? JINGCHENG_DEMO.auth;
        this.token = options.token ?? JINGCHENG_DEMO.token;
        this.secret = options.secret ?? JINGCHENG_DEMO.secret;
        this.path = options.path ?? 'ExtApi_RecvExSheet';
        this.tokenHeader = options.tokenHeader ?? 'Authorization';
        this.tokenTemplate = options.tokenTemplate ?? 'Bearer <token>';
        this.timestampHeader = options.timestampHeader ?? 'X-Timestamp';
        this.signHeader = options.signHeader ?? 'X-Sign';
        for (const s of options.sheets ?? []) this.sheets.set(String(s.SheetID), s);
        // Any prefix (virtual directory) before the interface name.
        this.route('POST', /.*/, (req) => this.receive(req));
    }

    /** Requests that reached the interface path. */
    get sheetRequests(): SimRequest[] {
        return this.requests.filter((r) => r.path.endsWith(`/${this.path}`));
    }

    protected vendorFault(name: string, req: SimRequest): SimResponse {
        if (name === 'auth') return unauthorized();
        if (name === 'rate-limit') return { status: 429, headers: { 'Retry-After': '1' }, body: { success: false, code: 'RATE_LIMIT', message: '请求过于频繁' } };
        return super.vendorFault(name, req);
    }

    private receive(req: SimRequest): SimResponse {
        if (!req.path.endsWith(`/${this.path}`)) return { status: 404, body: { success: false, code: 'NOT_FOUND', message: `no interface at ${req.path}` } };
        if (!this.authorised(req)) return unauthorized();
        const ct = contentType(req);
        if (!ct || ct.type !== 'application/json' || ct.params.charset !== 'utf-8') return paramError(`(Content-Type): must be application/json; charset=utf-8, got ${req.headers['content-type'] ?? 'none'}`);
        let sheet: unknown;
        try {
            sheet = JSON.parse(req.body);
        } catch {
            return paramError('(body): malformed JSON');
        }
        if (!validateSheet(sheet)) return paramError(formatErrors(describeErrors(validateSheet.errors)));
        const s = sheet as Record<string, unknown>;
        const id = String(s.SheetID);
        if (this.sheets.has(id)) return { body: { success: false, code: 'DUPLICATE_SHEET', message: 'SheetID已存在' } };
        this.sheets.set(id, s);
        return { body: { success: true, code: '0', message: 'ok', SheetID: id } };
    }

    private authorised(req: SimRequest): boolean {
        const header = (name: string) => {
            const v = req.headers[name.toLowerCase()];
            return Array.isArray(v) ? v[0] : v;
        };
        if (this.auth === 'none') return true;
        if (this.auth === 'token') return header(this.tokenHeader) === this.tokenTemplate.split('<token>').join(this.token);
        const ts = header(this.timestampHeader);
        const sign = header(this.signHeader);
        if (!ts || !/^\d+$/.test(ts) || !sign) return false;
        if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
        return jingchengSignOk(sign, req.raw ?? req.body, ts, this.secret);
    }
}

function unauthorized(): SimResponse {
    return { status: 401, body: { success: false, code: 'AUTH_FAILED', message: 'unauthorized' } };
}

function paramError(message: string): SimResponse {
    return { status: 400, body: { success: false, code: 'PARAM_ERROR', message } };
}

/** Seed 002's example sheet (protocols.md §8.1), for the demo and tests. */
export function demoSheet(id = 'RS2401090001'): Record<string, unknown> {
    return {
        SheetID: id,
        SheetDate: '2024-01-09',
        CustomerCode: 'C001',
        CustomerName: '天猫旗舰店',
        RedBlue: '1',
        Qua: '2',
        Amo: '20.00',
        Remark: '',
        Items: [{ GoodsID: 'G001', Qua: '2', Price: '10.00', Amo: '20.00', Remark: '' }],
    };
}

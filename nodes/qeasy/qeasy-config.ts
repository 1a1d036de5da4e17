/**
 * qeasy-config: how an upstream system proves a callback is genuine (protocols.md §9.3). qeasy documents no scheme,
 * so one is required here:
 *   token  the secret sent as `X-Token: <secret>` or `Authorization: Bearer <secret>` (one of the two, chosen here),
 *          compared in constant time;
 *   hmac   `X-Timestamp: <unix seconds>` and `X-Signature: <lowercase hex HMAC-SHA256(secret, ts + "\n" + body)>`,
 *          refused outside the time window (default 300 s).
 * It also holds the defaults its callback nodes share: duplicate key and window, the reply's `number` source, and an
 * optional inbound rate limit. The secret is a Node-RED credential; it never reaches a log, status, error or export.
 *
 * Not an endpoint config (there is no vendor client), so it registers itself rather than through registerConfigNode;
 * its "test connection" route checks the settings and says what the upstream system must send.
 */
import type { NodeAPI, NodeDef } from 'node-red';
import { qeasySignature, safeEqual } from './sign';
import type { CallbackHeaders, QeasyConfigNode } from './callback';
import { checkSettings, readSettings } from './settings';
import { english, translator } from '../core/i18n';

function header(headers: CallbackHeaders, name: string): string {
    const v = headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] ?? '' : v ?? '';
}

export = function (RED: NodeAPI) {
    const _ = translator(RED, __filename);
    // The test button's answer is English, as every error is.
    const inEnglish = english(__filename);
    function QeasyConfig(this: QeasyConfigNode, config: NodeDef & Record<string, any>) {
        RED.nodes.createNode(this, config);
        const node = this;
        const s = readSettings(config);
        node.auth = s.auth;
        node.tokenHeader = s.tokenHeader;
        node.windowSeconds = s.windowSeconds;
        node.dedupeKey = s.dedupeKey;
        node.dedupeWindowSeconds = s.dedupeWindowSeconds;
        node.numberSource = s.numberSource;
        // The secret stays in this closure: it is not a property of the node, so nothing that logs the node shows it.
        // Pasted with white space around it (a line break copied from a console), it is taken without it, as the
        // sender's copy is: the signatures would otherwise all fail with a bare 401.
        const secret = String(((node as any).credentials ?? {}).secret ?? '').trim();
        if (!secret) node.warn(_('qeasy-config.warn.noSecret'));
        // Settings the runtime cannot take as given (a negative rate read as no limit) are named at deploy, not only
        // by the test button.
        else for (const problem of checkSettings(config, { secret })) node.warn(_('qeasy-config.warn.setting', { problem: _(problem.key, problem.vars) }));

        node.verify = (headers, rawBody, nowMs = Date.now()) => {
            // No secret configured: nothing can be authentic.
            if (!secret) return undefined;
            if (node.auth === 'token') {
                let given = '';
                if (node.tokenHeader === 'bearer') {
                    const m = /^Bearer[ \t]+(.+)$/i.exec(header(headers, 'authorization').trim());
                    given = m ? m[1].trim() : '';
                } else {
                    given = header(headers, 'x-token').trim();
                }
                if (!given) return undefined;
                // A header value cannot begin or end with spaces (HTTP strips them), so neither can the token.
                const token = secret.trim();
                // Node reads header bytes as Latin-1; curl -H "X-Token: $SECRET" sends a non-ASCII secret as UTF-8, so
                // the bytes are also compared as the UTF-8 text they spell (both compared, in constant time).
                const asLatin1 = safeEqual(given, token);
                const asUtf8 = safeEqual(Buffer.from(given, 'latin1').toString('utf8'), token);
                return asLatin1 || asUtf8 ? '' : undefined;
            }
            const ts = header(headers, 'x-timestamp').trim();
            const sig = header(headers, 'x-signature').trim();
            // Lowercase hex only (§9.3 states the case; a case bug upstream should fail, not pass by luck).
            if (!/^\d{1,12}$/.test(ts) || !/^[0-9a-f]{64}$/.test(sig)) return undefined;
            if (Math.abs(nowMs / 1000 - Number(ts)) > node.windowSeconds) return undefined;
            return safeEqual(sig, qeasySignature(secret, ts, rawBody)) ? `${ts}:${sig}` : undefined;
        };

        // Token bucket: `rps` deliveries a second on average, bursts of up to max(1, rps).
        let tokens = Math.max(1, s.rps);
        let last = Date.now();
        node.admitRate = (nowMs = Date.now()) => {
            if (!(s.rps > 0)) return true;
            // No time back: a clock set back an hour (NTP) would otherwise refuse every delivery for that hour.
            tokens = Math.min(Math.max(1, s.rps), tokens + (Math.max(0, nowMs - last) / 1000) * s.rps);
            last = nowMs;
            if (tokens < 1) return false;
            tokens -= 1;
            return true;
        };
    }
    RED.nodes.registerType('qeasy-config', QeasyConfig as any, { credentials: { secret: { type: 'password' } } });

    // The editor's "test connection" button (CnErpEditor.prepareConfig posts the dialog's values here). There is
    // nothing remote to call: it checks the settings and tells what the upstream system must send.
    const admin = RED.httpAdmin as any;
    if (admin.__qeasyConfigTestRoute) return;
    admin.__qeasyConfigTestRoute = true;
    RED.httpAdmin.post('/cn-erp/qeasy-config/test', RED.auth.needsPermission('qeasy-config.write'), (req: any, res: any) => {
        const body = req.body ?? {};
        const stored = ((body.id && RED.nodes.getCredentials(body.id)) || {}) as Record<string, unknown>;
        const credentials: Record<string, unknown> = { ...stored };
        const given = body.credentials?.secret;
        if (typeof given === 'string' && given !== '' && given !== '__PWRD__') credentials.secret = given;
        const config = body.config ?? {};
        const problems = checkSettings(config, credentials);
        if (problems.length > 0) {
            // Also as a text of the catalog, for the editor to show in its own language: several problems as a list.
            const text = problems.reduceRight((rest, first) => ({ key: 'qeasy-config.test.problems', vars: { first, rest } }));
            return res.json({ ok: false, kind: 'config', code: 'CONFIG', message: problems.map((p) => inEnglish(p.key, p.vars)).join('; '), text });
        }
        const s = readSettings(config);
        const header = s.tokenHeader === 'bearer' ? 'Authorization: Bearer <secret>' : 'X-Token: <secret>';
        const message =
            s.auth === 'hmac'
                ? `ready: the upstream sends X-Timestamp (Unix seconds, within ±${s.windowSeconds} s) and X-Signature = lowercase hex HMAC-SHA256(secret, ts + "\\n" + body)`
                : `ready: the upstream sends ${header} (use only behind TLS)`;
        // Also as a key of the catalog, for the editor to show in its own language.
        const text = s.auth === 'hmac' ? { key: 'qeasy-config.test.readyHmac', vars: { window: s.windowSeconds } } : { key: 'qeasy-config.test.readyToken', vars: { header } };
        res.json({ ok: true, message, text });
    });
};

/**
 * qeasy-config: how an upstream system proves a callback is genuine (protocols.md §9.3). qeasy documents no scheme,
 * so one is required here: a static token, or an HMAC-SHA256 signature with a timestamp window. The secret is a
 * Node-RED credential; it never reaches a log, status, error or exported flow.
 */
import type { NodeAPI, NodeDef } from 'node-red';
import { qeasySignature, safeEqual } from './sign';
import type { CallbackHeaders, QeasyConfigNode } from './callback';

function header(headers: CallbackHeaders, name: string): string {
    const v = headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] ?? '' : v ?? '';
}

export = function (RED: NodeAPI) {
    function QeasyConfig(this: QeasyConfigNode, config: NodeDef & Record<string, any>) {
        RED.nodes.createNode(this, config);
        const node = this;
        node.auth = config.auth === 'token' ? 'token' : 'hmac';
        node.windowSeconds = Number(config.windowSeconds) > 0 ? Number(config.windowSeconds) : 300;
        const secret = String(((node as any).credentials ?? {}).secret ?? '');
        node.verify = (headers, rawBody, nowMs = Date.now()) => {
            // No secret configured: nothing can be authentic.
            if (!secret) return undefined;
            if (node.auth === 'token') {
                const given = header(headers, 'x-token') || header(headers, 'authorization').replace(/^Bearer\s+/i, '');
                return given && safeEqual(given, secret) ? '' : undefined;
            }
            const ts = header(headers, 'x-timestamp');
            const sig = header(headers, 'x-signature').toLowerCase();
            if (!/^\d{1,12}$/.test(ts) || !/^[0-9a-f]{64}$/.test(sig)) return undefined;
            if (Math.abs(nowMs / 1000 - Number(ts)) > node.windowSeconds) return undefined;
            return safeEqual(sig, qeasySignature(secret, ts, rawBody)) ? `${ts}:${sig}` : undefined;
        };
    }
    RED.nodes.registerType('qeasy-config', QeasyConfig as any, { credentials: { secret: { type: 'password' } } });
};

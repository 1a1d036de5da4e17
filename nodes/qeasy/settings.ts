/** qeasy-config's settings: read with defaults, and checked with messages naming the setting (never the secret). */
import type { TokenHeader } from './callback';
import type { Text } from '../core/i18n';

function num(v: unknown, fallback: number, min = 0): number {
    if (v === '' || v === undefined || v === null) return fallback;
    const n = Number(v);
    return Number.isFinite(n) && n >= min ? n : fallback;
}

/** The duplicate key by default: the shop and its order number (a tid is unique within a shop only). */
export const DEFAULT_DEDUPE_KEY = 'shop_no,tid';

/**
 * The fields of a duplicate key setting: field names or dotted paths separated by commas (`shop_no,tid`), or one
 * (`tid`, as flows saved by earlier releases hold it). Empty for a blank setting.
 */
export function dedupePaths(setting: string): string[] {
    return String(setting ?? '')
        .split(/[,，\s]+/)
        .filter((p) => p !== '');
}

export interface QeasySettings {
    auth: 'token' | 'hmac';
    tokenHeader: TokenHeader;
    windowSeconds: number;
    dedupeKey: string;
    dedupeWindowSeconds: number;
    numberSource: string;
    rps: number;
}

export function readSettings(config: Record<string, any>): QeasySettings {
    return {
        auth: config.auth === 'token' ? 'token' : 'hmac',
        tokenHeader: config.tokenHeader === 'bearer' ? 'bearer' : 'x-token',
        windowSeconds: num(config.windowSeconds, 300, 1),
        // What identifies one order (see dedupePaths): WDT's tid is unique within a shop only. A config node saved with
        // one path (an earlier release's default `tid`) keeps it.
        dedupeKey: String(config.dedupeKey ?? '').trim() || DEFAULT_DEDUPE_KEY,
        dedupeWindowSeconds: num(config.dedupeWindow, 86400, 0),
        numberSource: String(config.numberSource ?? '').trim() || 'tid',
        rps: num(config.rps, 0, 0),
    };
}

/**
 * Problems with the settings, by setting name (never echoing the secret): texts of qeasy-config's catalog, for the
 * deploy's warnings in Node-RED's language. Empty when usable.
 */
export function checkSettings(config: Record<string, any>, credentials: Record<string, unknown>): Text[] {
    const problems: Text[] = [];
    // Taken as the runtime takes it: without white space pasted around it.
    const secret = typeof credentials.secret === 'string' ? credentials.secret.trim() : '';
    if (!secret) problems.push({ key: 'qeasy-config.warn.secretRequired' });
    else if (secret.length < 16) problems.push({ key: 'qeasy-config.warn.secretShort' });
    else if (/[\r\n]/.test(secret)) problems.push({ key: 'qeasy-config.warn.secretLineBreaks' });
    if (config.windowSeconds !== undefined && config.windowSeconds !== '' && !(Number(config.windowSeconds) >= 1)) problems.push({ key: 'qeasy-config.warn.windowSeconds' });
    if (config.dedupeWindow !== undefined && config.dedupeWindow !== '' && !(Number(config.dedupeWindow) >= 0)) problems.push({ key: 'qeasy-config.warn.dedupeWindow' });
    if (config.rps !== undefined && config.rps !== '' && !(Number(config.rps) >= 0)) problems.push({ key: 'qeasy-config.warn.rps' });
    return problems;
}


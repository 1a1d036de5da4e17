/** Vendor time formats. String timestamps of Chinese vendors are China time (UTC+8) whatever the host zone. */

const CHINA_OFFSET_MS = 8 * 3600 * 1000;

/** Epoch milliseconds → `yyyy-MM-dd HH:mm:ss` in China time. */
export function chinaTime(ms: number): string {
    return new Date(ms + CHINA_OFFSET_MS).toISOString().replace('T', ' ').slice(0, 19);
}

/** Epoch milliseconds → a time told to the user, `yyyy-MM-dd HH:mm:ss (UTC+8)`: China time, as the vendors' own, whatever the host zone. */
export function chinaTimeText(ms: number): string {
    return `${chinaTime(ms)} (UTC+8)`;
}

const daysInMonth = (y: number, mo: number) => (mo === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31);

/**
 * Whether the parts name a real date and time: Date.UTC and Date.parse roll 2024-02-30 over into March 1. (Arithmetic,
 * not a Date: the mapper asks this for every date it converts.)
 */
export function isCalendarDate(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): boolean {
    return y >= 1000 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo) && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 59;
}

const CHINA_TEXT = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$/;
const ZONED_TEXT = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?/;

/** `yyyy-MM-dd HH:mm:ss` (or `yyyy-MM-dd`) read as China time → epoch milliseconds; NaN when malformed or not a real date. */
export function parseChinaTime(text: string): number {
    const m = CHINA_TEXT.exec(text.trim());
    if (!m) return NaN;
    const [y, mo, d, h, mi, s] = [+m[1], +m[2], +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)];
    return isCalendarDate(y, mo, d, h, mi, s) ? Date.UTC(y, mo - 1, d, h, mi, s) - CHINA_OFFSET_MS : NaN;
}

/** .NET JSON dates `/Date(1704067200000)/` or `/Date(1704067200000+0800)/` → epoch ms; undefined if not that form. */
export function parseDotNetDate(text: string): number | undefined {
    const m = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/.exec(text);
    return m ? Number(m[1]) : undefined;
}

/**
 * Any time a user may type or a msg may carry → epoch ms: a number (ms; values below 10^11 are read as seconds),
 * digits of 8 or 14 (text or a whole number: yyyyMMdd[HHmmss] in China time), `yyyy-MM-dd HH:mm:ss` (China time), an
 * ISO string with a zone, a `/Date(ms)/` string or a Date. NaN when it is none of these, names no real date
 * (2024-02-30), or lies outside the years 1000 – 9999 (China time) that `yyyy-MM-dd HH:mm:ss` can write: 2^60 ms
 * cannot be formatted at all, and a window that long would be split into billions of pieces.
 */
export function toEpochMs(value: unknown): number {
    const ms = anyToEpochMs(value);
    return ms >= MIN_MS && ms < MAX_MS ? ms : NaN;
}

/**
 * The END of a window a user typed → epoch ms. A date alone (`2024-01-31`, `20240131`) names the whole day, so it ends
 * at that day's last millisecond (China time), which a vendor taking seconds reads as 23:59:59; with `exclusive` (a
 * vendor's `<` end) at the next midnight. Read as its 00:00, "to 2024-01-31" would silently leave out every record of
 * the 31st. Anything else is read as toEpochMs reads it, as typed. Starts stay toEpochMs: a date alone is its 00:00.
 */
export function toEpochEndMs(value: unknown, exclusive = false): number {
    const ms = toEpochMs(value);
    const text = typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
    if (Number.isNaN(ms) || !/^(\d{4}-\d{2}-\d{2}|\d{8})$/.test(text)) return ms;
    // 9999-12-31 (a common "no end"): the last second the text can write, as an exclusive end too.
    return Math.min(ms + DAY_MS - (exclusive ? 0 : 1), MAX_MS - 1000);
}

const DAY_MS = 86400000;
const MIN_MS = Date.UTC(1000, 0, 1) - CHINA_OFFSET_MS;
const MAX_MS = Date.UTC(10000, 0, 1) - CHINA_OFFSET_MS;

function anyToEpochMs(value: unknown): number {
    if (value instanceof Date) return value.getTime();
    if (typeof value === 'number') {
        if (!Number.isFinite(value)) return NaN;
        // 20240105 or 20240105103000 as a number: as seconds (1970) or ms (year 2611) nobody means them.
        if (Number.isInteger(value) && ((value >= 1e7 && value < 1e8) || (value >= 1e13 && value < 1e14))) return anyToEpochMs(String(value));
        return Math.abs(value) < 1e11 ? value * 1000 : value;
    }
    if (typeof value !== 'string' || value.trim() === '') return NaN;
    const text = value.trim();
    // Digits only: yyyyMMdd or yyyyMMddHHmmss (China time) — as seconds they would be a moment of 1970 nobody means —
    // else a timestamp.
    const compact = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2}))?$/.exec(text);
    if (compact) return parseChinaTime(`${compact[1]}-${compact[2]}-${compact[3]}${compact[4] ? ` ${compact[4]}:${compact[5]}:${compact[6]}` : ''}`);
    if (/^-?\d+$/.test(text)) return anyToEpochMs(Number(text));
    const dotNet = parseDotNetDate(text);
    if (dotNet !== undefined) return dotNet;
    const china = parseChinaTime(text);
    if (!Number.isNaN(china)) return china;
    if (/[zZ]$|[+-]\d{2}:?\d{2}$/.test(text)) {
        const m = ZONED_TEXT.exec(text);
        if (m && !isCalendarDate(+m[1], +m[2], +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0))) return NaN;
        return Date.parse(text);
    }
    return NaN;
}

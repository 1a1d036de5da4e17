/**
 * Vendor answers as JSON. A whole number beyond Number.MAX_SAFE_INTEGER (a Java `long` id: a Jackyun sub-trade id, a
 * Guanyi or Maycur id, a Kingdee FID) comes out of JSON.parse rounded, 1234567890123456789 as 1234567890123456800:
 * written to the target it names another record, and two ids can round to one (a repeat filter then drops the
 * second). The vendors' own SDKs keep them exact; here they are kept as their decimal text.
 */

/**
 * Sixteen digits in a row: every whole number beyond the safe range has them. Written out rather than as \d{16}, which
 * lets V8 skip through the text many times faster: an answer without such a run costs a plain JSON.parse.
 */
const DIGITS_16 = /\d\d\d\d\d\d\d\d\d\d\d\d\d\d\d\d/;
const EVERY_DIGITS_16 = /\d\d\d\d\d\d\d\d\d\d\d\d\d\d\d\d/g;

/**
 * JSON.parse of a vendor's answer, except that a whole number JSON.parse cannot keep exactly (beyond
 * ±Number.MAX_SAFE_INTEGER) is given as its decimal text: `{"id":1234567890123456789}` → `{ id: '1234567890123456789' }`.
 * Digits inside strings (keys or values) are left alone; fractions and exponents stay numbers. Throws as JSON.parse
 * does on text that is not JSON. `reviver` as JSON.parse's (it sees such a number as its text).
 */
export function parseVendorJson(text: string, reviver?: (this: any, key: string, value: any) => any): any {
    if (!mayHoldLongIntegers(text)) return JSON.parse(text, reviver);
    try {
        // Quotes put around digits inside a string always break the JSON (that string would end just before a number):
        // text that parses was changed outside strings only, and the quotes need not be followed through all of it.
        return JSON.parse(quoteLongIntegers(text, false), reviver);
    } catch {
        return JSON.parse(quoteLongIntegers(text, true), reviver);
    }
}

/** Whether `text` may hold a whole number beyond the safe range; if not, parseVendorJson reads it as JSON.parse does. */
export function mayHoldLongIntegers(text: string): boolean {
    return DIGITS_16.test(text);
}

const isDigit = (c: number) => c >= 48 && c <= 57;
// JSON's whitespace: space, tab, line feed, carriage return.
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;

/**
 * `text` with each whole number beyond the safe range that stands as a value put in quotes; with `checkQuotes`, not
 * one inside a string.
 */
function quoteLongIntegers(text: string, checkQuotes: boolean): string {
    const len = text.length;
    let out = '';
    let copied = 0;
    // Quotes are followed up to each number found: an odd count of unescaped ones before it puts it inside a string.
    let scanned = 0;
    let inString = false;
    EVERY_DIGITS_16.lastIndex = 0;
    for (let m = EVERY_DIGITS_16.exec(text); m; m = EVERY_DIGITS_16.exec(text)) {
        const first = m.index;
        let end = first + 16;
        while (end < len && isDigit(text.charCodeAt(end))) end++;
        EVERY_DIGITS_16.lastIndex = end;
        const start = first > 0 && text.charCodeAt(first - 1) === 45 ? first - 1 : first;
        // A value stands after `:`, `,`, `[` (or alone) and before `,`, `}`, `]` (or the end); JSON writes no 0123.
        // Digits in the middle of text ("单号12345678901234567890"), a fraction or an exponent are passed over here.
        let b = start - 1;
        while (b >= 0 && isSpace(text.charCodeAt(b))) b--;
        const before = b < 0 ? 0 : text.charCodeAt(b);
        if (b >= 0 && before !== 58 && before !== 44 && before !== 91) continue;
        let a = end;
        while (a < len && isSpace(text.charCodeAt(a))) a++;
        const after = a < len ? text.charCodeAt(a) : 0;
        if (a < len && after !== 44 && after !== 125 && after !== 93) continue;
        if (text.charCodeAt(first) === 48) continue;
        const digits = text.slice(start, end);
        if (Number.isSafeInteger(Number(digits))) continue;
        // Text such as "a:12345678901234567890,b" looks the same from close by: only the quotes before it tell.
        if (checkQuotes) {
            for (let q = text.indexOf('"', scanned); q !== -1 && q < start; q = text.indexOf('"', scanned)) {
                scanned = q + 1;
                if (!inString || !escaped(text, q)) inString = !inString;
            }
            if (inString) continue;
        }
        out += `${text.slice(copied, start)}"${digits}"`;
        copied = end;
    }
    return copied === 0 ? text : out + text.slice(copied);
}

/** Whether the quote at `at` is escaped: an odd number of backslashes before it. */
function escaped(text: string, at: number): boolean {
    let n = 0;
    while (at - n - 1 >= 0 && text.charCodeAt(at - n - 1) === 92) n++;
    return n % 2 === 1;
}

/**
 * Whether `v` is a whole number beyond 2^53 given as a number: JSON.parse rounded it (2384729384729384729 arrives as
 * 2384729384729385000), so its text has lost its last digits and names another id, as two such ids can round to one.
 */
export function isRoundedInteger(v: unknown): v is number {
    return typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v);
}

/**
 * A fraction to 15 significant digits, as JSONata's $string writes it: a sum or product of decimals made upstream
 * (0.1 + 0.2, 19.99 × 3 in a function node) is a binary float, 0.30000000000000004, and the target gets the decimal.
 * Whole and non-finite numbers are returned as they are.
 */
export function decimal(n: number): number {
    return Number.isInteger(n) || n - n !== 0 ? n : +n.toPrecision(15);
}

/**
 * Why `v` cannot go on the wire as a vendor's text field, or undefined: NaN or Infinity (a sum over a missing amount,
 * made in a function node) would be sent as "NaN".
 */
export function nonFiniteNumber(v: unknown): string | undefined {
    return typeof v === 'number' && !Number.isFinite(v) ? `must be a finite number, not ${v}` : undefined;
}

/** Half of a UTF-16 surrogate pair standing alone. */
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What makes a value unsendable: a number JSON writes as null, a BigInt, or text holding half a character. */
export type UnsendableKind = 'nonFinite' | 'bigint' | 'halfCharacter';

/**
 * The first value of a record that cannot be sent as it is, as its path (`FEntity[0].FPrice`, from the record), its
 * text and why, or undefined: NaN or ±Infinity (a sum over a missing amount, made in a function node or copied by a
 * mapper rule), which JSON.stringify sends as null, a blank price or quantity the vendor saves as 0; a BigInt, on which
 * it throws, naming no field; a text or key holding half a character (an emoji cut in two by a substring: an unpaired
 * surrogate), which JSON writes as a `\ud83d` escape a PHP server's json_decode refuses with the whole call and UTF-8
 * (an XML body, a signature) turns into U+FFFD, the record then saved changed with nothing said. Looked for in every
 * field, those the record schema does not list too (a Kingdee form has hundreds). Objects deeper than `limit` are not
 * entered (the kit refused deeper input already).
 */
export function unsendableValue(record: unknown, limit = 100): { field: string; value: string; kind: UnsendableKind } | undefined {
    // The path is kept as its parts and written out only for the value found: a batch of 100,000 bills is walked whole.
    const parts: Array<string | number> = [];
    const field = () => parts.reduce<string>((out, p) => (typeof p === 'number' ? `${out}[${p}]` : out ? `${out}.${p}` : p), '');
    let kind: UnsendableKind = 'nonFinite';
    const half = (text: string): string | undefined => {
        const at = UNPAIRED_SURROGATE.exec(text);
        if (!at) return undefined;
        kind = 'halfCharacter';
        return `U+${at[0].charCodeAt(0).toString(16).toUpperCase()}`;
    };
    const walk = (v: unknown, depth: number): string | undefined => {
        if (typeof v === 'number') return Number.isFinite(v) ? undefined : String(v);
        if (typeof v === 'string') return half(v);
        if (typeof v === 'bigint') {
            kind = 'bigint';
            return `${v}n`;
        }
        // Bytes and typed arrays hold only finite numbers; a Date, Map or Set has no fields of its own.
        if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v) || depth >= limit) return undefined;
        if (Array.isArray(v)) {
            for (let i = 0; i < v.length; i++) {
                parts.push(i);
                const found = walk(v[i], depth + 1);
                if (found !== undefined) return found;
                parts.pop();
            }
            return undefined;
        }
        for (const k of Object.keys(v)) {
            parts.push(k);
            const found = half(k) ?? walk((v as Record<string, unknown>)[k], depth + 1);
            if (found !== undefined) return found;
            parts.pop();
        }
        return undefined;
    };
    const value = walk(record, 0);
    return value === undefined ? undefined : { field: field(), value, kind };
}

// The exponent form String() gives below 1e-6 and from 1e21: "1.5e-7", "1e+21".
const EXPONENT = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/;

/**
 * A finite number as the text a vendor's text field takes: its decimal (15 significant digits), never in exponent
 * form, which an ERP reading an amount need not parse: 3 × 19.9 → "59.7", 1e21 → "1000000000000000000000",
 * 1e-7 → "0.0000001". Only the digits String() gives are written (1.5e25 → "15" and 24 zeros, not the float's binary tail).
 */
export function decimalText(n: number): string {
    const text = String(decimal(n));
    const m = EXPONENT.exec(text);
    if (!m) return text;
    const [, sign, lead, fraction = '', exp] = m;
    const e = +exp;
    // String() uses the form only for e ≤ -7 or e ≥ 21, beyond the 17 digits a double has: no point falls inside them.
    return e < 0 ? `${sign}0.${'0'.repeat(-e - 1)}${lead}${fraction}` : `${sign}${lead}${fraction}${'0'.repeat(e - fraction.length)}`;
}

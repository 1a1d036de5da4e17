/**
 * The FilterString subset the Kingdee simulator understands (protocols.md §1.5): comparisons `=`, `<>`, `!=`, `>`,
 * `>=`, `<`, `<=`, `like` (with `%` and `_`), `in (…)`, `not in (…)`, `is [not] null`, combined with `and`, `or`,
 * `not` and parentheses. Literals are 'text' (with '' as an escaped quote, an optional N prefix) or numbers. Field
 * names are resolved by the caller (dotted and underscored spellings). Keywords are case-insensitive, as in SQL.
 */

export type FilterNode =
    | { type: 'and' | 'or'; left: FilterNode; right: FilterNode }
    | { type: 'not'; expr: FilterNode }
    | { type: 'cmp'; field: string; op: string; value: unknown }
    | { type: 'like'; field: string; pattern: RegExp; negate: boolean }
    | { type: 'in'; field: string; values: unknown[]; negate: boolean }
    | { type: 'null'; field: string; negate: boolean }
    | { type: 'true' };

interface Token {
    kind: 'id' | 'str' | 'num' | 'op' | 'punct';
    text: string;
    value?: unknown;
}

export class FilterSyntaxError extends Error {}

function tokenize(text: string): Token[] {
    const out: Token[] = [];
    let i = 0;
    while (i < text.length) {
        const c = text[i];
        if (/\s/.test(c)) {
            i++;
        } else if (c === '(' || c === ')' || c === ',') {
            out.push({ kind: 'punct', text: c });
            i++;
        } else if ((c === 'N' || c === 'n') && text[i + 1] === "'") {
            i++;
        } else if (c === "'") {
            let s = '';
            i++;
            for (;;) {
                if (i >= text.length) throw new FilterSyntaxError('unterminated string literal');
                if (text[i] === "'") {
                    if (text[i + 1] === "'") {
                        s += "'";
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                s += text[i++];
            }
            out.push({ kind: 'str', text: s, value: s });
        } else if (/[<>=!]/.test(c)) {
            const two = text.slice(i, i + 2);
            const op = ['<>', '!=', '>=', '<='].includes(two) ? two : c;
            if (op === '!') throw new FilterSyntaxError(`unexpected "!" at ${i}`);
            out.push({ kind: 'op', text: op });
            i += op.length;
        } else if (/[-\d]/.test(c) && /^-?\d/.test(text.slice(i, i + 2))) {
            const m = /^-?\d+(\.\d+)?/.exec(text.slice(i))!;
            out.push({ kind: 'num', text: m[0], value: Number(m[0]) });
            i += m[0].length;
        } else if (/[A-Za-z_\u4e00-\u9fff]/.test(c)) {
            const m = /^[A-Za-z_\u4e00-\u9fff][\w.\u4e00-\u9fff]*/.exec(text.slice(i))!;
            out.push({ kind: 'id', text: m[0] });
            i += m[0].length;
        } else {
            throw new FilterSyntaxError(`unexpected "${c}" at ${i}`);
        }
    }
    return out;
}

function likeToRegExp(pattern: string): RegExp {
    let re = '';
    for (const ch of pattern) re += ch === '%' ? '.*' : ch === '_' ? '.' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp(`^${re}$`, 'is');
}

export function parseFilter(text: string | undefined | null): FilterNode {
    if (text === undefined || text === null || String(text).trim() === '') return { type: 'true' };
    const tokens = tokenize(String(text));
    let pos = 0;
    const peek = () => tokens[pos];
    const isKw = (t: Token | undefined, kw: string) => t?.kind === 'id' && t.text.toLowerCase() === kw;
    const expect = (kind: Token['kind'], textValue?: string): Token => {
        const t = tokens[pos];
        if (!t || t.kind !== kind || (textValue !== undefined && t.text !== textValue)) throw new FilterSyntaxError(`expected ${textValue ?? kind} near "${t?.text ?? 'end'}"`);
        pos++;
        return t;
    };
    const literal = (): unknown => {
        const t = tokens[pos];
        if (t && (t.kind === 'str' || t.kind === 'num')) {
            pos++;
            return t.value;
        }
        throw new FilterSyntaxError(`expected a value near "${t?.text ?? 'end'}"`);
    };
    const primary = (): FilterNode => {
        const t = peek();
        if (!t) throw new FilterSyntaxError('unexpected end of filter');
        if (t.kind === 'punct' && t.text === '(') {
            pos++;
            const e = orExpr();
            expect('punct', ')');
            return e;
        }
        if (isKw(t, 'not')) {
            pos++;
            return { type: 'not', expr: primary() };
        }
        const field = expect('id').text;
        const next = peek();
        if (next?.kind === 'op') {
            pos++;
            return { type: 'cmp', field, op: next.text === '!=' ? '<>' : next.text, value: literal() };
        }
        let negate = false;
        if (isKw(next, 'not')) {
            negate = true;
            pos++;
        }
        const kw = peek();
        if (isKw(kw, 'like')) {
            pos++;
            const p = literal();
            return { type: 'like', field, pattern: likeToRegExp(String(p)), negate };
        }
        if (isKw(kw, 'in')) {
            pos++;
            expect('punct', '(');
            const values = [literal()];
            while (peek()?.kind === 'punct' && peek()!.text === ',') {
                pos++;
                values.push(literal());
            }
            expect('punct', ')');
            return { type: 'in', field, values, negate };
        }
        if (isKw(kw, 'is') && !negate) {
            pos++;
            let neg = false;
            if (isKw(peek(), 'not')) {
                neg = true;
                pos++;
            }
            if (!isKw(peek(), 'null')) throw new FilterSyntaxError('expected NULL after IS');
            pos++;
            return { type: 'null', field, negate: neg };
        }
        throw new FilterSyntaxError(`expected an operator after ${field}`);
    };
    const andExpr = (): FilterNode => {
        let left = primary();
        while (isKw(peek(), 'and')) {
            pos++;
            left = { type: 'and', left, right: primary() };
        }
        return left;
    };
    const orExpr = (): FilterNode => {
        let left = andExpr();
        while (isKw(peek(), 'or')) {
            pos++;
            left = { type: 'or', left, right: andExpr() };
        }
        return left;
    };
    const tree = orExpr();
    if (pos < tokens.length) throw new FilterSyntaxError(`unexpected "${tokens[pos].text}"`);
    return tree;
}

/** Every field name a filter mentions. */
export function filterFields(node: FilterNode, out: string[] = []): string[] {
    switch (node.type) {
        case 'and':
        case 'or':
            filterFields(node.left, out);
            filterFields(node.right, out);
            break;
        case 'not':
            filterFields(node.expr, out);
            break;
        case 'true':
            break;
        default:
            out.push(node.field);
    }
    return out;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$/;

function dateMs(v: unknown): number | undefined {
    if (typeof v !== 'string') return undefined;
    const m = DATE_RE.exec(v);
    return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)) : undefined;
}

/** SQL-ish ordering: nulls first, dates as instants, numbers numerically, text case-insensitively. */
export function compareValues(a: unknown, b: unknown): number {
    const an = a === undefined || a === null || a === '';
    const bn = b === undefined || b === null || b === '';
    if (an || bn) return an && bn ? 0 : an ? -1 : 1;
    if (typeof a === 'number' || typeof b === 'number') {
        const x = Number(a);
        const y = Number(b);
        if (Number.isFinite(x) && Number.isFinite(y)) return x - y;
    }
    if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a === true || a === 'true' || a === 1) - Number(b === true || b === 'true' || b === 1);
    const da = dateMs(a);
    const db = dateMs(b);
    if (da !== undefined && db !== undefined) return da - db;
    const x = String(a).toLowerCase();
    const y = String(b).toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
}

export function evaluateFilter(node: FilterNode, get: (field: string) => unknown): boolean {
    switch (node.type) {
        case 'true':
            return true;
        case 'and':
            return evaluateFilter(node.left, get) && evaluateFilter(node.right, get);
        case 'or':
            return evaluateFilter(node.left, get) || evaluateFilter(node.right, get);
        case 'not':
            return !evaluateFilter(node.expr, get);
        case 'null': {
            const v = get(node.field);
            const isNull = v === undefined || v === null;
            return node.negate ? !isNull : isNull;
        }
        case 'like': {
            const v = get(node.field);
            const hit = v !== undefined && v !== null && node.pattern.test(String(v));
            return node.negate ? !hit : hit;
        }
        case 'in': {
            const v = get(node.field);
            const hit = v !== undefined && v !== null && node.values.some((x) => compareValues(v, x) === 0);
            return node.negate ? !hit : hit;
        }
        case 'cmp': {
            const v = get(node.field);
            if (v === undefined || v === null) return false;
            const c = compareValues(v, node.value);
            switch (node.op) {
                case '=':
                    return c === 0;
                case '<>':
                    return c !== 0;
                case '>':
                    return c > 0;
                case '>=':
                    return c >= 0;
                case '<':
                    return c < 0;
                case '<=':
                    return c <= 0;
            }
            return false;
        }
    }
}

import { decimalText } from '../core/json';

/**
 * `$roundHalfUp(number, digits)` in the mapper's JSONata rules: 四舍五入, halves away from zero, as Chinese vendors and
 * accountants round amounts (10.125 → 10.13, -2.5 → -3). JSONata's `$round` rounds halves to even (10.125 → 10.12,
 * 2.5 → 2): a pro-rata amount then differs by a cent from the one the ERP computes. The number is rounded as its
 * decimal (15 significant digits): 2.675, held in binary as 2.67499999…, rounds to 2.68 as it reads. `digits` as
 * `$round`'s: default 0, negative to round to tens, hundreds.
 */
export function roundHalfUp(n: number | undefined, digits?: number): number | undefined {
    if (n === undefined) return undefined;
    const places = digits ?? 0;
    if (!Number.isInteger(places)) throw new Error(`$roundHalfUp: digits must be a whole number, not ${places}`);
    // Shifted by its decimal text, as $round shifts: multiplying by 10^digits would add binary noise (1.005 × 100).
    const shifted = Number(`${decimalText(n)}e${places}`);
    // Beyond 2^53 the number holds no fraction at this precision: nothing to round.
    if (!Number.isFinite(shifted) || Math.abs(shifted) >= Number.MAX_SAFE_INTEGER) return n;
    const rounded = Math.sign(shifted) * Math.floor(Math.abs(shifted) + 0.5);
    return rounded === 0 ? 0 : Number(`${rounded}e${-places}`);
}

/**
 * Shared helpers of the benchmark scripts (bench/*.ts). Every bench script runs in its own child process (started by
 * bench/run-all.ts, so peak RSS is per bench) and ends by printing exactly one line
 *
 *     BENCH {"name": "...", "figures": {...}, "checks": [{"label", "value", "target", "met"}]}
 *
 * through `report()`. `figures` are the measured numbers (name → number or text); each check compares one figure
 * (usually a ratio measured side by side in the same run) with its target. Targets are reported, never asserted:
 * a missed target does not fail the run. A script may also give a single `ratio`/`target`/`met` instead of `checks`.
 *
 * Rules kept by every bench: the two sides of a comparison run in the same process, interleaved (A B A B …), so a
 * noisy shared machine slows both alike; every server is a simulator from test/sim/ on 127.0.0.1, started by the bench
 * (in the bench's process, or for the paging benches in a child process of its own so that its store is not counted
 * in the memory figures: bench/lib/paging.ts); every loop is bounded.
 */

/** `--quick` (or BENCH_QUICK=1): smaller counts for a smoke run. */
export const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';

export interface Check {
    label: string;
    value: number | string | null;
    target: string;
    /** null: not judged (e.g. a side did not run). */
    met: boolean | null;
}

export interface BenchResult {
    name: string;
    figures: Record<string, number | string | null>;
    checks?: Check[];
    ratio?: number;
    target?: string;
    met?: boolean | null;
    notes?: string[];
}

export const BENCH_PREFIX = 'BENCH ';

export function report(result: BenchResult): void {
    process.stdout.write(`${BENCH_PREFIX}${JSON.stringify(result)}\n`);
}

export function log(text: string): void {
    process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${text}\n`);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs a full garbage collection when node was started with --expose-gc (the runner does so). */
export function gc(): void {
    const g = (globalThis as any).gc;
    if (typeof g === 'function') {
        g();
        g();
    }
}

export const MB = 1024 * 1024;

export function rssMB(): number {
    return process.memoryUsage.rss() / MB;
}

/** Peak resident set size of this whole process so far (the kernel's figure), in MB. */
export function maxRssMB(): number {
    return process.resourceUsage().maxRSS / 1024;
}

/**
 * Samples RSS every few milliseconds and whenever `sample()` is called (e.g. on each page), keeping the peak since
 * the last `reset()` and named checkpoints (`mark('50k')` keeps the peak seen up to that moment).
 */
export class RssSampler {
    peak = 0;
    readonly marks: Record<string, number> = {};
    private timer: NodeJS.Timeout | undefined;

    start(intervalMs = 10): this {
        this.stop();
        this.timer = setInterval(() => this.sample(), intervalMs);
        this.timer.unref();
        return this;
    }

    sample(): number {
        const rss = rssMB();
        if (rss > this.peak) this.peak = rss;
        return rss;
    }

    reset(): void {
        this.peak = 0;
        this.sample();
    }

    mark(name: string): void {
        this.sample();
        this.marks[name] = Math.max(this.marks[name] ?? 0, this.peak);
    }

    stop(): void {
        if (this.timer) clearInterval(this.timer);
        this.timer = undefined;
    }
}

export function median(values: number[]): number {
    if (values.length === 0) return NaN;
    const s = values.slice().sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The median of the per-round ratios a[i] / b[i] of two interleaved series: each round's two readings are taken next
 * to each other, so a drift over the run (the JIT warming, the machine's other load) cancels within a round, where a
 * ratio of the two medians can pair a slow round of one side with a fast one of the other.
 */
export function pairedRatio(a: number[], b: number[]): number {
    return median(a.map((v, i) => v / b[i]).filter((r) => Number.isFinite(r)));
}

/** Rounds to `digits` significant decimals for the report. */
export function round(n: number, digits = 2): number {
    if (!Number.isFinite(n)) return n;
    const f = 10 ** digits;
    return Math.round(n * f) / f;
}

/**
 * Runs the sides of a comparison interleaved: round 1 A B, round 2 B A, round 3 A B … (alternating which goes first
 * so warm-up and drift favour neither). Each side returns its figure for the round (e.g. records/s); resolves with
 * the figures of each side, in round order.
 */
export async function interleave<K extends string>(rounds: number, sides: Record<K, (round: number) => Promise<number>>, between?: () => Promise<void> | void): Promise<Record<K, number[]>> {
    const names = Object.keys(sides) as K[];
    const out = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
    for (let r = 0; r < rounds; r++) {
        const order = r % 2 === 0 ? names : names.slice().reverse();
        for (const name of order) {
            await between?.();
            const value = await sides[name](r);
            out[name].push(value);
            log(`round ${r + 1}/${rounds} ${name}: ${round(value, 1)}`);
        }
    }
    return out;
}

/** Elapsed wall time of `fn` in seconds, with its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; result: T }> {
    const t0 = process.hrtime.bigint();
    const result = await fn();
    return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, result };
}

/** A check of `value` ≥ `min`. */
export function atLeast(label: string, value: number, min: number, unit = ''): Check {
    return { label, value: round(value, 3), target: `≥ ${min}${unit}`, met: Number.isFinite(value) ? value >= min : null };
}

/** A check of `value` < `max`. */
export function below(label: string, value: number, max: number, unit = ''): Check {
    return { label, value: round(value, 1), target: `< ${max}${unit}`, met: Number.isFinite(value) ? value < max : null };
}

/** A check of |value − expected| / expected ≤ tolerance. */
export function within(label: string, value: number, expected: number, tolerance: number): Check {
    const dev = Math.abs(value - expected) / expected;
    return { label, value: round(value, 2), target: `${expected} ± ${Math.round(tolerance * 100)}%`, met: Number.isFinite(value) ? dev <= tolerance : null };
}

/** Runs a bench's main function: prints its BENCH line, or a failure line and exit code 1. */
export function main(name: string, fn: () => Promise<BenchResult>): void {
    fn().then(
        (result) => {
            report(result);
            // Simulators, agents and the Node-RED runtime may keep handles open: the figures are out, leave.
            process.exit(0);
        },
        (err) => {
            process.stderr.write(`${name}: ${err instanceof Error ? err.stack : String(err)}\n`);
            report({ name, figures: { error: err instanceof Error ? err.message : String(err) }, checks: [] });
            process.exit(1);
        },
    );
}

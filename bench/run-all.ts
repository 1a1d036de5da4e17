/**
 * `npm run bench` (= build, then `node dist/bench/run-all.js`): runs every bench script of this folder, each in its
 * own child process (so peak RSS is per bench), collects the `BENCH <json>` line each prints (bench/lib/bench.ts) and
 * prints one table: bench, figures, ratio or figure checked, target, met?. Targets are reported, not asserted: the
 * exit code is 0 whatever the figures; it is 1 only when a bench script crashed or printed no result.
 *
 *   node dist/bench/run-all.js [--quick] [--json <file>] [name-filter …]
 *
 *   --quick        smaller counts (a smoke run of every bench; its figures are not the published ones)
 *   --json <file>  also write the collected results as JSON
 *   --node-flag <flag>  pass a flag to every bench's node process (repeatable), e.g. `--node-flag
 *                  --max-old-space-size=160` to show the reads run in a bounded heap (a node that kept records
 *                  would then run out of memory and its bench would fail)
 *   name-filter    run only the scripts whose file name contains one of these words (e.g. `paging`, `write`)
 *   BENCH_TIMEOUT_S  per-script limit in seconds (default 1200, or 300 with --quick)
 */
import { spawn } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { BENCH_PREFIX, BenchResult, Check } from './lib/bench';

interface Outcome {
    script: string;
    seconds: number;
    code: number | null;
    results: BenchResult[];
    failure?: string;
}

function parseArgs(argv: string[]): { quick: boolean; json?: string; filters: string[]; nodeFlags: string[] } {
    const out = { quick: false, json: undefined as string | undefined, filters: [] as string[], nodeFlags: [] as string[] };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === '--quick') out.quick = true;
        else if (a === '--json') out.json = argv[++i];
        else if (a === '--node-flag') out.nodeFlags.push(argv[++i]);
        else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
        else out.filters.push(a);
    }
    return out;
}

function scripts(filters: string[]): string[] {
    const self = path.basename(__filename);
    return fs
        .readdirSync(__dirname)
        .filter((f) => f.endsWith('.js') && f !== self)
        .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
        .sort();
}

function runScript(file: string, quick: boolean, timeoutS: number, nodeFlags: string[]): Promise<Outcome> {
    return new Promise((resolve) => {
        const started = Date.now();
        // Quick mode travels as BENCH_QUICK=1 only: some scripts read a count from their first argument.
        const args = ['--expose-gc', ...nodeFlags, path.join(__dirname, file)];
        process.stderr.write(`\n=== ${file}${quick ? ' (quick)' : ''}${nodeFlags.length ? ` ${nodeFlags.join(' ')}` : ''}\n`);
        const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...(quick ? { BENCH_QUICK: '1' } : {}) } });
        const results: BenchResult[] = [];
        let failure: string | undefined;
        let buffered = '';
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (chunk: string) => {
            buffered += chunk;
            let nl: number;
            while ((nl = buffered.indexOf('\n')) >= 0) {
                const line = buffered.slice(0, nl);
                buffered = buffered.slice(nl + 1);
                if (line.startsWith(BENCH_PREFIX)) {
                    try {
                        results.push(normalise(JSON.parse(line.slice(BENCH_PREFIX.length)), file));
                    } catch (err) {
                        failure = `unreadable BENCH line: ${line.slice(0, 200)}`;
                    }
                } else if (line.trim() !== '') {
                    process.stderr.write(`  ${line}\n`);
                }
            }
        });
        const timer = setTimeout(() => {
            failure = `killed after ${timeoutS} s`;
            child.kill('SIGKILL');
        }, timeoutS * 1000);
        child.on('close', (code) => {
            clearTimeout(timer);
            if (code !== 0 && !failure) failure = `exit code ${code}`;
            if (results.length === 0 && !failure) failure = 'printed no BENCH line';
            resolve({ script: file, seconds: (Date.now() - started) / 1000, code, results, failure });
        });
    });
}

/** Accepts the documented shape and a flat one ({name, <figure>: value, …, ratio?, target?, met?}). */
function normalise(raw: Record<string, any>, file: string): BenchResult {
    if (raw && typeof raw.figures === 'object' && raw.figures !== null) return { ...raw, name: String(raw.name ?? file) } as BenchResult;
    const reserved = new Set(['name', 'checks', 'ratio', 'target', 'met', 'notes']);
    const figures: BenchResult['figures'] = {};
    for (const [key, v] of Object.entries(raw ?? {})) {
        if (!reserved.has(key)) figures[key] = typeof v === 'object' && v !== null ? JSON.stringify(v) : (v as number | string);
    }
    return { name: String(raw?.name ?? file), figures, checks: raw?.checks, ratio: raw?.ratio, target: raw?.target, met: raw?.met, notes: raw?.notes };
}

function fmt(v: unknown): string {
    if (v === null || v === undefined) return '—';
    if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000);
    return String(v).replace(/\|/g, '/');
}

function checksOf(r: BenchResult): Check[] {
    if (r.checks && r.checks.length > 0) return r.checks;
    if (r.ratio !== undefined || r.target !== undefined) return [{ label: 'ratio', value: r.ratio ?? null, target: r.target ?? '—', met: r.met ?? null }];
    return [];
}

function table(outcomes: Outcome[]): string {
    const rows: string[][] = [['bench', 'figures', 'ratio / figure checked', 'value', 'target', 'met?']];
    for (const o of outcomes) {
        if (o.failure) rows.push([o.script, `FAILED: ${o.failure}`, '', '', '', '']);
        for (const r of o.results) {
            const figures = Object.entries(r.figures ?? {})
                .map(([k, v]) => `${k}: ${fmt(v)}`)
                .join('; ');
            const checks = checksOf(r);
            if (checks.length === 0) rows.push([r.name, figures, '', '', '', '']);
            checks.forEach((c, i) => rows.push([i === 0 ? r.name : '', i === 0 ? figures : '', c.label, fmt(c.value), c.target, c.met === null ? '—' : c.met ? 'yes' : 'NO']));
        }
    }
    return rows.map((cells, i) => `| ${cells.join(' | ')} |${i === 0 ? `\n|${cells.map(() => '---').join('|')}|` : ''}`).join('\n');
}

async function mainRun(): Promise<void> {
    const args = parseArgs(process.argv.slice(2));
    const timeoutS = Number(process.env.BENCH_TIMEOUT_S) || (args.quick ? 300 : 1200);
    const files = scripts(args.filters);
    if (files.length === 0) throw new Error(`no bench scripts in ${__dirname}${args.filters.length ? ` matching ${args.filters.join(', ')}` : ''}`);
    const outcomes: Outcome[] = [];
    for (const f of files) outcomes.push(await runScript(f, args.quick, timeoutS, args.nodeFlags));
    const header = `Benchmarks${args.quick ? ' (--quick: reduced counts)' : ''}, node ${process.version}${args.nodeFlags.length ? ` ${args.nodeFlags.join(' ')}` : ''}, ${os.cpus().length} CPUs, ${new Date().toISOString()}`;
    process.stdout.write(`\n${header}\n\n${table(outcomes)}\n`);
    // Each distinct note once, with the benches it belongs to.
    const notes = new Map<string, string[]>();
    for (const o of outcomes) for (const r of o.results) for (const n of r.notes ?? []) notes.set(n, [...(notes.get(n) ?? []), r.name]);
    for (const [n, names] of notes) process.stdout.write(`\n- ${names.join(', ')}: ${n}`);
    process.stdout.write(`\n\n(${outcomes.map((o) => `${o.script} ${Math.round(o.seconds)} s`).join(', ')})\n`);
    // The folder too (bench/results/ is not in the repository): a run of many minutes must not end in ENOENT.
    if (args.json) fs.mkdirSync(path.dirname(path.resolve(args.json)), { recursive: true });
    if (args.json) fs.writeFileSync(args.json, JSON.stringify({ quick: args.quick, node: process.version, nodeFlags: args.nodeFlags, date: new Date().toISOString(), outcomes }, null, 2));
    const broken = outcomes.filter((o) => o.failure);
    // Targets are reported, not asserted; only a broken bench script fails the run.
    process.exitCode = broken.length > 0 ? 1 : 0;
}

mainRun().catch((err) => {
    process.stderr.write(`run-all: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
});

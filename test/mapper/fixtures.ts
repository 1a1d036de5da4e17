import fs from 'fs';
import path from 'path';

export interface Fixture {
    name: string;
    schema?: Record<string, unknown>;
    mapping: { target?: string; fields: Record<string, any> };
    source: Record<string, any>;
    expected: Record<string, any>;
    context?: { flow?: Record<string, unknown>; global?: Record<string, unknown> };
}

/** Fixtures stay in the source tree (test/mapper/fixtures), whatever the build folder. */
export const FIXTURE_DIR = path.join(__dirname, '..', '..', '..', 'test', 'mapper', 'fixtures');

export function fixture(n: number): Fixture {
    return JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, `seed-00${n}.json`), 'utf8'));
}

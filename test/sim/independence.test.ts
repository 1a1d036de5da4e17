import fs from 'fs';
import path from 'path';
import should from 'should';

// A simulator that verified requests with the client's own signer (or read times with its parser) would repeat the
// client's bug instead of refusing its requests: each simulator carries its own checks, written from protocols.md.
const SIMULATORS = ['guanyi', 'jackyun', 'jingcheng', 'kingdee', 'maycur', 'wdt', 'wdt-wms'];
const CLIENT_CODE = /require\([^)]*nodes\/([\w-]+\/sign|core\/time)\b/;

describe('simulators verify with their own code', () => {
    for (const system of SIMULATORS) {
        it(`${system}: no file of its simulator loads a client signer or the clients' time parser`, () => {
            // The compiled simulator beside this compiled test.
            const dir = path.join(__dirname, system);
            const files = fs.readdirSync(dir).filter((n) => n.endsWith('.js'));
            should(files.length).be.above(0);
            for (const f of files) {
                const text = fs.readFileSync(path.join(dir, f), 'utf8');
                should(text).not.match(CLIENT_CODE, f);
                should(text).not.match(/parseChinaTime\(/, f);
            }
        });
    }
});

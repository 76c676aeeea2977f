// tfwrap auth exec with an ambient identity against `node -e 0` and against `true`.
// Target (issue 2): at most 60 ms over `node -e 0`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, report, timeCommand, tfwrapBin } from './lib.mjs';

const dir = mkdtempSync(join(tmpdir(), 'tfwrap-bench-'));
writeFileSync(join(dir, 'tfwrap.yaml'), 'auth:\n  identities:\n    passthrough:\n      kind: ambient\n      default: true\n');
const runs = Number(process.env.BENCH_RUNS ?? 20);
try {
  const rows = [
    ['true', median(timeCommand('true', [], { runs, cwd: dir }))],
    ['node -e 0', median(timeCommand(process.execPath, ['-e', '0'], { runs, cwd: dir }))],
    ['tfwrap auth exec -i passthrough -- true', median(timeCommand(process.execPath, [tfwrapBin, 'auth', 'exec', '-i', 'passthrough', '--', 'true'], { runs, cwd: dir }))],
  ];
  report(`ambient exec (median of ${runs} runs)`, rows, { base: 'node -e 0' });
} finally {
  rmSync(dir, { recursive: true, force: true });
}

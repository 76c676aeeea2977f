/**
 * `credential_process` helper run by the child's AWS SDK: asks the tfwrap parent over its unix
 * socket and prints the answer. Standalone and tiny (node:net and node:fs only) so that it starts
 * fast; it never imports the rest of tfwrap.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('tfwrap credential-process: usage: credential-process.js <run directory>\n');
  process.exit(2);
}
const token = readFileSync(join(dir, 'token'), 'utf8').trim();
const conn = connect(join(dir, 'socket'));
let answer = '';
conn.setTimeout(30_000, () => fail('the tfwrap parent did not answer in 30 s'));
conn.on('connect', () => conn.write(token + '\n'));
conn.on('data', (chunk) => (answer += chunk.toString('utf8')));
conn.on('error', (err) => fail(`cannot reach the tfwrap parent (${err.message}); it ends when its command ends`));
conn.on('end', () => {
  try {
    const parsed = JSON.parse(answer) as { error?: string };
    if (parsed.error) fail(parsed.error);
    process.stdout.write(JSON.stringify(parsed) + '\n');
  } catch {
    fail('unreadable answer from the tfwrap parent');
  }
});

function fail(message: string): never {
  process.stderr.write(`tfwrap credential-process: ${message}\n`);
  process.exit(1);
}

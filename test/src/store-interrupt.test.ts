// Ctrl-C while a store request hangs: an SSM store whose endpoint accepts connections and never
// answers (a black hole), read by !store in describe component and written by a store hook after a
// real terraform apply. SIGINT to tfwrap's process group ends the run at once (exit 130, no error
// line) instead of after the SDK's time limits (5 s x 3 attempts).
import assert from 'node:assert/strict';
import { startBlackHole, type BlackHole } from './support/fake-endpoints.js';
import { hermeticEnv, tempDir } from './support/env.js';
import { interruptTfwrap, runTfwrap } from './support/cli.js';
import { errorLines, writeTree } from './support/terraform.js';

/** Well below the SDK's 15 s and more, well above what a stop costs on a busy machine. */
const EXIT_WITHIN_MS = 8_000;

describe('stores: Ctrl-C while an SSM request hangs stops tfwrap at once (e2e, black-hole endpoint)', function () {
  this.timeout(120_000);
  let hole: BlackHole;
  let env: Record<string, string>;
  let repo: string;

  before(async () => {
    hole = await startBlackHole();
    repo = writeTree(tempDir('tfwrap-store-interrupt-'), {
      'tfwrap.yaml': `stores:\n  ssm: { type: aws-ssm-parameter-store, options: { region: us-east-1, prefix: /e2e, endpoint: "${hole.url}" } }\n`,
      'stacks/dev.yaml': [
        'components:',
        '  terraform:',
        '    net:',
        '      vars: { stage: dev }',
        '      hooks:',
        '        outputs-to-ssm: { events: [after.terraform.apply], kind: store, name: ssm, outputs: { vpc_id: .vpc_id } }',
        '    app:',
        '      vars: { vpc_id: !store ssm net vpc_id }',
        '',
      ].join('\n'),
      'components/terraform/net/main.tf': 'variable "stage" { type = string }\nresource "terraform_data" "vpc" { input = "vpc-${var.stage}" }\noutput "vpc_id" { value = terraform_data.vpc.output }\n',
      'components/terraform/app/main.tf': 'variable "vpc_id" { type = string }\n',
    });
    // Keys that sign requests; nothing here reaches AWS.
    env = hermeticEnv({ AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKE0001', AWS_SECRET_ACCESS_KEY: 'fake-secret-0123456789abcdefghijklmnop' });
  });
  after(() => hole?.close());

  const interruptAtConnection = (args: string[]) => {
    const before = hole.connections;
    return interruptTfwrap(args, { env, cwd: repo, ready: () => hole.connections > before, exitWithinMs: EXIT_WITHIN_MS });
  };

  it('describe component with a !store read that hangs: exit 130, no error line', async () => {
    const result = await interruptAtConnection(['describe', 'component', 'app', '-s', 'dev']);
    assert.equal(result.exitCode, 130, result.stderr);
    assert.deepEqual(errorLines(result.stderr), [], result.stderr);
    assert.doesNotMatch(result.stderr, /E_FUNCTION_FAILED|E_STORE|at .*\.js:\d+/);
    assert.equal(result.stdout, '');
  });

  it('a store hook whose write hangs after a real apply: exit 130, no error line', async () => {
    const result = await interruptAtConnection(['apply', 'dev', 'net', '-auto-approve', '-no-color']);
    assert.match(result.stdout, /Apply complete!/, 'the apply ran before the hook');
    assert.equal(result.exitCode, 130, result.stderr);
    assert.deepEqual(errorLines(result.stderr), [], result.stderr);
    assert.doesNotMatch(result.stderr, /E_STORE_WRITE_FAILED|failed|at .*\.js:\d+/);
  });

  it('without an interrupt, a !store read that never gets an answer ends after the time limits: one line, the endpoint in the hint', async () => {
    // The SDK's request time limit only warned (and waited forever) unless told to throw.
    const result = await runTfwrap(['describe', 'component', 'app', '-s', 'dev'], { env, cwd: repo, timeout: 90_000 });
    assert.equal(result.exitCode, 2, result.stderr);
    assert.deepEqual(errorLines(result.stderr), [result.stderr.trim()], result.stderr);
    assert.match(result.stderr, /dev\.yaml:8: !store ssm net vpc_id: .*no answer within 5 s .*Hint: check the store's endpoint .*\[E_FUNCTION_FAILED\]/);
    assert.doesNotMatch(result.stderr, /smithy|WARN/);
  });
});

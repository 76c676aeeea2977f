// Fuzzing (fast-check) over stack manifests and identity configurations: whatever the input, tfwrap
// answers with its own errors (TfwrapError: one line, a documented exit code), never an internal
// error or a stack trace (issue 10). In-process for speed; a few CLI runs check the printed form.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { Tfwrap, TfwrapError, TfwrapErrors } from '@tfwrap/core';
import { StackRepository, stacksSettingsFrom } from '@tfwrap/stacks';
import { builtinPlugins } from 'tfwrap';
import { runTfwrap } from './support/cli.js';
import { hermeticEnv, tempDir } from './support/env.js';

/** The failure tfwrap means to report; anything else is an internal error. */
function assertOwnError(err: unknown, input: string): void {
  if (err instanceof TfwrapError || err instanceof TfwrapErrors) return;
  assert.fail(`not a tfwrap error: ${(err as Error)?.stack ?? String(err)}\ninput:\n${input}`);
}

const names = fc.constantFrom('network', 'app', 'db', 'base', 'x', '', '../up', 'a/b', '__proto__', 'constructor');
const scalar = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null), fc.double());
const value = fc.letrec((tie) => ({
  any: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('any'), { maxLength: 3 }), fc.dictionary(fc.oneof(names, fc.string({ maxLength: 6 })), tie('any'), { maxKeys: 3 })),
})).any;
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const component = fc.record(
  {
    metadata: maybe(fc.record({ component: maybe(fc.oneof(names, value)), inherits: maybe(fc.oneof(fc.array(names, { maxLength: 3 }), value)), type: maybe(fc.oneof(fc.constantFrom('real', 'abstract'), value)), locked: maybe(value) }, { requiredKeys: [] })),
    vars: maybe(value),
    env: maybe(value),
    settings: maybe(fc.oneof(value, fc.record({ depends_on: fc.oneof(fc.array(names, { maxLength: 3 }), value) }))),
    hooks: maybe(value),
    auth: maybe(fc.oneof(value, fc.record({ identity: fc.oneof(names, value) }))),
    backend_type: maybe(value),
    backend: maybe(value),
  },
  { requiredKeys: [] },
);
const manifest = fc.record(
  {
    import: maybe(fc.oneof(fc.array(fc.constantFrom('catalog/base', 'catalog/missing', '../outside', '/abs', '**'), { maxLength: 3 }), value)),
    name: maybe(value),
    vars: maybe(value),
    terraform: maybe(value),
    components: maybe(fc.oneof(value, fc.record({ terraform: fc.oneof(value, fc.dictionary(names, component, { maxKeys: 4 })) }))),
  },
  { requiredKeys: [] },
);
/** A manifest as YAML, sometimes cut short or with a stray character. */
const manifestText = fc.oneof(
  manifest.map((m) => stringify(m)),
  fc.tuple(manifest, fc.nat(), fc.constantFrom('', ':', '&', '*', '[', '{', '\t', '- ', '"')).map(([m, cut, junk]) => {
    const text = stringify(m);
    const at = cut % (text.length + 1);
    return text.slice(0, at) + junk + text.slice(at);
  }),
  fc.string({ maxLength: 80 }),
);

const kinds = fc.constantFrom('ambient', 'aws/ambient', 'aws/assume-role', 'aws/user', 'aws/credential-process', 'github/oidc', 'aws/iam-identity-center', 'aws/permission-set', 'nope', '');
const identity = fc.record(
  {
    kind: fc.oneof(kinds, value),
    default: maybe(value),
    via: maybe(fc.oneof(value, fc.record({ identity: fc.oneof(fc.constantFrom('a', 'b', 'c', 'missing'), value) }))),
    principal: maybe(fc.oneof(value, fc.record({ region: maybe(fc.oneof(fc.constantFrom('us-east-1', 'Mars'), value)), assume_role: maybe(value), command: maybe(value), duration: maybe(value), timeout: maybe(value), mfa_serial: maybe(value) }, { requiredKeys: [] }))),
    credentials: maybe(fc.oneof(value, fc.record({ access_key_id_env: maybe(value), secret_access_key_env: maybe(value), keyring: maybe(value) }, { requiredKeys: [] }))),
  },
  { requiredKeys: ['kind'] },
);
const authConfig = fc.record({
  auth: fc.oneof(value, fc.record({ identities: fc.oneof(value, fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), identity, { maxKeys: 4 })) })),
});

describe('fuzz: manifests and identity configurations give tfwrap errors only', function () {
  this.timeout(240_000);

  it('any stack manifest: loaded, or refused with a TfwrapError', async () => {
    const root = tempDir('tfwrap-fuzz-stacks-');
    mkdirSync(join(root, 'stacks/catalog'), { recursive: true });
    writeFileSync(join(root, 'stacks/catalog/base.yaml'), 'vars: { stage: base }\n');
    let run = 0;
    await fc.assert(
      fc.asyncProperty(manifestText, async (text) => {
        // A directory per run: the repository caches what it read.
        const dir = join(root, `p${run++}`);
        mkdirSync(join(dir, 'stacks/catalog'), { recursive: true });
        writeFileSync(join(dir, 'stacks/catalog/base.yaml'), 'components: { terraform: { base: { vars: { a: 1 } } } }\n');
        writeFileSync(join(dir, 'stacks/dev.yaml'), text);
        try {
          const repo = new StackRepository(stacksSettingsFrom(dir, { stacks: { base_path: 'stacks', excluded_paths: ['catalog/**'] } }));
          const stack = await repo.loadStack('dev');
          for (const name of stack.componentNames()) {
            try {
              await stack.component(name);
            } catch (err) {
              assertOwnError(err, text);
            }
          }
          await stack.dependencyLevels().catch((err: unknown) => assertOwnError(err, text));
        } catch (err) {
          assertOwnError(err, text);
        }
      }),
      { numRuns: 150, seed: 10 },
    );
  });

  it('any identity configuration: checked, or refused with a TfwrapError', async () => {
    const root = tempDir('tfwrap-fuzz-auth-');
    let run = 0;
    await fc.assert(
      fc.asyncProperty(authConfig, async (config) => {
        const dir = join(root, `p${run++}`);
        mkdirSync(dir);
        const text = stringify(config);
        writeFileSync(join(dir, 'tfwrap.yaml'), text);
        try {
          const tfwrap = await Tfwrap.create({ cwd: dir, env: hermeticEnv(), builtinPlugins, writeLog: () => {} });
          const problems = await tfwrap.validateAuth();
          for (const problem of problems) assertOwnError(problem, text);
        } catch (err) {
          assertOwnError(err, text);
        }
      }),
      { numRuns: 100, seed: 10 },
    );
  });

  it('the CLI prints such problems as lines, never a stack trace (a few samples)', async () => {
    const samples = fc.sample(fc.tuple(manifestText, authConfig), { numRuns: 3, seed: 11 });
    for (const [text, config] of samples) {
      const dir = tempDir('tfwrap-fuzz-cli-');
      mkdirSync(join(dir, 'stacks'));
      writeFileSync(join(dir, 'stacks/dev.yaml'), text);
      writeFileSync(join(dir, 'tfwrap.yaml'), stringify({ stacks: { base_path: 'stacks' }, ...config }));
      const run = await runTfwrap(['validate'], { env: hermeticEnv(), cwd: dir });
      assert.ok([0, 1, 2].includes(run.exitCode), `exit ${run.exitCode}:\n${run.stderr}`);
      assert.doesNotMatch(run.stderr, /internal error|\n\s+at /, run.stderr);
    }
  });
});

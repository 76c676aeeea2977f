/**
 * The conformance suite for identity kinds. An author calls `runConformance` from a mocha test
 * file; it registers one `describe` with an `it` per rule:
 *
 *   - the plugin targets the plugin API this tfwrap provides and registers the kind;
 *   - the kind's schema accepts the valid configuration and rejects each invalid one, and tfwrap
 *     reports each rejection at its file and line;
 *   - credentials have the right shape (type among `produces`, AWS fields, an expiry in the future
 *     for kinds that say theirs expire);
 *   - the child's environment obeys the managed rules (credential variables cleared,
 *     AWS_EC2_METADATA_DISABLED=true, profile files under tfwrap's directories, mode 0600) or the
 *     ambient rules (the parent's environment, unchanged but for the region);
 *   - a failing authentication is a TfwrapError naming the plugin, with no secret in it.
 *
 * Every test runs the real Tfwrap object against a configuration file written to a temporary
 * directory, with HOME and tfwrap's directories inside it: nothing of the machine's leaks in.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { inspect } from 'node:util';
import { join, relative, resolve } from 'node:path';
import * as v from 'valibot';
import { PLUGIN_API_VERSION, Tfwrap, TfwrapError, TfwrapErrors, type AuthResult, type Credentials, type Env, type IdentityConfig, type TfwrapPlugin } from '@tfwrap/core';

/** Variables a managed environment must not pass on: the parent's credentials. */
export const CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'AWS_ROLE_SESSION_NAME',
] as const;

/** What an ambient kind may change: the region, when the identity names one. */
export const AMBIENT_MAY_SET = ['AWS_REGION', 'AWS_DEFAULT_REGION'] as const;

export interface ConformanceOptions {
  /** The plugin object (the module's default export). */
  plugin: TfwrapPlugin<any>;
  /** Options passed to `apply`, as a user would write them in `plugins:`. */
  pluginOptions?: unknown;
  /** The kind under test. */
  kind: string;
  /** An identity entry that authenticates in `env`. `kind` may be left out. */
  validConfig: Record<string, unknown>;
  /** Entries the schema must reject, by a label saying what is wrong with each. */
  invalidConfigs: Record<string, Record<string, unknown>>;
  /** The parent environment for authentication (added to a clean one; the SDKs read process.env too, so it is set there while authenticating). */
  env?: Env;
  /** Files to write into the temporary project before anything runs (relative paths). */
  files?: Record<string, string>;
  /** Other identities the valid configuration chains via, and the plugins providing their kinds. */
  sources?: Record<string, IdentityConfig>;
  plugins?: ReadonlyArray<TfwrapPlugin<any>>;
  /** Which environment rules the kind follows. */
  envRules: 'managed' | 'ambient';
  /** Whether credentials must carry an expiry; default: required when the kind produces credentials, unless 'static'. */
  expiry?: 'required' | 'static';
  /** A setup in which authentication fails: another entry, and/or an environment used instead of `env`. */
  failure?: { config?: Record<string, unknown>; env?: Env; files?: Record<string, string> };
  /** Values that must never appear in an error or in the child's environment. */
  secrets?: string[];
  /** Per-test time limit, ms (default 20 s). */
  timeout?: number;
}

/** Parent credentials planted to check that a managed kind clears them and an ambient one keeps them. */
const CANARIES: Record<(typeof CREDENTIAL_VARIABLES)[number], string> = {
  AWS_ACCESS_KEY_ID: 'AKIACANARYPARENTKEY0',
  AWS_SECRET_ACCESS_KEY: 'canary-parent-secret-access-key-0000000000',
  AWS_SESSION_TOKEN: 'canary-parent-session-token-000000000000000',
  AWS_SECURITY_TOKEN: 'canary-parent-security-token-00000000000000',
  AWS_WEB_IDENTITY_TOKEN_FILE: '/nonexistent/canary-web-identity-token',
  AWS_ROLE_ARN: 'arn:aws:iam::000000000000:role/canary-parent-role',
  AWS_ROLE_SESSION_NAME: 'canary-parent-session',
};

const IDENTITY = 'under-test';

/** A temporary project with a tfwrap.yaml holding the identity under test. */
export interface ConformanceProject {
  dir: string;
  configFile: string;
  env: Env;
  create(): Promise<Tfwrap>;
  remove(): void;
}

export function conformanceProject(options: ConformanceOptions, entry: Record<string, unknown>, parentEnv: Env = options.env ?? {}, files: Record<string, string> = {}): ConformanceProject {
  const dir = mkdtempSync(join(tmpdir(), 'tfwrap-conformance-'));
  for (const [name, text] of Object.entries({ ...options.files, ...files })) writeFileSync(join(dir, name), text);
  const identities = { ...options.sources, [IDENTITY]: { kind: options.kind, ...entry } };
  const configFile = join(dir, 'tfwrap.yaml');
  writeFileSync(configFile, toYaml({ auth: { identities } }));
  const env: Env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: join(dir, 'home'),
    TFWRAP_CONFIG_DIR: join(dir, 'home', '.config', 'tfwrap'),
    TFWRAP_CACHE_DIR: join(dir, 'home', '.cache', 'tfwrap'),
    AWS_CONFIG_FILE: join(dir, 'home', 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'home', 'no-aws-credentials'),
    TFWRAP_AWS_IMDS: 'off',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...parentEnv,
  };
  const plugins = [options.plugin, ...(options.plugins ?? [])];
  return {
    dir,
    configFile,
    env,
    create: () =>
      Tfwrap.create({
        cwd: dir,
        configPath: configFile,
        env,
        writeLog: () => {},
        builtinPlugins: plugins.map((plugin) => ({
          name: plugin.name,
          load: async () => (plugin === options.plugin && options.pluginOptions !== undefined ? withOptions(plugin, options.pluginOptions) : plugin),
        })),
      }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function withOptions(plugin: TfwrapPlugin<any>, pluginOptions: unknown): TfwrapPlugin<any> {
  return { ...plugin, apply: (tfwrap, _options) => plugin.apply(tfwrap, pluginOptions) };
}

/** Plain YAML for a small JSON-like value (one key per line, so lines can be located). */
function toYaml(value: unknown, indent = ''): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  const entries = Array.isArray(value) ? value.map((item, index) => [index, item] as const) : Object.entries(value);
  if (entries.length === 0) return Array.isArray(value) ? '[]' : '{}';
  return entries
    .map(([key, item]) => {
      const lead = Array.isArray(value) ? `${indent}-` : `${indent}${JSON.stringify(key)}:`;
      const nested = item !== null && typeof item === 'object' && Object.keys(item).length > 0;
      return nested ? `${lead}\n${toYaml(item, indent + '  ')}` : `${lead} ${toYaml(item, indent + '  ')}`;
    })
    .join('\n') + (indent === '' ? '\n' : '');
}

/** Run `work` with process.env replaced by `env` (SDK credential chains read process.env). */
export async function withProcessEnv<T>(env: Env, work: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  for (const name of Object.keys(process.env)) delete process.env[name];
  Object.assign(process.env, env);
  try {
    return await work();
  } finally {
    for (const name of Object.keys(process.env)) delete process.env[name];
    Object.assign(process.env, saved);
  }
}

/** Register the suite. Call at the top level of a mocha test file. */
export function runConformance(options: ConformanceOptions): void {
  const { plugin, kind } = options;
  describe(`tfwrap conformance: identity kind ${kind} (${plugin.name})`, function () {
    this.timeout(options.timeout ?? 20_000);
    const projects: ConformanceProject[] = [];
    const project = (entry: Record<string, unknown>, env?: Env, files?: Record<string, string>) => {
      const created = conformanceProject(options, entry, env, files);
      projects.push(created);
      return created;
    };
    after(() => projects.splice(0).forEach((p) => p.remove()));

    let good: { project: ConformanceProject; tfwrap: Tfwrap; auth: AuthResult } | undefined;
    const authenticated = async () => {
      if (!good) {
        const p = project(options.validConfig);
        const tfwrap = await p.create();
        const auth = await withProcessEnv(p.env, () => tfwrap.authenticate(IDENTITY));
        good = { project: p, tfwrap, auth };
      }
      return good;
    };

    it(`targets plugin API ${PLUGIN_API_VERSION} and has a name`, () => {
      assert.equal(typeof plugin.name, 'string');
      assert.ok(plugin.name.length > 0, 'the plugin needs a name');
      assert.equal(plugin.apiVersion, PLUGIN_API_VERSION, `the plugin targets API ${String(plugin.apiVersion)}; this tfwrap provides ${PLUGIN_API_VERSION}`);
      assert.equal(typeof plugin.apply, 'function');
    });

    it(`registers kind ${kind} with a description and a schema`, async () => {
      const tfwrap = await project(options.validConfig).create();
      const registered = tfwrap.identityKinds.get(kind);
      assert.ok(registered, `applying ${plugin.name} did not register kind ${kind} (registered: ${tfwrap.identityKinds.names().join(', ')})`);
      assert.equal(registered.plugin, plugin.name);
      assert.ok(registered.description, 'give the kind a one-line description');
      assert.equal(typeof registered.load, 'function');
    });

    it('accepts the valid configuration', async () => {
      const tfwrap = await project(options.validConfig).create();
      const problems = await tfwrap.validateAuth();
      assert.deepEqual(problems.map((p) => p.format()), []);
    });

    const invalid = Object.entries(options.invalidConfigs);
    it('is given at least one invalid configuration to reject', () => {
      assert.ok(invalid.length > 0, 'pass invalidConfigs: configurations the schema must reject');
    });
    for (const [label, entry] of invalid) {
      it(`rejects ${label}, at its file and line`, async () => {
        const p = project(entry);
        let problems: TfwrapError[];
        let parsed: { success: boolean } = { success: false };
        try {
          const tfwrap = await p.create();
          parsed = v.safeParse(tfwrap.identityKinds.get(kind)!.schema, { kind, ...entry });
          problems = await tfwrap.validateAuth();
        } catch (err) {
          // Core's own configuration schema (kind, default, via) caught it before the kind's did.
          if (err instanceof TfwrapErrors) problems = err.errors;
          else if (err instanceof TfwrapError) problems = [err];
          else throw err;
        }
        assert.ok(!parsed.success || problems.length > 0, `the configuration was accepted: ${JSON.stringify(entry)}`);
        assert.ok(problems.length > 0, 'tfwrap validate would report nothing');
        for (const problem of problems) {
          assert.equal(problem.location?.file, p.configFile, `no file in: ${problem.format()}`);
          assert.ok(problem.location?.line, `no line in: ${problem.format()}`);
        }
        if (!parsed.success && problems.every((problem) => problem.code !== 'E_CONFIG_INVALID')) {
          assert.ok(problems.some((p) => p.format().includes(plugin.name)), `schema problems should name ${plugin.name}: ${problems.map((p) => p.format()).join(' | ')}`);
        }
      });
    }

    it('authenticates, yielding credentials of the right shape and expiry', async () => {
      const { tfwrap, auth } = await authenticated();
      const produces = tfwrap.identityKinds.get(kind)!.produces ?? [];
      const credentials = auth.credentials;
      if (produces.length === 0) {
        assert.equal(credentials, undefined, `kind ${kind} declares no produces: but returned credentials`);
        return;
      }
      assert.ok(credentials, `kind ${kind} produces ${produces.join(', ')} but returned no credentials`);
      assert.ok(produces.includes(credentials.type), `credentials of type "${credentials.type}"; the kind declares ${produces.join(', ')}`);
      if (credentials.type === 'aws') checkAwsShape(credentials);
      if (credentials.expiration !== undefined) {
        assert.ok(credentials.expiration instanceof Date && !Number.isNaN(credentials.expiration.getTime()), 'expiration must be a valid Date');
        assert.ok(credentials.expiration.getTime() > Date.now(), `credentials expired at ${credentials.expiration.toISOString()}`);
      } else {
        assert.equal(options.expiry, 'static', 'credentials carry no expiration; pass expiry: "static" if they never expire');
      }
    });

    it(`prepares the child's environment by the ${options.envRules} rules`, async () => {
      const { tfwrap, auth } = await authenticated();
      const base: Env = { ...tfwrap.parentEnv, ...CANARIES };
      const env = await tfwrap.prepareEnv(auth, {}, base);
      if (options.envRules === 'ambient') checkAmbient(base, env);
      else checkManaged(tfwrap, env, auth);
      const secrets = secretValues(auth.credentials, options.secrets);
      for (const [name, value] of Object.entries(env)) {
        if (name in CANARIES) continue;
        for (const secret of secrets) assert.ok(!value.includes(secret), `${name} holds a secret; pass secrets by files, not in the environment`);
      }
    });

    it('reports a failed authentication as one TfwrapError naming the plugin, without secrets', async function () {
      if (!options.failure) this.skip();
      const failure = options.failure!;
      const p = project(failure.config ?? options.validConfig, failure.env ?? options.env, failure.files);
      const tfwrap = await p.create();
      let caught: unknown;
      try {
        await withProcessEnv(p.env, () => tfwrap.authenticate(IDENTITY));
      } catch (err) {
        caught = err;
      }
      assert.ok(caught, 'authentication succeeded in the failure setup');
      assert.ok(caught instanceof TfwrapError || caught instanceof TfwrapErrors, `threw ${inspect(caught)}, not a TfwrapError`);
      const text = caught instanceof TfwrapErrors ? caught.message : caught.format();
      assert.ok(!text.includes('\n'), `the error spans several lines: ${text}`);
      assert.ok(text.includes(plugin.name), `the error does not name ${plugin.name}: ${text}`);
      const secrets = [...secretValues(good?.auth.credentials, options.secrets), ...Object.values(CANARIES).filter((s) => s.includes('secret') || s.includes('token'))];
      for (const [name, value] of Object.entries(p.env)) if (/secret|token|password/i.test(name) && !/_FILE$/.test(name) && value.length >= 8) secrets.push(value);
      for (const secret of secrets) assert.ok(!text.includes(secret), `the error shows a secret: ${text}`);
    });
  });
}

function checkAwsShape(credentials: Credentials): void {
  assert.equal(typeof credentials.accessKeyId, 'string', 'aws credentials need accessKeyId');
  assert.match(credentials.accessKeyId as string, /^[A-Z0-9]{16,128}$/, 'accessKeyId looks wrong');
  assert.equal(typeof credentials.secretAccessKey, 'string', 'aws credentials need secretAccessKey');
  assert.ok((credentials.secretAccessKey as string).length > 0);
  if (credentials.sessionToken !== undefined) assert.equal(typeof credentials.sessionToken, 'string');
}

function checkAmbient(base: Env, env: Env): void {
  for (const name of Object.keys(base)) {
    if ((AMBIENT_MAY_SET as readonly string[]).includes(name)) continue;
    assert.equal(env[name], base[name], `an ambient kind must pass ${name} through unchanged`);
  }
  for (const name of Object.keys(env)) {
    if (!(name in base)) assert.ok((AMBIENT_MAY_SET as readonly string[]).includes(name), `an ambient kind must not add ${name}`);
  }
}

function checkManaged(tfwrap: Tfwrap, env: Env, auth: AuthResult): void {
  for (const name of CREDENTIAL_VARIABLES) {
    assert.equal(env[name], undefined, `a managed environment must clear ${name}`);
  }
  assert.equal(env.AWS_EC2_METADATA_DISABLED, 'true', 'a managed environment sets AWS_EC2_METADATA_DISABLED=true');
  const roots = [tfwrap.paths.configDir, tfwrap.paths.cacheDir].map((dir) => resolve(dir));
  const under = (file: string) => roots.some((root) => !relative(root, resolve(file)).startsWith('..'));
  for (const name of ['AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE']) {
    const file = env[name];
    assert.ok(file, `a managed environment sets ${name}`);
    assert.ok(under(file), `${name}=${file} is outside tfwrap's directories (${roots.join(', ')})`);
    assert.ok(existsSync(file), `${name}=${file} does not exist`);
    assert.equal(statSync(file).mode & 0o777, 0o600, `${file} must be mode 0600`);
  }
  const profile = env.AWS_PROFILE;
  assert.ok(profile, 'a managed environment sets AWS_PROFILE');
  const credentialsText = readFileSync(env.AWS_SHARED_CREDENTIALS_FILE!, 'utf8');
  assert.ok(credentialsText.includes(`[${profile}]`), `the credentials file has no [${profile}] section`);
  if (auth.credentials?.type === 'aws') {
    assert.ok(credentialsText.includes(auth.credentials.accessKeyId as string), 'the credentials file does not hold the identity\'s credentials');
  }
}

function secretValues(credentials: Credentials | undefined, extra: string[] = []): string[] {
  const values = [...extra];
  if (credentials) {
    for (const field of ['secretAccessKey', 'sessionToken', 'token', 'password']) {
      const value = credentials[field];
      if (typeof value === 'string' && value.length >= 8) values.push(value);
    }
  }
  return values;
}

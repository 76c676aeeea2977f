import assert from 'node:assert/strict';
import path from 'node:path';
import { TfwrapError } from '@tfwrap/core';
import { stacksSettingsFrom } from './settings.js';

describe('stacksSettingsFrom', () => {
  it('fills in the defaults, resolved against the root', () => {
    assert.deepEqual(stacksSettingsFrom('/repo', undefined), {
      rootDir: '/repo',
      stacksBasePath: '/repo/stacks',
      includedPaths: ['**/*'],
      excludedPaths: [],
      componentsBasePath: '/repo/components/terraform',
      namePattern: undefined,
      nameTemplate: undefined,
      templates: { enabled: false, evaluations: 1, ignoreMissingTemplateValues: false, delimiters: ['{{', '}}'], sprig: false, gomplate: false },
      listMergeStrategy: 'replace',
      workspacesEnabled: true,
      inheritMetadata: true,
      importsOutsideRepo: 'warn',
      terraformCommand: 'terraform',
    });
  });

  it('reads templates.settings, and refuses a value of the wrong type naming its key', () => {
    const settings = stacksSettingsFrom('/repo', { templates: { settings: { enabled: true, evaluations: 2, sprig: { enabled: true }, delimiters: ['${', '}'] } } });
    assert.deepEqual(settings.templates, { enabled: true, evaluations: 2, ignoreMissingTemplateValues: false, delimiters: ['${', '}'], sprig: true, gomplate: false });
    assert.throws(() => stacksSettingsFrom('/repo', { templates: { settings: { enabled: 'yes' } } }, { configFile: '/repo/atmos.yaml' }),
      (err: unknown) => err instanceof TfwrapError && err.code === 'E_CONFIG_INVALID' && /templates\.settings\.enabled must be true or false/.test(err.message));
  });

  it('takes the configured paths and globs', () => {
    const settings = stacksSettingsFrom('/repo', {
      components: { terraform: { base_path: 'infra/components', command: 'tofu' } },
      stacks: { base_path: '/elsewhere/stacks', included_paths: ['./orgs/**/*'], excluded_paths: ['catalog/**', 'mixins/**'] },
    });
    assert.equal(settings.componentsBasePath, path.resolve('/repo/infra/components'));
    assert.equal(settings.stacksBasePath, '/elsewhere/stacks');
    assert.deepEqual(settings.includedPaths, ['orgs/**/*']);
    assert.deepEqual(settings.excludedPaths, ['catalog/**', 'mixins/**']);
    assert.equal(settings.terraformCommand, 'tofu');
    assert.equal(stacksSettingsFrom('/repo', { components: { terraform: { command: './bin/terraform' } } }).terraformCommand, path.resolve('/repo/bin/terraform'));
  });

  it('rejects wrong types, naming the key and the configuration file', () => {
    const cases: Array<[unknown, RegExp]> = [
      [[], /^the project configuration must be a mapping/],
      [{ stacks: 'stacks' }, /^stacks must be a mapping/],
      [{ stacks: { base_path: 3 } }, /^stacks\.base_path must be a non-empty string/],
      [{ stacks: { included_paths: '**/*' } }, /^stacks\.included_paths must be a list of glob strings/],
      [{ stacks: { excluded_paths: [1] } }, /^stacks\.excluded_paths must be a list of glob strings/],
      [{ components: { terraform: { base_path: '' } } }, /^components\.terraform\.base_path must be a non-empty string/],
      [{ components: { terraform: { workspaces_enabled: 'no' } } }, /^components\.terraform\.workspaces_enabled must be true or false/],
      [{ stacks: { imports_outside_repo: 'allow' } }, /^stacks\.imports_outside_repo must be one of warn, deny/],
      [{ components: { terraform: { command: ['tofu'] } } }, /^components\.terraform\.command must be a command name or path/],
    ];
    for (const [config, message] of cases) {
      assert.throws(() => stacksSettingsFrom('/repo', config, { configFile: '/repo/tfwrap.yaml' }), (err: TfwrapError) =>
        err.code === 'E_CONFIG_INVALID' && message.test(err.message) && err.location?.file === '/repo/tfwrap.yaml');
    }
  });

  it('reads Atmos\'s edition to the end of the period it names, and rejects what is not a date anchor', () => {
    const inherits = (edition: unknown) => stacksSettingsFrom('/r', { edition }).inheritMetadata;
    assert.deepEqual([inherits('2025-12-05'), inherits('2025-12-06'), inherits('2025-11'), inherits('2025-12'), inherits('2025'), inherits(new Date('2026-01-01'))], [false, true, false, true, true, true]);
    for (const bad of ['2025-13', '2025-02-30', 'latest', true, '25-01']) {
      assert.throws(() => stacksSettingsFrom('/r', { edition: bad }, { configFile: '/r/atmos.yaml' }), (err: TfwrapError) => err.code === 'E_CONFIG_INVALID' && /^edition must be a date anchor/.test(err.message));
    }
  });

  it('ATMOS_EDITION wins over atmos.yaml\'s edition; a malformed one is E_CONFIG_INVALID naming the variable (pkg/config/edition.go)', () => {
    const inherits = (ATMOS_EDITION: string | undefined, edition?: string) => stacksSettingsFrom('/r', { edition }, { env: { ATMOS_EDITION } }).inheritMetadata;
    assert.deepEqual([inherits('2025-09', '2026'), inherits('2026', '2025-09'), inherits('  ', '2025-09'), inherits(undefined)], [false, true, false, true]);
    assert.throws(() => stacksSettingsFrom('/r', { edition: '2026' }, { env: { ATMOS_EDITION: 'next' } }),
      (err: TfwrapError) => err.code === 'E_CONFIG_INVALID' && err.message === 'ATMOS_EDITION must be a date anchor: "YYYY", "YYYY-MM" or "YYYY-MM-DD", not "next"');
  });
});

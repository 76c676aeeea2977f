/**
 * Init elision: `terraform init` runs only when something it depends on changed since the last
 * successful init in the component directory, or `.terraform` is not intact.
 *
 * The record is `<data dir>/tfwrap-init.json` (`.terraform/` unless TF_DATA_DIR), so deleting
 * `.terraform` forgets it. It is removed before init runs and written (atomically) only after init
 * exited 0, so a failed or interrupted init leaves nothing behind that could skip the next one.
 * It holds digests and paths, never values of the configuration or the environment.
 */
import { execFile } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, realpathSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Env } from '@tfwrap/core';
import { digest, initConfig } from './init-config.js';
import { writeFileAtomic } from './files.js';

const INIT_RECORD = 'tfwrap-init.json';
const RECORD_FORMAT = 1;

/** Everything `terraform init` depends on, as digests (values never stored). */
interface InitFingerprint {
  format: number;
  /** The terraform binary (after PATH lookup and symlinks) and the version it reports. */
  terraform: { path: string; version: string };
  /** The init-relevant parts of the .tf files (backend.tf.json included), local modules followed. */
  config: string;
  /** `.terraform.lock.hcl`. */
  lock: string | null;
  /** TF_PLUGIN_CACHE_DIR. */
  pluginCacheDir: string | null;
  /** The CLI config file (TF_CLI_CONFIG_FILE, else ~/.terraformrc) and its contents. */
  cliConfig: { path: string; contents: string | null };
  /** TF_CLI_ARGS, TF_CLI_ARGS_init and other variables init reads. */
  env: string;
}

/** What the last successful init left, to tell an intact `.terraform` from a damaged one. */
interface InitRecord {
  fingerprint: InitFingerprint;
  /** backend.tf.json as tfwrap wrote it (-reconfigure when it changes). */
  backend: string | null;
  /** The arguments of an explicit `tfwrap init` (e.g. -backend-config), kept for later runs. */
  explicitArgs: string | null;
  /** `.terraform/terraform.tfstate` (the initialized backend) and `.terraform/modules/modules.json`. */
  backendState: string | null;
  modules: string | null;
}

export interface InitContext {
  componentDir: string;
  /** The environment terraform runs with. */
  env: Env;
  /** `terraform`, `tofu` or a path. */
  command: string;
  /** tfwrap's cache directory (terraform versions are cached there). */
  cacheDir: string;
  /** backend.tf.json's text, when tfwrap writes one. */
  backendText: string | undefined;
  /** backend.tf.json was rewritten in this run. */
  backendChanged: boolean;
  log: { debug(message: string): void };
}

export interface InitDecision {
  run: boolean;
  /** Why init runs ("" when skipped). */
  reason: string;
  /** Pass -reconfigure: tfwrap's backend changed since the last init. */
  reconfigure: boolean;
}

export function dataDirOf(componentDir: string, env: Env): string {
  return path.resolve(componentDir, env.TF_DATA_DIR || '.terraform');
}

function recordFile(context: InitContext): string {
  return path.join(dataDirOf(context.componentDir, context.env), INIT_RECORD);
}

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function digestOrNull(file: string): string | null {
  const text = readOrNull(file);
  return text === null ? null : digest(text);
}

/** Compute the current fingerprint of the component directory. */
async function initFingerprint(context: InitContext): Promise<InitFingerprint> {
  const { componentDir, env } = context;
  const terraform = await terraformIdentity(context);
  const config = initConfig(componentDir);
  const home = env.HOME || env.USERPROFILE || '';
  const cliConfigPath = env.TF_CLI_CONFIG_FILE ? path.resolve(componentDir, env.TF_CLI_CONFIG_FILE) : path.join(home, process.platform === 'win32' ? 'terraform.rc' : '.terraformrc');
  const envLines = ['TF_CLI_ARGS', 'TF_CLI_ARGS_init', 'TF_DATA_DIR', 'TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE', 'TF_REGISTRY_DISCOVERY_RETRY'].map((name) => `${name}=${env[name] ?? ''}`);
  return {
    format: RECORD_FORMAT,
    terraform,
    config: digest(config.lines.join('\n')),
    lock: digestOrNull(path.join(componentDir, '.terraform.lock.hcl')),
    pluginCacheDir: env.TF_PLUGIN_CACHE_DIR ? path.resolve(componentDir, env.TF_PLUGIN_CACHE_DIR) : null,
    cliConfig: { path: cliConfigPath, contents: digestOrNull(cliConfigPath) },
    env: digest(envLines.join('\n')),
  };
}

const FINGERPRINT_PARTS: Record<keyof InitFingerprint, string> = {
  format: 'record format',
  terraform: 'terraform binary or version',
  config: 'module or provider requirements, or the backend',
  lock: 'dependency lock file',
  pluginCacheDir: 'plugin cache directory',
  cliConfig: 'CLI config file',
  env: 'TF_CLI_ARGS / TF_CLI_ARGS_init / TF_DATA_DIR',
};

/**
 * Whether init must run before a command: no record, a changed input, or a `.terraform` that is
 * not what the last init left (backend state, modules, providers).
 */
export async function decideInit(context: InitContext, options: { force: boolean }): Promise<InitDecision> {
  const record = readRecord(context);
  const backend = context.backendText === undefined ? null : digest(context.backendText);
  const reconfigure = record ? record.backend !== backend : context.backendChanged || backendStateDiffers(context);
  if (options.force) return { run: true, reason: '--init', reconfigure };
  if (!record) return { run: true, reason: 'no record of a successful init in this directory', reconfigure };
  const current = await initFingerprint(context);
  for (const key of Object.keys(FINGERPRINT_PARTS) as (keyof InitFingerprint)[]) {
    if (JSON.stringify(current[key]) !== JSON.stringify(record.fingerprint[key])) return { run: true, reason: `${FINGERPRINT_PARTS[key]} changed`, reconfigure };
  }
  if (record.backend !== backend) return { run: true, reason: 'backend changed', reconfigure };
  const damage = damaged(context, record);
  if (damage) return { run: true, reason: damage, reconfigure };
  return { run: false, reason: '', reconfigure: false };
}

/** Remove the record before init runs: an init that does not finish must not look finished. */
export function forgetInit(context: InitContext): void {
  rmSync(recordFile(context), { force: true });
}

/** After init exited 0: record what it was run with. `explicitArgs` are an explicit init's arguments. */
export async function recordInit(context: InitContext, explicitArgs?: readonly string[]): Promise<void> {
  const previous = explicitArgs === undefined ? readRecord(context) : undefined;
  const dataDir = dataDirOf(context.componentDir, context.env);
  const record: InitRecord = {
    fingerprint: await initFingerprint(context),
    backend: context.backendText === undefined ? null : digest(context.backendText),
    explicitArgs: explicitArgs === undefined ? (previous?.explicitArgs ?? null) : explicitArgs.length ? argsDigest(context.componentDir, explicitArgs) : null,
    backendState: digestOrNull(path.join(dataDir, 'terraform.tfstate')),
    modules: digestOrNull(path.join(dataDir, 'modules', 'modules.json')),
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileAtomic(path.join(dataDir, INIT_RECORD), JSON.stringify(record, null, 2) + '\n');
}

/** Explicit init arguments that leave `.terraform` partly initialized: such an init is not recorded. */
export function partialInitArgs(args: readonly string[]): boolean {
  return args.some((arg) => /^--?(backend|get)=(false|0)$/i.test(arg) || /^--?from-module(=|$)/.test(arg));
}

/** -backend-config values and the files they name (their contents count, not only their names). */
function argsDigest(componentDir: string, args: readonly string[]): string {
  const parts: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    parts.push(arg);
    const value = /^--?backend-config=(.*)$/.exec(arg)?.[1] ?? (/^--?backend-config$/.test(arg) ? args[index + 1] : undefined);
    if (value !== undefined && !value.includes('=')) parts.push(digestOrNull(path.resolve(componentDir, value)) ?? 'missing');
  }
  return digest(parts.join('\n'));
}

function readRecord(context: InitContext): InitRecord | undefined {
  const text = readOrNull(recordFile(context));
  if (text === null) return undefined;
  try {
    const record = JSON.parse(text) as InitRecord;
    return record?.fingerprint?.format === RECORD_FORMAT ? record : undefined;
  } catch {
    return undefined;
  }
}

/** Why `.terraform` is not what the recorded init left, or undefined when it is. */
function damaged(context: InitContext, record: InitRecord): string | undefined {
  const dataDir = dataDirOf(context.componentDir, context.env);
  if (digestOrNull(path.join(dataDir, 'terraform.tfstate')) !== record.backendState) return `${path.basename(dataDir)}/terraform.tfstate (the initialized backend) changed`;
  const modulesText = readOrNull(path.join(dataDir, 'modules', 'modules.json'));
  if ((modulesText === null ? null : digest(modulesText)) !== record.modules) return 'installed modules changed';
  if (modulesText !== null) {
    try {
      const modules = (JSON.parse(modulesText) as { Modules?: { Dir?: string }[] }).Modules ?? [];
      const missing = modules.find((module) => module.Dir && !statSync(path.resolve(context.componentDir, module.Dir), { throwIfNoEntry: false })?.isDirectory());
      if (missing) return `module directory ${missing.Dir} is missing`;
    } catch {
      return 'modules.json cannot be read';
    }
  }
  for (const provider of lockedProviders(readOrNull(path.join(context.componentDir, '.terraform.lock.hcl')) ?? '')) {
    // A directory, or a link into the plugin cache: statSync follows it (a dangling link is missing).
    const installed = path.join(dataDir, 'providers', provider.address, provider.version, platform());
    if (!statSync(installed, { throwIfNoEntry: false })) return `provider ${provider.address} ${provider.version} is not installed`;
  }
  return undefined;
}

/** `provider "registry.terraform.io/hashicorp/aws" { version = "5.100.0" ... }` entries of a lock file. */
export function lockedProviders(lock: string): { address: string; version: string }[] {
  return [...lock.matchAll(/^provider\s+"([^"]+)"\s*\{[^}]*?^\s*version\s*=\s*"([^"]+)"/gm)].map((m) => ({ address: m[1]!, version: m[2]! }));
}

function platform(): string {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const arch = ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' } as Record<string, string>)[process.arch] ?? process.arch;
  return `${os}_${arch}`;
}

/**
 * No record (first run with this tfwrap, or after an interrupted init): is the initialized backend
 * (`.terraform/terraform.tfstate`) a different one from backend.tf.json? Then init needs -reconfigure.
 */
function backendStateDiffers(context: InitContext): boolean {
  if (context.backendText === undefined) return false;
  const stored = readOrNull(path.join(dataDirOf(context.componentDir, context.env), 'terraform.tfstate'));
  if (stored === null) return false;
  try {
    const backend = (JSON.parse(stored) as { backend?: { type?: string; config?: Record<string, unknown> } }).backend;
    const wanted = (JSON.parse(context.backendText) as { terraform: { backend: Record<string, Record<string, unknown>> } }).terraform.backend;
    const [type, config] = Object.entries(wanted)[0]!;
    if (!backend || backend.type !== type) return true;
    const storedConfig = backend.config ?? {};
    for (const [key, value] of Object.entries(storedConfig)) {
      if (value === null) continue;
      if (JSON.stringify(value) !== JSON.stringify(config[key])) return true;
    }
    return Object.keys(config).some((key) => storedConfig[key] === undefined || storedConfig[key] === null);
  } catch {
    return true;
  }
}

/** Where a command name is found on PATH (like a shell), or undefined. */
function findOnPath(command: string, env: Env, cwd: string): string | undefined {
  if (command.includes('/') || command.includes('\\')) return path.resolve(cwd, command);
  const extensions = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const extension of extensions) {
      const candidate = path.join(dir, command + extension);
      const stat = statSync(candidate, { throwIfNoEntry: false });
      if (stat?.isFile() && (process.platform === 'win32' || (stat.mode & 0o111) !== 0)) return candidate;
    }
  }
  return undefined;
}

/**
 * The binary and its version. `terraform version -json` runs once per binary (cached by path, mtime
 * and size in tfwrap's cache); a script (a version-manager shim such as tfenv) is asked every time,
 * since the version it runs can change without the script changing.
 */
async function terraformIdentity(context: InitContext): Promise<{ path: string; version: string }> {
  const found = findOnPath(context.command, context.env, context.componentDir);
  if (!found) return { path: context.command, version: 'not found' };
  let binary: string;
  try {
    binary = realpathSync(found);
  } catch {
    return { path: found, version: 'not found' };
  }
  const stat = statSync(binary);
  const key = `${stat.mtimeMs}:${stat.size}`;
  const script = isScript(binary);
  const cacheFile = path.join(context.cacheDir, 'terraform-versions.json');
  let cache: Record<string, { key: string; version: string }> = {};
  if (!script) {
    try {
      cache = JSON.parse(readFileSync(cacheFile, 'utf8')) as typeof cache;
      const hit = cache[binary];
      if (hit?.key === key) return { path: binary, version: hit.version };
    } catch {
      cache = {};
    }
  }
  const version = await askVersion(found, context);
  if (!script && !version.startsWith('unknown')) {
    cache[binary] = { key, version };
    try {
      mkdirSync(context.cacheDir, { recursive: true });
      writeFileAtomic(cacheFile, JSON.stringify(cache) + '\n');
    } catch (err) {
      context.log.debug(`cannot cache the terraform version: ${(err as Error).message}`);
    }
  }
  return { path: binary, version };
}

function isScript(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(2);
    readSync(fd, head, 0, 2, 0);
    return head.toString() === '#!';
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function askVersion(binary: string, context: InitContext): Promise<string> {
  context.log.debug(`[${context.componentDir}] ${binary} version -json`);
  return new Promise((resolve) => {
    execFile(binary, ['version', '-json'], { env: context.env, cwd: context.componentDir, timeout: 30_000 }, (err, stdout) => {
      if (err) return resolve(`unknown (${(err as NodeJS.ErrnoException).code ?? 'failed'})`);
      try {
        const parsed = JSON.parse(stdout) as { terraform_version?: string };
        if (parsed.terraform_version) return resolve(parsed.terraform_version);
      } catch {
        // not JSON: the first line (`Terraform v1.11.4`, `OpenTofu v1.8.0`)
      }
      resolve(stdout.split('\n')[0]?.trim() || 'unknown');
    });
  });
}

/**
 * The stacks part of `tfwrap validate`: every stack loads, every component resolves (inheritance,
 * templates, functions' arguments, stack commands), dependencies are known and acyclic, the
 * identities components name exist, no two components share a Terraform state and no two stacks a
 * name. All problems at once, each located.
 *
 * Resolving every component of a large repository is most of the work (100,000 components for
 * 1,000 stacks of 50), and a stack's result depends only on the files of its import closure: it is
 * kept between runs (closure-cache.ts, content-stamped), so a second `validate` resolves only the
 * stacks whose files changed. The state-conflict and name checks span stacks: they run on every
 * run, over each stack's kept component states. A stack whose closure reads the environment, runs a
 * command, includes a file or reads another stack is validated on every run.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { readFileSync, statSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TfwrapError, TfwrapErrors, locate, parseYaml, type SourceLocation } from '@tfwrap/core';
import { ClosureCache } from './closure-cache.js';
import type { Manifest } from './manifest.js';
import type { StackEntry, StackRepository } from './repository.js';
import type { ComponentInstance } from './stack.js';
import { StateConflicts, type ComponentState } from './state-conflicts.js';
import { unactedIn } from './unsupported.js';
import { valueAt } from './merge.js';
import { selfReadingEnv, type FunctionRead } from './yaml-functions.js';

export interface StacksValidation {
  stacks: number;
  components: number;
  problems: TfwrapError[];
  /** Found but allowed: imports outside the repository, what tfwrap reads but does not act on. */
  warnings: TfwrapError[];
  /** Stacks whose result came from the cache (not resolved again). */
  fromCache: number;
}

export interface StacksValidationOptions {
  /** The identities defined; undefined when the configuration did not load (not checked then). */
  identities?: readonly string[];
  /** tfwrap's cache directory: results are kept between runs there; none without it. */
  cacheDir?: string;
  /** Threads resolving stacks at once; default one per CPU (at most 8), each for at least 100 stacks (starting one costs more than that saves). */
  workers?: number;
  /** Told, as this thread finishes each run of stacks, how many of the stacks to resolve the threads have taken up so far. */
  onProgress?: (started: number, total: number) => void;
}

/** Below this many stacks to resolve, starting threads (each loads tfwrap and the shared catalogs) costs more than it saves. */
const STACKS_PER_WORKER = 100;

/** Stacks taken at a time by a thread: neighbours share catalogs, and small runs keep threads busy to the end. */
const STACKS_PER_RUN = 10;

/**
 * Validate `entries`, by name. Many stacks are shared out over worker threads and this one, in
 * contiguous runs each thread claims from a shared counter when it is free (this thread may have
 * parsed manifests already, naming the stacks, and so go faster); results come back as data.
 */
async function validateAll(
  validator: StackValidator,
  entries: readonly StackEntry[],
  context: { repo: StackRepository; stacks: readonly StackEntry[]; identities: readonly string[] | undefined; workers: number | undefined; onProgress?: (started: number, total: number) => void },
): Promise<Map<string, ValidatedStack>> {
  const results = new Map<string, ValidatedStack>();
  const threads = Math.max(1, Math.min(entries.length, context.workers ?? Math.min(availableParallelism(), Math.floor(entries.length / STACKS_PER_WORKER), 8)));
  const nextRun = new Int32Array(new SharedArrayBuffer(4));
  const others = Array.from({ length: threads - 1 }, () => validateInWorker(entries, nextRun, context));
  // A thread that fails while this one still works is reported by Promise.all below, not as an unhandled rejection.
  for (const other of others) other.catch(() => undefined);
  for (const run of runsClaimed(entries, nextRun)) {
    for (const entry of run) results.set(entry.name, await validator.validate(entry));
    context.onProgress?.(Math.min(entries.length, Atomics.load(nextRun, 0) * STACKS_PER_RUN), entries.length);
  }
  for (const validated of await Promise.all(others)) {
    for (const [name, result] of validated) results.set(name, result);
  }
  return results;
}

/** The runs of `entries` this thread claims, one at a time, until none is left. */
export function* runsClaimed<T>(entries: readonly T[], nextRun: Int32Array): Generator<readonly T[]> {
  for (;;) {
    const start = Atomics.add(nextRun, 0, 1) * STACKS_PER_RUN;
    if (start >= entries.length) return;
    yield entries.slice(start, start + STACKS_PER_RUN);
  }
}

/** Validate, in a worker thread (validation-worker.ts), the runs of `entries` it claims. */
function validateInWorker(entries: readonly StackEntry[], nextRun: Int32Array, context: { repo: StackRepository; stacks: readonly StackEntry[]; identities: readonly string[] | undefined }): Promise<Array<[string, ValidatedStack]>> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./validation-worker.js', import.meta.url), {
      workerData: { settings: context.repo.settings, identities: context.identities, stacks: context.stacks, entries, nextRun } satisfies ValidationWorkerInput,
    });
    worker.once('message', (results: Array<[string, ValidatedStack]>) => resolve(results));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`stack validation thread exited with ${code}`)));
  });
}

/** What a validation worker is given. */
export interface ValidationWorkerInput {
  settings: StackRepository['settings'];
  identities: readonly string[] | undefined;
  /** Every stack, as listed by the main thread (the worker does not scan again). */
  stacks: readonly StackEntry[];
  /** The stacks to validate, shared out in runs (runsClaimed). */
  entries: readonly StackEntry[];
  /** The next run to claim, shared by every thread. */
  nextRun: Int32Array;
}

/** A TfwrapError as data (JSON), to keep between runs. */
type ProblemData = { code: TfwrapError['code']; detail: string } & Partial<Pick<TfwrapError, 'hint' | 'location' | 'plugin' | 'identity' | 'chain' | 'configPath' | 'command' | 'stackName' | 'component' | 'subject'>>;

/** What validating one stack found, as kept between runs. */
interface StackResult {
  components: number;
  problems: ProblemData[];
  warnings: ProblemData[];
  /**
   * Each real component's name and a 53-bit hash of its state id: enough to see that no two share a
   * state. The stacks of a possible conflict are resolved again for the message (it names places).
   */
  states: Array<[string, number]>;
}

export async function validateStacks(repo: StackRepository, options: StacksValidationOptions = {}): Promise<StacksValidation> {
  const result: StacksValidation = { stacks: 0, components: 0, problems: [], warnings: [], fromCache: 0 };
  let entries: StackEntry[];
  try {
    entries = await repo.listStacks();
  } catch (err) {
    result.problems.push(...problemsIn(err));
    return result;
  }
  result.stacks = entries.length;
  // One Terraform state per (stack, component); one name per stack once `/` is `-`.
  const conflicts = new StateConflicts(repo.settings.rootDir);
  for (const entry of entries) conflicts.addStack(entry);
  for (const file of await repo.unnamedByPattern()) {
    result.warnings.push(new TfwrapError('E_STACK_INVALID', `stack manifest ${file} lacks a var that stacks.name_pattern/name_template needs; it is named by its path`, {
      location: { file }, hint: 'set the var (such as stage) in the manifest or a file it imports, or give it a name:',
    }));
  }
  const identities = options.identities ? [...options.identities].sort() : undefined;
  const cache = options.cacheDir === undefined ? undefined : new ClosureCache<StackResult>(
    ClosureCache.fileFor(options.cacheDir, 'validation', repo.settings.stacksBasePath, [1, buildStamp(), repo.settings, identities ?? null]),
    (dir, pattern) => repo.importGlob(dir, pattern),
    'content',
  );
  const validator = new StackValidator(repo, identities ? new Set(identities) : undefined);
  const keyOf = (entry: StackEntry) => `${entry.name}\0${entry.files.join('\0')}`;
  const kept = entries.map((entry) => cache?.lookup(keyOf(entry)));
  const validated = await validateAll(validator, entries.filter((_entry, index) => kept[index] === undefined), { repo, stacks: entries, identities, workers: options.workers, onProgress: options.onProgress });
  // Full states of the stacks validated in this run, for the conflicts' messages.
  const fullStates = new Map<string, ComponentState[]>();
  const stackOfState = new Map<number, string>();
  const conflicting = new Set<string>();
  for (const [index, entry] of entries.entries()) {
    let found = kept[index];
    if (found) result.fromCache++;
    else {
      const fresh = validated.get(entry.name)!;
      found = fresh.result;
      if (fresh.states) fullStates.set(entry.name, fresh.states);
      if (fresh.dependencies) cache?.store(keyOf(entry), found, fresh.dependencies.files, fresh.dependencies.globs);
    }
    result.components += found.components;
    result.problems.push(...found.problems.map(fromData));
    result.warnings.push(...found.warnings.map(fromData));
    for (const [, hash] of found.states) {
      const other = stackOfState.get(hash);
      if (other === undefined) stackOfState.set(hash, entry.name);
      else conflicting.add(other).add(entry.name);
    }
  }
  cache?.save();
  // Stacks that may share a state: compared by their full states, in order (the message names the later one).
  for (const entry of entries) {
    if (!conflicting.has(entry.name)) continue;
    const states = fullStates.get(entry.name) ?? (await validator.validate(entry)).states!;
    for (const state of states) conflicts.addState(state);
  }
  result.problems.push(...(await conflicts.located()));
  return result;
}

/** What validating one stack in this run gave: its result, and what it depends on when it may be kept. */
export interface ValidatedStack {
  result: StackResult;
  /** Its components' full states (not sent back by a worker: a possible conflict validates the stack again). */
  states?: ComponentState[];
  dependencies?: { files: string[]; globs: Array<[string, string]> };
}

/** Validates one stack at a time, sharing what stacks share (a catalog's warnings). */
export class StackValidator {
  private readonly manifestWarnings = new WeakMap<Manifest, Promise<TfwrapError[]>>();
  private readonly nameWarnings = new WeakMap<Manifest, TfwrapError[]>();
  private readonly conflicts: StateConflicts;

  constructor(
    private readonly repo: StackRepository,
    private readonly known: ReadonlySet<string> | undefined,
  ) {
    this.conflicts = new StateConflicts(repo.settings.rootDir);
  }

  async validate(entry: StackEntry): Promise<ValidatedStack> {
    const problems: TfwrapError[] = [];
    const result: StackResult = { components: 0, problems: [], warnings: [], states: [] };
    const states: ComponentState[] = [];
    let loaded = false;
    try {
      const stack = await this.repo.loadStack(entry.name);
      loaded = true;
      // Component by component, so that one broken component does not hide the others.
      const components: ComponentInstance[] = [];
      for (const name of stack.componentNames()) {
        try {
          components.push(await stack.component(name));
        } catch (err) {
          problems.push(...problemsIn(err));
        }
      }
      result.components = components.length;
      for (const component of components) {
        const state = this.conflicts.stateOf(component, entry.files);
        if (state) {
          states.push(state);
          result.states.push([state.name, stateHash(state.id)]);
        }
      }
      if (components.length === stack.componentNames().length) await stack.dependencyLevels();
      for (const component of components) {
        const identity = component.auth?.identity;
        if (this.known && typeof identity === 'string' && !this.known.has(identity)) {
          problems.push(new TfwrapError('E_IDENTITY_UNKNOWN', `component '${component.name}' of stack '${entry.name}' uses identity "${identity}", which is not defined`, {
            location: await locateIdentity(component.sources, component.name),
            hint: this.known.size ? `known identities: ${[...this.known].join(', ')}` : 'define it under auth.identities in tfwrap.yaml',
          }));
        }
      }
    } catch (err) {
      // A manifest with several problems reports them all (TfwrapErrors).
      problems.push(...problemsIn(err));
    }
    let dependencies: { files: string[]; globs: Array<[string, string]> } | undefined;
    try {
      const manifests = this.repo.closureManifests(entry);
      const warnings = await this.repo.warnings(new Set(manifests.map((manifest) => manifest.file)));
      for (const manifest of manifests) warnings.push(...(await this.warningsOf(manifest)));
      // A stack its manifest names (name:) is not named from vars.
      const root = manifests.find((manifest) => manifest.file === entry.file)?.document as { name?: unknown } | undefined;
      if (typeof root?.name !== 'string') for (const manifest of manifests) warnings.push(...this.nameWarningsOf(manifest));
      result.warnings = warnings.map(toData);
      // Kept between runs only when it loaded: a stack that did not names no files to watch.
      if (loaded) dependencies = this.repo.closureDependencies(manifests);
    } catch {
      // the closure did not load: its problem is reported above
    }
    result.problems = problems.map(toData);
    return { result, states, dependencies };
  }

  /** The functions of a manifest that give a var stacks are named by (see functionsNamingStacks), once per manifest. */
  private nameWarningsOf(manifest: Manifest): TfwrapError[] {
    let warnings = this.nameWarnings.get(manifest);
    if (!warnings) {
      warnings = functionsNamingStacks(manifest.functionReads ?? [], this.repo.settings).map((read) => new TfwrapError('E_STACK_INVALID',
        `vars.${read.path.at(-1)}: ${read.text} decides the stack's name: Atmos names the stack from the function's text ("${read.text}"), tfwrap from its value`, {
          location: read.line === undefined ? { file: read.file } : { file: read.file, line: read.line },
          hint: 'write the value out: Atmos evaluates no function where it names stacks',
        }));
      this.nameWarnings.set(manifest, warnings);
    }
    return warnings;
  }

  /** What a manifest says and tfwrap does not act on (once per manifest: a catalog is in every closure). */
  private warningsOf(manifest: Manifest): Promise<TfwrapError[]> {
    let warnings = this.manifestWarnings.get(manifest);
    if (!warnings) {
      const selfReads = selfReadingEnv(manifest.functionReads ?? []).map((read) => new TfwrapError('E_STACK_INVALID',
        `env: ${read.name}: !env ${read.name} gives the text "!env ${read.name}", not the environment's ${read.name}: Atmos's !env looks in the component's env: first, where ${read.name} is this function`, {
          location: read.line === undefined ? { file: read.file } : { file: read.file, line: read.line },
          hint: `leave ${read.name} out of env: (Terraform inherits the environment), or give it a value`,
        }));
      warnings = Promise.all(unactedIn(manifest, this.repo.settings.templates.enabled).map(async (item) => new TfwrapError('E_STACK_INVALID', item.message, {
        location: item.line !== undefined ? { file: item.file, line: item.line } : await locate(item.file, item.yamlPath),
        hint: item.hint,
      }))).then((unacted) => [...unacted, ...selfReads]);
      this.manifestWarnings.set(manifest, warnings);
    }
    return warnings;
  }
}

/**
 * The functions evaluated when the file was read (`!env`, `!exec`, ...) that give a stack-wide var
 * `stacks.name_template` or `name_pattern` names stacks by. Atmos names stacks from the manifests
 * before it evaluates such functions (only `!include` is evaluated when parsing), so its name holds
 * the function's text where tfwrap's holds the value.
 */
function functionsNamingStacks(reads: readonly FunctionRead[], settings: { namePattern?: string; nameTemplate?: string }): FunctionRead[] {
  const { namePattern, nameTemplate } = settings;
  const names = nameTemplate !== undefined ? [...nameTemplate.matchAll(/\.vars\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]!)
    : namePattern !== undefined ? [...namePattern.matchAll(/\{(namespace|tenant|environment|stage)\}/g)].map((match) => match[1]!) : [];
  if (names.length === 0) return [];
  return reads.filter(({ path: at }) => names.includes(at.at(-1) ?? '')
    && ((at.length === 2 && at[0] === 'vars') || (at.length === 3 && at[0] === 'terraform' && at[1] === 'vars')));
}

/**
 * A 53-bit hash of a state's address (cyrb53's mixing): states are compared across stacks by it
 * and a match is confirmed on the full states, so it need not be cryptographic, only fast (one per
 * component: a SHA-256 each was 5% of validating 100,000 components).
 */
function stateHash(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

function toData(problem: TfwrapError): ProblemData {
  const { code, detail, hint, location, plugin, identity, chain, configPath, command, stackName, component, subject } = problem;
  return JSON.parse(JSON.stringify({ code, detail, hint, location, plugin, identity, chain, configPath, command, stackName, component, subject })) as ProblemData;
}

function fromData(data: ProblemData): TfwrapError {
  const { code, detail, ...options } = data;
  return new TfwrapError(code, detail, options);
}

/** The problems a thrown TfwrapError or TfwrapErrors carries; anything else is rethrown. */
function problemsIn(err: unknown): TfwrapError[] {
  if (err instanceof TfwrapErrors) return err.errors;
  if (err instanceof TfwrapError) return [err];
  throw err;
}

// The bundle defines this build's id (scripts/bundle.mjs), the same in its ES-module chunks and in main.cjs.
declare const TFWRAP_BUILD_ID: string | undefined;

/**
 * This build of tfwrap: results kept by another build are not used (the rules may have changed).
 * Unbundled (the packages' own dist, as tests import them), the stamps of the package's files.
 */
function buildStamp(): string {
  if (typeof TFWRAP_BUILD_ID === 'string') return TFWRAP_BUILD_ID;
  const dir = path.dirname(fileURLToPath(import.meta.url));
  return readdirSync(dir).filter((file) => file.endsWith('.js')).sort().map((file) => {
    const stat = statSync(path.join(dir, file), { throwIfNoEntry: false });
    return `${file}:${stat?.mtimeMs ?? 0}:${stat?.size ?? 0}`;
  }).join(',');
}

/** Where a component's `auth.identity` is written: the last file of its layers that sets it. */
async function locateIdentity(sources: readonly string[], component: string): Promise<SourceLocation | undefined> {
  const paths = [['components', 'terraform', component, 'auth', 'identity'], ['terraform', 'auth', 'identity'], ['auth', 'identity']];
  for (const file of [...sources].reverse()) {
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(file, 'utf8'), file);
    } catch {
      continue;
    }
    for (const keys of paths) {
      if (valueAt(doc, keys) !== undefined) return locate(file, keys);
    }
  }
  return sources.length ? { file: sources[sources.length - 1]! } : undefined;
}

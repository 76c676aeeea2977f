/**
 * The identity graph: chains built by following `via.identity`, and the static checks
 * `tfwrap auth validate` runs (no network): kinds, per-kind schemas, links, cycles, depth.
 */
import { closest } from 'fastest-levenshtein';
import * as v from 'valibot';
import { locate } from './config.js';
import { schemaProblems } from './did-you-mean.js';
import { TfwrapError } from './errors.js';
import type { IdentityConfig } from './identity.js';
import { unknownKind, type IdentityKindRegistry } from './registry.js';

/** The longest chain tfwrap follows; deeper graphs are almost certainly a mistake. */
export const MAX_CHAIN_DEPTH = 10;

export type Identities = Readonly<Record<string, IdentityConfig>>;

/** Names from the root to `target`, or an error naming the broken link or the cycle. */
export function buildChain(identities: Identities, target: string): string[] {
  const chain: string[] = [];
  for (let name: string | undefined = target; name !== undefined; ) {
    const identity: IdentityConfig | undefined = identities[name];
    if (!identity) {
      throw chain.length === 0
        ? unknownIdentity(name, Object.keys(identities))
        : new TfwrapError('E_IDENTITY_UNKNOWN', `identity "${chain[chain.length - 1]}" chains via "${name}", which is not defined`, {
            identity: chain[chain.length - 1],
            hint: suggestion(name, Object.keys(identities)) ?? 'define it under auth.identities',
          });
    }
    if (chain.includes(name)) {
      const cycle = [...chain.slice(chain.indexOf(name)), name];
      throw new TfwrapError('E_IDENTITY_CYCLE', `identity chain has a cycle: ${cycle.join(' -> ')}`, { chain: cycle, hint: 'one identity in the loop must not have via:' });
    }
    chain.push(name);
    if (chain.length > MAX_CHAIN_DEPTH) {
      throw new TfwrapError('E_CHAIN_TOO_DEEP', `identity "${target}" chains through more than ${MAX_CHAIN_DEPTH} identities (${chain.join(' -> ')} -> ...)`, {
        identity: target,
        chain: [...chain].reverse(),
        hint: `tfwrap follows at most ${MAX_CHAIN_DEPTH} steps`,
      });
    }
    name = identity.via?.identity;
  }
  return chain.reverse();
}

export function unknownIdentity(name: string, known: string[]): TfwrapError {
  return new TfwrapError('E_IDENTITY_UNKNOWN', `identity "${name}" is not defined`, {
    identity: name,
    hint: suggestion(name, known) ?? (known.length ? `known identities: ${known.join(', ')}` : 'define identities under auth.identities in tfwrap.yaml'),
  });
}

function suggestion(name: string, known: string[]): string | undefined {
  if (!known.length) return undefined;
  const near = closest(name, known);
  return near ? `did you mean "${near}"? (tfwrap auth list shows them all)` : undefined;
}

/** Every static problem in the auth section, each with file and line where the file is YAML. */
export async function validateIdentities(identities: Identities, kinds: IdentityKindRegistry, file: string | undefined): Promise<TfwrapError[]> {
  const problems: TfwrapError[] = [];
  const names = Object.keys(identities);
  const at = (name: string, ...rest: Array<string | number>) => locate(file, ['auth', 'identities', name, ...rest]);

  for (const name of names) {
    const identity = identities[name]!;
    const kind = kinds.get(identity.kind);
    if (!kind) {
      const err = unknownKind(identity.kind, name, kinds.names());
      problems.push(err.with({ location: await at(name, 'kind'), configPath: ['auth', 'identities', name, 'kind'] }));
      continue;
    }
    const via = identity.via?.identity;
    const rule = kind.via ?? 'none';
    const schemaProblems = await checkSchema(name, identity, kind.schema, kind.plugin, file);
    problems.push(...schemaProblems);
    // A kind's schema (the kit's identitySchema) may already refuse via:; then it is said once, by the plugin.
    const schemaSaidVia = schemaProblems.some((err) => err.configPath?.length === 4 && err.configPath[3] === 'via');
    if (via !== undefined && rule === 'none' && !schemaSaidVia) {
      problems.push(new TfwrapError('E_IDENTITY_INVALID', `identity "${name}" (kind ${identity.kind}) takes no via:, but chains via "${via}"`, {
        identity: name,
        location: await at(name, 'via'),
        hint: `${identity.kind} finds its own credentials; remove via:`,
      }));
    } else if (via === undefined && rule === 'required') {
      problems.push(new TfwrapError('E_IDENTITY_INVALID', `identity "${name}" (kind ${identity.kind}) needs via.identity: the identity whose credentials it starts from`, {
        identity: name,
        location: await at(name),
        hint: 'add via: { identity: <name> }, for example an aws/ambient identity',
      }));
    } else if (via !== undefined && !identities[via]) {
      problems.push(new TfwrapError('E_IDENTITY_UNKNOWN', `identity "${name}" chains via "${via}", which is not defined`, {
        identity: name,
        location: await at(name, 'via', 'identity'),
        hint: suggestion(via, names) ?? 'define it under auth.identities',
      }));
    } else if (via !== undefined) {
      const parent = kinds.get(identities[via]!.kind);
      const chainProblem = kind.checkChain?.({ name, config: identity }, { name: via, kind: identities[via]!.kind, config: identities[via]! });
      if (chainProblem) {
        problems.push(new TfwrapError('E_IDENTITY_INVALID', `identity "${name}" (kind ${identity.kind}): ${chainProblem}`, {
          identity: name,
          location: await at(name, 'principal'),
          plugin: kind.plugin,
          hint: `see the ${identity.kind} documentation`,
        }));
      }
      if (parent && kind.accepts && !(parent.produces ?? []).some((type) => kind.accepts!.includes(type))) {
        problems.push(new TfwrapError('E_CHAIN_INCOMPATIBLE', `identity "${name}" (kind ${identity.kind}) cannot chain via "${via}" (kind ${parent.kind}): it needs ${kind.accepts.join(' or ')} credentials, and ${parent.kind} yields ${parent.produces?.join(', ') || 'none'}`, {
          identity: name,
          location: await at(name, 'via', 'identity'),
          hint: 'chain via an identity that yields credentials, such as aws/ambient',
        }));
      }
    }
  }

  // Cycles and depth, reported once per cycle.
  const reported = new Set<string>();
  for (const name of names) {
    try {
      buildChain(identities, name);
    } catch (err) {
      if (!(err instanceof TfwrapError) || (err.code !== 'E_IDENTITY_CYCLE' && err.code !== 'E_CHAIN_TOO_DEEP')) continue;
      const key = err.code === 'E_IDENTITY_CYCLE' ? [...new Set(err.chain)].sort().join() : name;
      if (reported.has(key)) continue;
      reported.add(key);
      problems.push(err.with({ location: await at(name, 'via') }));
    }
  }

  const defaults = names.filter((name) => identities[name]!.default === true);
  if (defaults.length > 1) {
    problems.push(new TfwrapError('E_IDENTITY_INVALID', `more than one identity is marked default: ${defaults.join(', ')}`, {
      location: await at(defaults[1]!, 'default'),
      hint: 'keep default: true on one identity',
    }));
  }
  return problems;
}

/**
 * Check one identity against its kind's schema; each issue names the field and its line, and an
 * unknown field the nearest one the kind takes.
 */
export async function checkSchema(name: string, identity: IdentityConfig, schema: v.GenericSchema, plugin: string, file: string | undefined): Promise<TfwrapError[]> {
  const result = v.safeParse(schema, identity);
  if (result.success) return [];
  return Promise.all(
    schemaProblems(schema, result.issues).map(async ({ path, message, unknownKey }) => {
      const configPath = ['auth', 'identities', name, ...path];
      const options = { identity: name, configPath, location: await locate(file, configPath), plugin };
      if (unknownKey) {
        const at = path.length > 1 ? ` ${path.slice(0, -1).join('.')}` : '';
        const known = unknownKey.known.filter((key) => key !== 'kind');
        return new TfwrapError('E_IDENTITY_INVALID', `unknown field "${unknownKey.key}" in identity "${name}"${at}${unknownKey.suggestion ? ` (did you mean "${unknownKey.suggestion}"?)` : ''}`, {
          ...options,
          hint: known.length ? `${identity.kind}${at} takes ${known.join(', ')}` : `see the ${identity.kind} documentation for its fields`,
        });
      }
      const field = path.length ? path.join('.') : 'entry';
      return new TfwrapError('E_IDENTITY_INVALID', `identity "${name}" (kind ${identity.kind}): ${field}: ${message}`, {
        ...options,
        hint: `see the ${identity.kind} documentation for its fields`,
      });
    }),
  );
}

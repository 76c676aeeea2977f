/**
 * JSON Schema for `tfwrap.yaml` and for stack manifests, for editors (yaml-language-server,
 * VS Code, JetBrains). Made from the valibot schemas that validate at run time: core's
 * configuration schema, each registered identity kind's schema, so an installed plugin's kind
 * is completed and checked like a built-in one (identities are a `oneOf` told apart by `kind`),
 * and @tfwrap/stacks' manifest schema.
 */
import { toJsonSchema, type JsonSchema } from '@valibot/to-json-schema';
import { configSchema, type IdentityKindDefinition } from '@tfwrap/core';
// The schema @tfwrap/stacks validates each manifest file with: the editor's view is the loader's.
import { stackManifestSchema } from '@tfwrap/stacks/manifest-schema';

export { stackManifestSchema };

export type { JsonSchema };

type Kind = Pick<IdentityKindDefinition, 'kind' | 'description' | 'schema'> & { plugin?: string };

const CONVERT = { errorMode: 'ignore', target: 'draft-07' } as const;

/** The schema of one kind's identity entries, with `kind` pinned to the kind's name. */
export function kindJsonSchema(kind: Kind): JsonSchema {
  const schema = toJsonSchema(kind.schema, CONVERT) as Record<string, unknown>;
  delete schema.$schema;
  const properties = { ...(schema.properties as Record<string, unknown> | undefined), kind: { const: kind.kind } };
  const required = [...new Set(['kind', ...((schema.required as string[] | undefined) ?? [])])];
  return {
    ...schema,
    title: kind.kind,
    description: [kind.description, kind.plugin ? `(plugin ${kind.plugin})` : undefined].filter(Boolean).join(' '),
    type: 'object',
    properties,
    required,
  } as JsonSchema;
}

/** A definitions key for a kind: no `/`, which a JSON pointer would have to escape. */
function definitionName(kind: string): string {
  return `identity-${kind.replace(/[^\w-]/g, '_')}`;
}

/** Identity entries: one of the kinds' schemas, chosen by `kind`. */
function identitiesJsonSchema(kinds: readonly Kind[]): Record<string, unknown> {
  const definitions: Record<string, unknown> = {};
  for (const kind of kinds) definitions[definitionName(kind.kind)] = kindJsonSchema(kind);
  const names = kinds.map((k) => k.kind);
  return {
    definitions,
    identity: {
      type: 'object',
      required: ['kind'],
      properties: { kind: { type: 'string', enum: names, description: 'the identity kind; a kind from another package needs its plugin under plugins:' } },
      // if/then by kind reports the chosen kind's problems only, where oneOf would list every kind's.
      allOf: kinds.map((kind) => ({
        if: { properties: { kind: { const: kind.kind } }, required: ['kind'] },
        then: { $ref: `#/definitions/${definitionName(kind.kind)}` },
      })),
      oneOf: kinds.map((kind) => ({ properties: { kind: { const: kind.kind } } })),
    },
  };
}

/** JSON Schema for tfwrap.yaml with the given identity kinds. */
export function configJsonSchema(kinds: readonly Kind[]): JsonSchema {
  const base = toJsonSchema(configSchema, CONVERT) as Record<string, any>;
  const { definitions, identity } = identitiesJsonSchema(kinds);
  base.$id = 'https://tfwrap.dev/schema/tfwrap.json';
  base.title = 'tfwrap configuration (tfwrap.yaml)';
  base.definitions = { ...(base.definitions ?? {}), ...(definitions as object), identity };
  const auth = base.properties?.auth;
  if (auth?.properties?.identities) auth.properties.identities = { type: 'object', additionalProperties: { $ref: '#/definitions/identity' } };
  // Sections that other packages read (stacks, components, audit, ...) stay open.
  return base as JsonSchema;
}

/** JSON Schema for stack manifests; `identities` names the identities `auth.identity` may use. */
export function stackManifestJsonSchema(identities: readonly string[] = []): JsonSchema {
  const schema = toJsonSchema(stackManifestSchema, CONVERT) as Record<string, any>;
  schema.$id = 'https://tfwrap.dev/schema/stack.json';
  schema.title = 'tfwrap stack manifest';
  if (identities.length) {
    const identity = { enum: [...identities, null], description: 'an identity of tfwrap.yaml auth.identities (null: none)' };
    // Sections may be null (absent): the object is the branch of an anyOf.
    const object = (node: any) => node?.anyOf?.find((s: any) => s.type === 'object') ?? node;
    const pin = (section: any) => {
      const auth = object(section?.properties?.auth);
      if (auth?.properties?.identity) auth.properties.identity = identity;
    };
    pin(schema);
    pin(object(schema.properties.terraform));
    const components = object(schema.properties.components);
    pin(object(object(components?.properties?.terraform)?.additionalProperties));
  }
  return schema as JsonSchema;
}

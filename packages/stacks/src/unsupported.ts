/**
 * What tfwrap reads but does not act on, for `tfwrap validate` to warn about, so that nothing an
 * Atmos repository says is dropped silently: sections and keys tfwrap ignores, Go template syntax
 * (left as text), and Atmos YAML functions it does not evaluate.
 */
import { findAtmosTags } from '@tfwrap/core';
import type { Manifest } from './manifest.js';
import { sectionNames } from './manifest.js';
import { isMapping } from './settings.js';
import { deferredTagNames } from './deferred.js';

export interface Unacted {
  file: string;
  /** Where in the file (for the line); `line` instead when known. */
  yamlPath: Array<string | number>;
  line?: number;
  message: string;
}

const rootKeys = new Set<string>(['name', 'import', 'overrides', 'terraform', 'components', 'metadata', ...sectionNames]);
const terraformKeys = new Set<string>(['overrides', ...sectionNames]);
const componentKeys = new Set<string>(['metadata', 'component', ...sectionNames]);
// name and the workspace rules decide the state (state-address.ts).
const metadataKeys = new Set(['component', 'inherits', 'type', 'locked', 'enabled', 'name', 'terraform_workspace', 'terraform_workspace_pattern', 'terraform_workspace_template']);
/** Read and shown by `describe`, but not used to run anything. */
const shownOnly: Record<string, string> = {
  command: 'tfwrap runs components.terraform.command for every component',
  remote_state_backend: 'tfwrap shows it in describe but reads no remote state',
  remote_state_backend_type: 'tfwrap shows it in describe but reads no remote state',
};

/** The keys of one manifest tfwrap does not act on, and its template lines and unevaluated functions. */
export function unactedIn(manifest: Manifest, templatesEnabled = false): Unacted[] {
  const document = manifest.document;
  const found: Unacted[] = [];
  const file = manifest.file;
  const add = (yamlPath: Array<string | number>, message: string) => found.push({ file, yamlPath, message });
  if (!isMapping(document)) return found;
  const sectionsIn = (container: Record<string, unknown>, at: string[], known: Set<string>, what: string) => {
    for (const key of Object.keys(container)) {
      if (!known.has(key)) add([...at, key], `${what}${key}: is not used by tfwrap`);
      else if (shownOnly[key] && at.length > 0) add([...at, key], `${what}${key}: ${shownOnly[key]}`);
    }
  };
  sectionsIn(document, [], rootKeys, '');
  if (isMapping(document.metadata)) {
    // Stack-wide metadata (Atmos): the schema allows labels, tags, custom, enabled, locked, terraform_workspace_pattern.
    for (const key of Object.keys(document.metadata)) {
      if (!metadataKeys.has(key)) add(['metadata', key], `metadata.${key} is not used by tfwrap`);
    }
  }
  if (isMapping(document.terraform)) sectionsIn(document.terraform, ['terraform'], terraformKeys, 'terraform.');
  if (isMapping(document.components)) {
    for (const [kind, components] of Object.entries(document.components)) {
      if (kind !== 'terraform') {
        add(['components', kind], `components.${kind}: tfwrap runs Terraform components only`);
        continue;
      }
      if (!isMapping(components)) continue;
      for (const [name, component] of Object.entries(components)) {
        if (!isMapping(component)) continue;
        const at = ['components', 'terraform', name];
        sectionsIn(component, at, componentKeys, `component '${name}': `);
        if (isMapping(component.metadata)) {
          for (const key of Object.keys(component.metadata)) {
            if (!metadataKeys.has(key)) add([...at, 'metadata', key], `component '${name}': metadata.${key} is not used by tfwrap`);
          }
        }
      }
    }
  }
  for (const line of templatesEnabled ? [] : manifest.templateLines) {
    found.push({ file, yamlPath: [], line, message: 'Go template syntax ({{ }}) is left as text: templates.settings.enabled is not true in atmos.yaml' });
  }
  for (const tag of findAtmosTags(document)) {
    // Deferred ones are evaluated when a component is described or run (deferred.ts).
    if (deferredTagNames.has(tag.tag)) continue;
    found.push({ file: tag.file, yamlPath: [], line: tag.line, message: `${tag.tag} is not evaluated by tfwrap; a component using it fails to load` });
  }
  return found;
}

/**
 * What tfwrap reads but does not act on, for `tfwrap validate` to warn about, so that nothing an
 * Atmos repository says is dropped silently: sections and keys tfwrap ignores, Go template syntax
 * (left as text), and Atmos YAML functions it does not evaluate.
 */
import { didYouMean, findAtmosTags } from '@tfwrap/core';
import type { Manifest } from './manifest.js';
import { sectionNames } from './manifest.js';
import { isMapping } from './settings.js';
import { deferredTagNames } from './deferred.js';
import { isKnownEvent, stackCommandEvents } from './stack-commands.js';

export interface Unacted {
  file: string;
  /** Where in the file (for the line); `line` instead when known. */
  yamlPath: Array<string | number>;
  line?: number;
  message: string;
  hint?: string;
}

const rootKeys = new Set<string>(['name', 'import', 'overrides', 'terraform', 'components', 'metadata', ...sectionNames]);
const terraformKeys = new Set<string>(['overrides', ...sectionNames]);
const componentKeys = new Set<string>(['metadata', 'component', ...sectionNames]);
// name and the workspace rules decide the state (state-address.ts).
const metadataKeys = new Set(['component', 'inherits', 'type', 'locked', 'enabled', 'name', 'terraform_workspace', 'terraform_workspace_pattern', 'terraform_workspace_template']);
/** Read and shown by `describe`, but not used to run anything. */
const shownOnly: Record<string, string> = {
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
  // Atmos takes a component's command from terraform:, its bases, itself and overrides: only.
  if (document.command !== undefined) add(['command'], 'command: at the top of a manifest is not used (Atmos reads terraform: { command } and a component\'s command:)');
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
  for (const at of hookSectionsIn(document)) unfiredEvents(document, at, (yamlPath, message, hint) => found.push({ file, yamlPath, message, hint }));
  for (const line of templatesEnabled ? [] : manifest.templateLines) {
    found.push({ file, yamlPath: [], line, message: 'Go template syntax ({{ }}) is left as text: templates.settings.enabled is not true in atmos.yaml' });
  }
  for (const tag of findAtmosTags(document)) {
    // Deferred ones are evaluated when a component is described or run (deferred.ts); a !template
    // holding a template, in the component pass (stack.ts evaluateTemplateTags).
    if (deferredTagNames.has(tag.tag) || tag.tag === '!template') continue;
    found.push({ file: tag.file, yamlPath: [], line: tag.line, message: `${tag.tag} is not evaluated by tfwrap; a component using it fails to load` });
  }
  return found;
}

/** Where a manifest may write `hooks:`. */
function hookSectionsIn(document: Record<string, unknown>): string[][] {
  const at: string[][] = [['hooks'], ['overrides', 'hooks'], ['terraform', 'hooks'], ['terraform', 'overrides', 'hooks']];
  const components = isMapping(document.components) ? document.components.terraform : undefined;
  for (const name of isMapping(components) ? Object.keys(components) : []) at.push(['components', 'terraform', name, 'hooks']);
  return at;
}

/** Events tfwrap never fires (a typo, a helmfile event): Atmos accepts them and the entry never runs for them. */
function unfiredEvents(document: Record<string, unknown>, at: string[], add: (yamlPath: Array<string | number>, message: string, hint?: string) => void): void {
  let hooks: unknown = document;
  for (const key of at) hooks = isMapping(hooks) ? hooks[key] : undefined;
  if (!isMapping(hooks)) return;
  for (const [name, entry] of Object.entries(hooks)) {
    if (!isMapping(entry) || !Array.isArray(entry.events)) continue;
    const events = entry.events as unknown[];
    const fired = events.filter((event) => typeof event === 'string' && isKnownEvent(event)).length;
    events.forEach((event, index) => {
      if (typeof event !== 'string' || isKnownEvent(event)) return;
      add([...at, name, 'events', index],
        `stack command '${name}': event ${JSON.stringify(event)} never happens in tfwrap, ${fired === 0 ? 'so the command never runs' : 'the command does not run for it'}`,
        didYouMean(event.replaceAll('.', '-'), stackCommandEvents) ?? 'events are before-terraform-<command> or after-terraform-<command>, such as after-terraform-apply');
    });
  }
}

/**
 * A generated stacks repository at scale, for the benchmark (bench.ts) and a smoke test.
 *
 *   stacks/catalog/components/c-<i>.yaml   one per component: an abstract `c-<i>-defaults` and a real
 *                                          `c-<i>` inheriting it (depending on the previous component)
 *   stacks/catalog/level-<L>/v<k>.yaml     import levels 1..importLevels, a few variants each; level L
 *                                          imports level L+1, the last imports "catalog/components/*"
 *   stacks/deploy/group-<g>/stack-<n>.yaml the stacks: each imports a level-1 variant and overrides
 *                                          vars of every component; every 10th declares `name:`
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface GeneratedRepoOptions {
  stacks: number;
  componentsPerStack: number;
  importLevels: number;
  /** Variants per import level (default 4), so stacks do not all share one chain. */
  variantsPerLevel?: number;
  /**
   * Go templates on: stacks are named by `stacks.name_template` (no `name:`), the catalog's
   * components hold templates for the component pass (`templates.settings.enabled`).
   */
  templates?: boolean;
}

export interface GeneratedRepo {
  /** The project configuration to pass to `stacksSettingsFrom(dir, projectConfig)`. */
  projectConfig: { stacks: { base_path: string; included_paths: string[]; excluded_paths: string[]; name_template?: string }; templates?: unknown };
  /** All stack names, in generation order. */
  stackNames: string[];
  /** Component names every stack has (`c-0` ...), abstract ones left out. */
  componentNames: string[];
}

export function generateRepo(dir: string, options: GeneratedRepoOptions): GeneratedRepo {
  const { stacks, componentsPerStack, importLevels } = options;
  const templates = options.templates === true;
  const variants = options.variantsPerLevel ?? 4;
  const write = (relativePath: string, text: string) => {
    const file = path.join(dir, 'stacks', relativePath);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  };

  const componentNames = Array.from({ length: componentsPerStack }, (_, i) => `c-${i}`);
  componentNames.forEach((name, i) => {
    write(`catalog/components/${name}.yaml`, [
      'components:',
      '  terraform:',
      `    ${name}-defaults:`,
      `      metadata: { type: abstract, component: module-${i % 10} }`,
      '      vars:',
      `        name: ${name}`,
      '        enabled: true',
      `        instance_count: ${i % 5}`,
      '        tags: { owner: platform, tier: backend, managed_by: tfwrap }',
      '        zones: [a, b, c]',
      ...(templates ? ['        full_name: "{{ .atmos_component }}-{{ .atmos_stack }}-{{ .vars.stage }}"', `        bucket: "{{ .settings.team }}-{{ .workspace }}"`] : []),
      '      settings: { team: platform }',
      `    ${name}:`,
      `      metadata: { inherits: [${name}-defaults] }`,
      `      settings: { depends_on: [${i > 0 ? `c-${i - 1}` : ''}] }`,
      '      backend: { s3: { key: "' + name + '.tfstate" } }',
      '',
    ].join('\n'));
  });

  for (let level = 1; level <= importLevels; level++) {
    for (let variant = 0; variant < variants; variant++) {
      const next = level < importLevels ? `catalog/level-${level + 1}/v${variant}` : '"catalog/components/*"';
      write(`catalog/level-${level}/v${variant}.yaml`, [
        `import: [${next}]`,
        'vars:',
        `  level_${level}: v${variant}`,
        `  overridden_by_level: ${level}`,
        `  region: region-${variant}`,
        'env:',
        `  LEVEL_${level}: "v${variant}"`,
        'terraform:',
        '  backend_type: s3',
        `  backend: { s3: { bucket: state-${level}-${variant}, region: region-${variant} } }`,
        `  vars: { terraform_level: ${level} }`,
        'hooks:',
        `  level-${level}:`,
        '    events: [before-terraform-plan]',
        `    command: [echo, level-${level}]`,
        '',
      ].join('\n'));
    }
  }

  const stackNames: string[] = [];
  for (let n = 0; n < stacks; n++) {
    const group = `group-${Math.floor(n / 50)}`;
    const explicitName = n % 10 === 9 && !templates ? `named-${n}` : undefined;
    stackNames.push(templates ? `stage-${n % 3}-${n}` : explicitName ?? `deploy/${group}/stack-${n}`);
    write(`deploy/${group}/stack-${n}.yaml`, [
      ...(explicitName ? [`name: ${explicitName}`] : []),
      `import: [catalog/level-1/v${n % variants}]`,
      `vars: { stage: stage-${n % 3}, stack_number: ${n} }`,
      'components:',
      '  terraform:',
      ...componentNames.flatMap((name, i) => [
        `    ${name}:`,
        `      vars: { size: ${(n + i) % 7}, label: "${name}-${n}", tags: { stack: "${n}" } }`,
      ]),
      '',
    ].join('\n'));
  }

  return {
    projectConfig: templates
      ? {
        stacks: { base_path: 'stacks', included_paths: ['**/*'], excluded_paths: ['catalog/**'], name_template: '{{ .vars.stage | lower }}-{{ .vars.stack_number }}' },
        templates: { settings: { enabled: true, sprig: { enabled: true } } },
      }
      : { stacks: { base_path: 'stacks', included_paths: ['**/*'], excluded_paths: ['catalog/**'] } },
    stackNames,
    componentNames,
  };
}

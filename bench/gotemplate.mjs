// @tfwrap/gotemplate: what loading the package costs (so the lead can decide whether to import it
// lazily, only when a manifest has `{{`), and how long parse + execute take for an Atmos-like
// component section. Prints figures; asserts nothing.
//
//   node bench/gotemplate.mjs          BENCH_RUNS=N (default 20), BENCH_RENDERS=N (default 2000)
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median, report, repoRoot, timeCommand } from './lib.mjs';

const runs = Number(process.env.BENCH_RUNS ?? 20);
const renders = Number(process.env.BENCH_RENDERS ?? 2000);
const entry = pathToFileURL(join(repoRoot, 'packages/gotemplate/dist/index.js')).href;

// Load cost: a fresh node importing the package (and rendering once) vs. node doing nothing.
const rows = [
  ['node -e 0', median(timeCommand(process.execPath, ['-e', '0'], { runs }))],
  ['node: import @tfwrap/gotemplate', median(timeCommand(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(entry)})`], { runs }))],
  [
    'node: import + first render',
    median(timeCommand(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(entry)}); m.render('{{ .a | upper }}', { a: 'x' })`], { runs })),
  ],
];
report(`@tfwrap/gotemplate load cost (median of ${runs} process starts)`, rows, { base: 'node -e 0' });

// In-process: the import alone, then rendering a typical component section.
const t0 = performance.now();
const { parse, render } = await import(entry);
const importMs = performance.now() - t0;

const section = {
  atmos_component: 'vpc',
  atmos_stack: 'plat-ue1-dev',
  atmos_stack_file: 'deploy/dev',
  workspace: 'plat-ue1-dev',
  component: 'vpc',
  vars: { namespace: 'acme', tenant: 'plat', environment: 'ue1', stage: 'dev', region: 'us-east-1', cidr: '10.0.0.0/16', azs: ['a', 'b', 'c'] },
  settings: { config: { a: 'component-1-a', b: 'component-1-b' }, spacelift: { workspace_enabled: true } },
  env: { TF_LOG: 'INFO' },
  backend_type: 's3',
  backend: { bucket: 'acme-dev-tfstate', key: 'terraform.tfstate', region: 'us-east-1' },
};
// The component section as YAML text with templates in it, as Atmos renders it (about 40 lines).
const text = `
component: vpc
vars:
  name: "{{ .vars.namespace }}-{{ .vars.tenant }}-{{ .vars.environment }}-{{ .vars.stage }}-{{ .atmos_component }}"
  a: "{{ .settings.config.a }}"
  b: "{{ .settings.config.b | upper }}"
  region: "{{ .vars.region }}"
  cidr: "{{ .vars.cidr }}"
  availability_zones:
  {{- range .vars.azs }}
    - "{{ $.vars.region }}{{ . }}"
  {{- end }}
  tags:
    Stack: "{{ .atmos_stack }}"
    Component: "{{ .atmos_component }}"
    Workspace: "{{ .workspace }}"
    Label: {{ printf "%s/%s" .vars.tenant .vars.stage | quote }}
    Managed: {{ if eq .vars.stage "prod" }}"strict"{{ else }}"relaxed"{{ end }}
    Flags: {{ dict "spacelift" .settings.spacelift.workspace_enabled | toJson }}
settings:
  config:
    a: "{{ .settings.config.a }}"
env:
  TF_LOG: "{{ .env.TF_LOG | default "WARN" }}"
backend_type: s3
backend:
  s3:
    bucket: "{{ .vars.namespace }}-{{ .vars.stage }}-tfstate"
    key: "{{ .workspace }}/{{ .atmos_component }}.tfstate"
    region: "{{ .vars.region }}"
    dynamodb_table: "{{ .vars.namespace }}-{{ .vars.stage }}-tfstate-lock"
`;

// CPU time per call (ms): on a shared, loaded machine wall time mostly measures the queue.
const time = (fn, n) => {
  for (let i = 0; i < Math.min(200, n); i++) fn();
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / n;
};
const parsed = parse('stacks/deploy/dev.yaml', text);
const perParse = time(() => parse('stacks/deploy/dev.yaml', text), renders);
const perExecute = time(() => parsed.execute(section, { missingKey: 'error' }), renders);
const perRender = time(() => render(text, section, { name: 'stacks/deploy/dev.yaml' }), renders);
// A reference the machine's load affects the same way: a JSON round trip of the section.
const perJson = time(() => JSON.parse(JSON.stringify(section)), renders);
console.log(`\n@tfwrap/gotemplate in process (CPU time, mean of ${renders}; a ${text.split('\n').length}-line component section)`);
console.log(`  import (first, in this process; wall time)       ${importMs.toFixed(1).padStart(8)} ms`);
console.log(`  parse                                            ${(perParse * 1000).toFixed(1).padStart(8)} us`);
console.log(`  execute                                          ${(perExecute * 1000).toFixed(1).padStart(8)} us`);
console.log(`  parse + execute (render)                         ${(perRender * 1000).toFixed(1).padStart(8)} us`);
console.log(`  reference: JSON round trip of the section data    ${(perJson * 1000).toFixed(1).padStart(8)} us  (render = ${(perRender / perJson).toFixed(0)}x)`);
console.log(`  50,000 component sections (1,000 stacks x 50)   ${((perRender * 50000) / 1000).toFixed(2).padStart(8)} s`);

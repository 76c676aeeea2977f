/**
 * @tfwrap/terraform: running Terraform for the components of a stack. See docs/terraform.md.
 */
export { terraformErrorCodes } from './error-codes.js';
export { splitTerraformArgs, hasFlag, maskArgs } from './args.js';
export type { SplitArgs } from './args.js';
export { writeFileAtomic, writeComponentFiles, varfileText, backendText, BACKEND_FILE } from './files.js';
export { summaryFromLine, stripAnsi, LineSplitter, SummaryReader } from './summary.js';
export { TerraformRunner, terraformSettingsFrom, componentEnv, checkRunnable, outcomeOf, LOCKED_COMMANDS } from './runner.js';
export type { TerraformSettings, ComponentOutput, ComponentOutcome, ComponentResult, ComponentRunRequest } from './runner.js';
export { runComponents } from './stack-run.js';
export type { StackRunOptions, StackRunSummary } from './stack-run.js';
export { formatSummaryTable, formatMarkdownSummary, summaryJson, combinedExitCode, formatDuration } from './report.js';
export { withPlanFile, planFileFor } from './plan-file.js';
export { identityForComponent } from './identity.js';
export { DeferredValues, hasDeferredValues, SENSITIVE_PLACEHOLDER } from './deferred-values.js';
export type { DeferredValuesOptions } from './deferred-values.js';
export { yamlFileStore } from './file-store.js';

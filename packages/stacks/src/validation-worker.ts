/**
 * A thread of `tfwrap validate` (validation.ts): validates the runs of stacks it claims over a
 * repository object of its own, and sends back what each gave, as data.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { StackRepository } from './repository.js';
import { StackValidator, runsClaimed, type ValidatedStack, type ValidationWorkerInput } from './validation.js';

const input = workerData as ValidationWorkerInput;
const repo = new StackRepository(input.settings, process.env, { readOnlyComponents: true, stacks: input.stacks });
const validator = new StackValidator(repo, input.identities ? new Set(input.identities) : undefined);
const results: Array<[string, ValidatedStack]> = [];
for (const run of runsClaimed(input.entries, input.nextRun)) {
  for (const entry of run) {
    const { result, dependencies } = await validator.validate(entry);
    results.push([entry.name, { result, dependencies }]);
  }
}
parentPort!.postMessage(results);

// The tsc output run without the bundle, for comparison only (users run packages/cli/bin/tfwrap.cjs).
import { run } from '../../packages/cli/dist/main.js';
await run();

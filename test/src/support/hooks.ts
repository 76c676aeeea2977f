// Mocha root-hook plugin (loaded via `require` in .mocharc.json): tears down what the
// support modules started lazily, so mocha exits by itself.
import { stopSharedMoto } from './moto.js';
import { cleanupTempDirs } from './env.js';

// The SDK warns on stderr about Node 20 the first time a client is built in this process.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(120_000); // moto's stop waits up to 5 s, and far longer on a machine under load
    await stopSharedMoto();
    cleanupTempDirs();
  },
};

/**
 * Runs one OS keychain call for store.ts, in a child process so that a keychain that never
 * answers can be killed. Reads one JSON request on stdin, writes one JSON answer on stdout:
 * `{ ok: true, value }` or `{ ok: false, error }`. Secrets travel only through these pipes.
 */
import type { KeychainRequest } from './store.js';

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += (chunk as Buffer).toString('utf8');
  return text;
}

function answer(value: unknown): void {
  process.stdout.write(JSON.stringify(value));
}

async function main(): Promise<void> {
  let request: KeychainRequest;
  try {
    request = JSON.parse(await readStdin()) as KeychainRequest;
  } catch {
    return answer({ ok: false, error: 'the keychain helper got no request' });
  }
  let keyring: typeof import('@napi-rs/keyring');
  try {
    keyring = await import('@napi-rs/keyring');
  } catch (err) {
    return answer({ ok: false, error: `the keychain library cannot load on this system (${(err as Error).message.split('\n')[0]})` });
  }
  try {
    const entry = new keyring.AsyncEntry(request.service, request.account);
    if (request.op === 'get') return answer({ ok: true, value: await entry.getPassword() });
    if (request.op === 'set') {
      await entry.setPassword(request.value ?? '');
      return answer({ ok: true, value: true });
    }
    return answer({ ok: true, value: await entry.deletePassword() });
  } catch (err) {
    // The library's messages name the platform store and the reason, never the secret.
    return answer({ ok: false, error: (err as Error).message.split('\n')[0] || 'the keychain refused' });
  }
}

await main();

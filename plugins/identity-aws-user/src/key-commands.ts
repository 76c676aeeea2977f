/**
 * `tfwrap auth user configure|remove -i X`: put an IAM user's long-lived keys into the key store an
 * `aws/user` identity reads (OS keychain, or the file/memory store), or take them out. The keys are
 * read from a prompt on a terminal or from two stdin lines when piped; never from argv. Loaded
 * only when one of these commands runs (commands.ts defines them).
 */
import { TfwrapError, type CommandHandler, type Tfwrap } from '@tfwrap/plugin-kit';
import { entryName, label, openKeyStore } from './store.js';
import type { UserConfig } from './schema.js';

const KIND = 'aws/user';
const KEY_ID = /^[A-Z0-9]{16,128}$/;

type UserIdentityConfig = Pick<UserConfig, 'kind' | 'credentials'>;

export const configureKeys: CommandHandler = async (ctx) => {
  const tfwrap = await ctx.tfwrap();
  const { name, config } = userIdentity(tfwrap, ctx.options.identity as string | undefined);
  const store = openStore(tfwrap, config);
  const keys = await readKeys(name);
  tfwrap.redactor.add(keys.secretAccessKey);
  const entry = entryName(name, tfwrap.paths.realm, config.credentials?.entry);
  let where: string;
  try {
    where = await store.write(entry, keys);
  } catch (err) {
    throw new TfwrapError('E_AUTH_FAILED', `cannot store the keys of "${name}" in ${label(store.selected)}: ${tfwrap.redactor.redact((err as Error).message)}`, {
      hint:
        store.selected === 'system'
          ? `on a machine without a working keychain, run again with TFWRAP_KEYRING=file (a 0600 file under ${tfwrap.paths.configDir}), or name environment variables in credentials.access_key_id_env/secret_access_key_env`
          : 'check the permissions of tfwrap\'s config directory',
    });
  }
  // Sessions of the old keys must not outlive them.
  await tfwrap.logout(name);
  const plain = store.selected === 'file' ? ' (plain text, readable only by you)' : '';
  process.stderr.write(`tfwrap: stored the access key ${mask(keys.accessKeyId)} of "${name}" in ${where}${plain}; its cached sessions were dropped\n`);
};

export const removeKeys: CommandHandler = async (ctx) => {
  const tfwrap = await ctx.tfwrap();
  const { name, config } = userIdentity(tfwrap, ctx.options.identity as string | undefined);
  const store = openStore(tfwrap, config);
  const { removed, problems } = await store.remove(entryName(name, tfwrap.paths.realm, config.credentials?.entry));
  await tfwrap.logout(name);
  for (const problem of problems) process.stderr.write(`tfwrap: warning: ${problem}\n`);
  process.stderr.write(`tfwrap: ${removed.length ? `removed the keys of "${name}" from ${removed.join(' and ')}` : `no stored keys for "${name}"`}; its cached sessions were dropped\n`);
};

function userIdentity(tfwrap: Tfwrap, requested: string | undefined): { name: string; config: UserIdentityConfig } {
  const name = tfwrap.requireIdentity(requested);
  const identities = tfwrap.identities();
  const config = identities[name] as UserIdentityConfig | undefined;
  if (!config) {
    throw new TfwrapError('E_IDENTITY_UNKNOWN', `no identity "${name}"`, { hint: `known: ${Object.keys(identities).join(', ') || 'none'}` });
  }
  if (config.kind !== KIND) {
    throw new TfwrapError('E_USAGE', `identity "${name}" is of kind ${config.kind}; auth user configures ${KIND} identities`, { hint: 'tfwrap auth list shows the kinds' });
  }
  if (config.credentials?.access_key_id_env) {
    throw new TfwrapError('E_USAGE', `identity "${name}" reads its keys from $${config.credentials.access_key_id_env} and $${config.credentials.secret_access_key_env}; there is nothing to store`, {
      hint: 'remove credentials.access_key_id_env/secret_access_key_env to keep the keys in the keychain instead',
    });
  }
  return { name, config };
}

function openStore(tfwrap: Tfwrap, config: UserIdentityConfig) {
  try {
    return openKeyStore({ env: tfwrap.parentEnv, configDir: tfwrap.paths.configDir, configured: config.credentials?.keyring, interactive: Boolean(process.stdin.isTTY) });
  } catch (err) {
    throw new TfwrapError('E_CONFIG_INVALID', (err as Error).message);
  }
}

function mask(id: string): string {
  return `${id.slice(0, 4)}…${id.slice(-4)}`;
}

/** Key id and secret: asked for on a terminal (the secret without echo), else two stdin lines. */
async function readKeys(identity: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  let accessKeyId: string;
  let secretAccessKey: string;
  if (process.stdin.isTTY && process.stderr.isTTY) {
    accessKeyId = (await ask(`tfwrap: access key id for "${identity}": `, false)).trim();
    checkKeyId(accessKeyId);
    secretAccessKey = (await ask(`tfwrap: secret access key (not shown): `, true)).trim();
  } else {
    let text = '';
    for await (const chunk of process.stdin) text += (chunk as Buffer).toString('utf8');
    const lines = text.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
    if (lines.length < 2) {
      throw new TfwrapError('E_USAGE', `auth user configure needs two lines on stdin (the access key id, then the secret access key); got ${lines.length}`, {
        hint: 'run it on a terminal to be asked, or pipe them from a password manager: pass show aws/alice | tfwrap auth user configure -i alice',
      });
    }
    accessKeyId = lines[0]!;
    secretAccessKey = lines[1]!;
    checkKeyId(accessKeyId);
  }
  if (!/^\S{16,}$/.test(secretAccessKey)) {
    throw new TfwrapError('E_USAGE', 'the secret access key must be one word of at least 16 characters', { hint: 'paste the secret shown when the access key was created' });
  }
  return { accessKeyId, secretAccessKey };
}

function checkKeyId(id: string): void {
  if (/^ASIA/.test(id)) {
    throw new TfwrapError('E_USAGE', `${mask(id)} is a temporary access key; aws/user stores an IAM user's long-lived key (AKIA…)`, { hint: 'create an access key for the IAM user in the IAM console' });
  }
  if (!KEY_ID.test(id)) {
    throw new TfwrapError('E_USAGE', 'the access key id must be 16-128 upper-case letters and digits (AKIA…)', { hint: 'give the key id first, then the secret' });
  }
}

async function ask(question: string, hidden: boolean): Promise<string> {
  if (hidden) return askHidden(question);
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

/** Read a line in raw mode with no echo at all (readline would redraw the line it holds). */
function askHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (error?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return done();
        if (char === '\u0003') return done(new TfwrapError('E_INTERRUPTED', 'interrupted'));
        if (char === '\u0004') return done();
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else if (char >= ' ') value += char;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

/**
 * `tfwrap auth env`: the variables an identity sets or removes, in shell, dotenv, JSON or GitHub
 * Actions form. Only the difference from the parent's environment is printed, so a pass-through
 * identity prints nothing and no inherited secret is echoed.
 */
import type { Env } from './identity.js';

export type EnvFormat = 'bash' | 'json' | 'dotenv' | 'github';
export const ENV_FORMATS: readonly EnvFormat[] = ['bash', 'json', 'dotenv', 'github'];

export interface EnvDiff {
  set: Env;
  unset: string[];
}

export function diffEnv(parent: Readonly<Record<string, string | undefined>>, child: Readonly<Env>): EnvDiff {
  const set: Env = {};
  for (const [name, value] of Object.entries(child)) if (parent[name] !== value) set[name] = value;
  const unset = Object.keys(parent).filter((name) => parent[name] !== undefined && !(name in child)).sort();
  return { set, unset };
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export function formatEnv(diff: EnvDiff, format: EnvFormat): string {
  const names = Object.keys(diff.set).sort();
  switch (format) {
    case 'json':
      return JSON.stringify(Object.fromEntries(names.map((n) => [n, diff.set[n]])), null, 2) + '\n';
    case 'bash':
      return [...diff.unset.map((n) => `unset ${n}`), ...names.map((n) => `export ${n}=${shellQuote(diff.set[n]!)}`)].map((l) => l + '\n').join('');
    case 'dotenv':
      return names.map((n) => `${n}=${shellQuote(diff.set[n]!)}\n`).join('');
    case 'github':
      // $GITHUB_ENV syntax; a multi-line value uses a delimiter that cannot occur in it.
      return names
        .map((n) => {
          const value = diff.set[n]!;
          if (!value.includes('\n')) return `${n}=${value}\n`;
          const delimiter = `TFWRAP_EOF_${Math.random().toString(36).slice(2)}`;
          return `${n}<<${delimiter}\n${value}\n${delimiter}\n`;
        })
        .join('');
  }
}

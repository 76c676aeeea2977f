/**
 * The `aws/ambient` implementation, loaded only when an aws/ambient identity is used.
 *
 * Resolution goes through `fromNodeProviderChain` as the SDK does it, with two additions:
 * - a quick answer off EC2: probing instance metadata where there is none costs 1-2 s per run, so
 *   IMDS is skipped unless this machine looks like EC2, an endpoint is configured, or
 *   `TFWRAP_AWS_IMDS=on` asks for it;
 * - a report that names each source tried and how it ended, gathered from the SDK's own debug
 *   lines, instead of its bare "Could not load credentials from any providers". The SDK's reasons
 *   are summarised (no credentials, expired, failed, the error's class), never echoed: they can
 *   hold a profile's credential_process command line and that command's stderr;
 * - a guard against resolving through tfwrap itself: a profile whose credential_process runs
 *   `tfwrap auth credential-process` for an aws/ambient identity with that same AWS_PROFILE would
 *   start tfwrap again and again. While the SDK resolves, RESOLVING_PROFILES_ENV names the profile
 *   in tfwrap's environment (which the SDK's credential_process child inherits), and a tfwrap that
 *   finds its own profile there stops at once.
 * The overall time limit is core's (every authentication step has one).
 */
import { readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { TfwrapError, type Env, type KindImplementation } from '@tfwrap/plugin-kit';
import { fromSdkCredentials, getCallerIdentity, isAwsCredentials, quietSdk, resolveRegion, withRegion } from '@tfwrap/aws';

import type { AwsAmbientConfig } from './index.js';

const SOURCE_NAMES: Record<string, string> = {
  fromEnv: 'environment variables (AWS_ACCESS_KEY_ID)',
  fromSSO: 'SSO profile',
  fromIni: 'shared config files (AWS_PROFILE)',
  fromProcess: 'credential_process',
  fromTokenFile: 'web identity token (IRSA: AWS_WEB_IDENTITY_TOKEN_FILE)',
  remoteProvider: 'EC2 instance metadata (IMDS)',
  'fromHttp/fromContainerMetadata': 'ECS container endpoint (AWS_CONTAINER_CREDENTIALS_*)',
  fromInstanceMetadata: 'EC2 instance metadata (IMDS)',
};

/** The profiles tfwrap is resolving through the SDK, comma-separated, for its own children to see. */
export const RESOLVING_PROFILES_ENV = 'TFWRAP_AWS_RESOLVING_PROFILES';

/** What stops a nested tfwrap (and lets the outer one tell the user what happened). */
const RECURSION_TEXT = 'resolves through tfwrap itself';

/** The profile the SDK chain would read. */
export function profileOf(env: Readonly<Env>): string {
  return env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE || 'default';
}

/**
 * One of a few fixed phrases for a reason the SDK gave: its text may carry a credential_process
 * command line (with tokens on it) and that command's stderr, so it is classified, never shown.
 */
export function summariseReason(reason: string, profile: string): string {
  if (reason.includes(RECURSION_TEXT)) return `the credential_process of profile "${profile}" runs tfwrap for that same profile (recursion)`;
  if (/credential_process|^Command failed/i.test(reason)) return `the credential_process of profile "${profile}" failed`;
  if (/expired/i.test(reason)) return 'expired credentials';
  if (/(not found|could not be found|unable to find|not set|did not contain|no .*(found|specified|defined)|not configured|missing|could not load)/i.test(reason)) return 'no credentials';
  return 'failed';
}

/** The class of an SDK error (`AccessDenied`, `CredentialsProviderError`, `TimeoutError`), with the HTTP status. */
export function errorClass(err: unknown): string {
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  const code = e.Code ?? e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  return `${code}${status ? ` (HTTP ${status})` : ''}`;
}

/** Records which source the chain is trying and why each one declined. */
class ChainReport {
  readonly attempts: Array<{ source: string; reasons: string[] }> = [];

  readonly logger = {
    debug: (message: string) => this.record(message),
    info: () => {},
    warn: () => {},
    error: () => {},
    trace: () => {},
  };

  private record(message: unknown): void {
    const text = String(message);
    const source = /(?:defaultProvider|remoteProvider)::(\S+)/.exec(text)?.[1];
    if (source) {
      // remoteProvider is followed by the endpoint it picked, when it picks one: name that instead.
      const last = this.attempts[this.attempts.length - 1];
      if (last?.source === SOURCE_NAMES.remoteProvider && last.reasons.length === 0) this.attempts.pop();
      this.attempts.push({ source: SOURCE_NAMES[source] ?? source, reasons: [] });
      return;
    }
    const reason = /@smithy\/property-provider (?:->|\(!\)) (.*)$/s.exec(text)?.[1];
    const current = this.attempts[this.attempts.length - 1];
    if (reason && current && !/^Could not load credentials from any providers/.test(reason)) current.reasons.push(reason.replace(/\s+/g, ' ').trim());
  }

  summary(imdsSkipped: boolean, profile: string): string {
    return this.attempts
      .map(({ source, reasons }) => {
        if (imdsSkipped && source === SOURCE_NAMES.remoteProvider) return `${source}: skipped, not on EC2`;
        const phrases = [...new Set(reasons.map((reason) => summariseReason(reason, profile)))];
        return `${source}: ${phrases.length ? phrases.join('; ') : 'no credentials'}`;
      })
      .join(' | ');
  }

  /** Did any source report that it ran into tfwrap itself? */
  get recursed(): boolean {
    return this.attempts.some(({ reasons }) => reasons.some((reason) => reason.includes(RECURSION_TEXT)));
  }
}

/** True when DMI or the hypervisor says this is an EC2 instance (Linux only; elsewhere false). */
export function looksLikeEc2(read: (file: string) => string = (file) => readFileSync(file, 'utf8')): boolean {
  const probes: Array<[string, RegExp]> = [
    ['/sys/devices/virtual/dmi/id/board_asset_tag', /^i-[0-9a-f]+/],
    ['/sys/devices/virtual/dmi/id/sys_vendor', /Amazon EC2/i],
    ['/sys/hypervisor/uuid', /^ec2/i],
  ];
  return probes.some(([file, pattern]) => {
    try {
      return pattern.test(read(file).trim());
    } catch {
      return false;
    }
  });
}

function shouldProbeImds(env: Readonly<Env>): boolean {
  const choice = env.TFWRAP_AWS_IMDS?.toLowerCase();
  if (choice === 'on' || choice === 'true') return true;
  if (choice === 'off' || choice === 'false') return false;
  return Boolean(env.AWS_EC2_METADATA_SERVICE_ENDPOINT) || looksLikeEc2();
}

export const awsAmbient: KindImplementation<AwsAmbientConfig> = {
  async authenticate(ctx) {
    const config = ctx.config;
    const region = config.principal?.region;
    const report = new ChainReport();
    const profile = profileOf(ctx.parentEnv);
    const resolving = (ctx.parentEnv[RESOLVING_PROFILES_ENV] ?? '').split(',').filter(Boolean);
    // Keys in the environment come first in the chain: the profile is not read, nothing recurses.
    const keysInEnv = Boolean(ctx.parentEnv.AWS_ACCESS_KEY_ID && ctx.parentEnv.AWS_SECRET_ACCESS_KEY);
    if (resolving.includes(profile) && !keysInEnv) {
      throw new TfwrapError('E_AUTH_FAILED', `AWS profile "${profile}" ${RECURSION_TEXT}: its credential_process runs tfwrap, which reads AWS_PROFILE=${profile} again`, {
        hint: `give the aws/ambient identity another source than profile "${profile}" (unset AWS_PROFILE for tfwrap, or use a profile with its own keys), or point the profile at an identity of another kind`,
      });
    }
    quietSdk();
    const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');

    // The SDK reads the process environment; tfwrap's process environment is the parent's, and the
    // child's copy was taken before this runs, so this switch never reaches the child.
    const imdsDisabledBefore = process.env.AWS_EC2_METADATA_DISABLED;
    const probeImds = shouldProbeImds(ctx.parentEnv);
    if (!probeImds) process.env.AWS_EC2_METADATA_DISABLED = 'true';
    const resolvingBefore = process.env[RESOLVING_PROFILES_ENV];
    process.env[RESOLVING_PROFILES_ENV] = [...resolving, profile].join(',');
    try {
      const provider = fromNodeProviderChain({
        logger: report.logger,
        // Metadata endpoints answer in milliseconds or not at all: fail fast, retry once, unless
        // the AWS CLI's variables say otherwise (the JS SDK does not read them).
        ...metadataServiceLimits(ctx.parentEnv),
        ...(region ? { clientConfig: { region } } : {}),
      });
      const sdk = await provider();
      ctx.log.debug(`resolved from ${report.attempts[report.attempts.length - 1]?.source ?? 'the default chain'}`);
      return fromSdkCredentials(sdk, { region });
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      const tried = report.summary(!probeImds, profile);
      const last = report.attempts[report.attempts.length - 1];
      // A source that was found but failed (an STS error for IRSA) stops the chain: say which.
      const bare = /Could not load credentials from any providers/.test(String((err as Error).message));
      const cause = bare ? '' : ` ${last?.source ?? 'a source'} failed: ${errorClass(err)}.`;
      throw new TfwrapError('E_AUTH_FAILED', `no AWS credentials found in the environment.${cause} Tried: ${tried}`, {
        hint: report.recursed
          ? `profile "${profile}" must not run tfwrap auth credential-process for an aws/ambient identity that reads that same profile`
          : probeImds
          ? 'set credentials in the environment or a profile, or run where IRSA, ECS or EC2 provide them'
          : 'set credentials in the environment or a profile; on EC2 without DMI, set TFWRAP_AWS_IMDS=on',
        cause: err,
      });
    } finally {
      if (resolvingBefore === undefined) delete process.env[RESOLVING_PROFILES_ENV];
      else process.env[RESOLVING_PROFILES_ENV] = resolvingBefore;
      if (!probeImds) {
        if (imdsDisabledBefore === undefined) delete process.env.AWS_EC2_METADATA_DISABLED;
        else process.env.AWS_EC2_METADATA_DISABLED = imdsDisabledBefore;
      }
    }
  },

  sourceFingerprint(ctx) {
    return ambientSourceFingerprint(ctx.parentEnv);
  },

  prepareEnv(env, ctx) {
    return withRegion(env, ctx.config.principal?.region);
  },

  async whoami(credentials, ctx) {
    if (!isAwsCredentials(credentials)) throw new TfwrapError('E_AUTH_FAILED', 'no AWS credentials to inspect');
    return getCallerIdentity(credentials, resolveRegion(ctx.config.principal?.region, ctx.parentEnv), ctx.signal);
  },
};

/** Variables the SDK chain reads to find credentials (endpoints and region do not change who). */
const SOURCE_VARIABLES = [
  'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE',
  'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN', 'AWS_ROLE_SESSION_NAME',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
] as const;

/**
 * An offline digest of what the SDK chain would resolve from, so that sessions chained from an
 * aws/ambient root are reused without an STS call: the source variables, and the contents of the
 * files they point to (the IRSA token, the shared files). A rotated key, token or profile changes
 * it. Undefined when the credentials would come from the ECS endpoint or instance metadata, which
 * cannot be known offline: tfwrap then resolves them (a local call, not STS) and fingerprints them.
 */
export function ambientSourceFingerprint(env: Readonly<Env>): string | undefined {
  const home = env.HOME || homedir();
  const hash = createHash('sha256').update('aws/ambient-source-v1\0');
  for (const name of SOURCE_VARIABLES) hash.update(`${name}=${env[name] ?? ''}\0`);
  const fileDigest = (file: string | undefined) => {
    if (!file) return '';
    try {
      return createHash('sha256').update(readFileSync(file)).digest('hex');
    } catch {
      return 'absent';
    }
  };
  const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials');
  const configFile = env.AWS_CONFIG_FILE || join(home, '.aws', 'config');
  const files = [credentialsFile, configFile, env.AWS_WEB_IDENTITY_TOKEN_FILE].map(fileDigest);
  for (const digest of files) hash.update(`${digest}\0`);
  const hasKeys = Boolean(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY);
  const hasIrsa = Boolean(env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN);
  const hasProfile = [credentialsFile, configFile].some((file) => {
    try {
      return statSync(file).size > 0;
    } catch {
      return false;
    }
  });
  // Only the ECS endpoint or IMDS could answer: not knowable offline.
  if (!hasKeys && !hasIrsa && !hasProfile) return undefined;
  return hash.digest('hex');
}

/**
 * The instance and container metadata endpoints' time limit per attempt and number of attempts:
 * 1 s and 2, or AWS_METADATA_SERVICE_TIMEOUT (seconds) and AWS_METADATA_SERVICE_NUM_ATTEMPTS as
 * the AWS CLI reads them (a value that is not a positive number is ignored).
 */
export function metadataServiceLimits(env: Readonly<Record<string, string | undefined>>): { timeout: number; maxRetries: number } {
  const seconds = Number(env.AWS_METADATA_SERVICE_TIMEOUT);
  const attempts = Number(env.AWS_METADATA_SERVICE_NUM_ATTEMPTS);
  return {
    timeout: seconds > 0 ? Math.round(seconds * 1000) : 1000,
    maxRetries: Number.isInteger(attempts) && attempts > 0 ? attempts - 1 : 1,
  };
}

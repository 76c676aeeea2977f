/**
 * The managed environment: what every non-ambient AWS kind (assume-role, SSO, third-party kinds)
 * hands its child. One helper, so that no kind forgets a variable:
 * - removes whatever would shadow the profile (keys in the environment, IRSA, ECS, a default profile);
 * - disables instance metadata, so a child on EC2 cannot silently fall back to the instance role;
 * - points AWS_SHARED_CREDENTIALS_FILE/AWS_CONFIG_FILE/AWS_PROFILE at tfwrap's own files (never ~/.aws);
 * - sets region and AWS_CREDENTIAL_EXPIRATION; keeps AWS_ENDPOINT_URL*, AWS_CA_BUNDLE and the rest.
 *
 * With a live run (the tfwrap parent stays up), the child's profile is a `credential_process`
 * that asks the parent for fresh credentials, and the credentials file holds nothing for it
 * (an entry there would shadow credential_process and freeze the session).
 */
import type { Env, LiveRun, TfwrapPaths } from '@tfwrap/core';
import type { AwsCredentials } from './credentials.js';
import { managedFiles, renderSection, updateManagedFiles } from './managed-files.js';
import { startRefreshServer, type RefreshServer } from './refresh-server.js';

/** Variables a managed child must not inherit: each would win over, or bypass, the profile. */
export const SHADOWING_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  // Older SDKs (Java v1, boto2) read these names.
  'AWS_ACCESS_KEY',
  'AWS_SECRET_KEY',
  'AWS_CREDENTIAL_FILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'AWS_ROLE_SESSION_NAME',
  'AWS_DEFAULT_PROFILE',
  'AWS_PROFILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
  'AWS_CREDENTIAL_EXPIRATION',
] as const;

export interface ManagedEnvOptions {
  identity: string;
  credentials: AwsCredentials;
  region?: string;
  paths: Pick<TfwrapPaths, 'realmConfigDir'>;
  /** Present when the child runs under this process: give it a refreshable source. */
  live?: LiveRun;
  /** Turn fresh credentials into AwsCredentials (the live run returns the chain's target credentials). */
  toAws?: (credentials: unknown) => AwsCredentials | undefined;
}

export async function prepareManagedEnv(env: Env, options: ManagedEnvOptions): Promise<Env> {
  const out: Env = { ...env };
  for (const name of SHADOWING_VARIABLES) delete out[name];
  const files = managedFiles(options.paths.realmConfigDir);
  const { identity, credentials, region } = options;
  const profile = { region, output: 'json' };

  if (options.live) {
    const server = await liveServerFor(options, profile);
    out.AWS_SHARED_CREDENTIALS_FILE = server.credentialsFile;
    out.AWS_CONFIG_FILE = server.configFile;
  } else {
    await updateManagedFiles(files, [
      [
        files.credentialsFile,
        identity,
        renderSection(
          identity,
          { aws_access_key_id: credentials.accessKeyId, aws_secret_access_key: credentials.secretAccessKey, aws_session_token: credentials.sessionToken },
          `tfwrap: expiration=${credentials.expiration?.toISOString() ?? 'never'}`,
        ),
      ],
      [files.configFile, `profile ${identity}`, renderSection(`profile ${identity}`, profile)],
    ]);
    out.AWS_SHARED_CREDENTIALS_FILE = files.credentialsFile;
    out.AWS_CONFIG_FILE = files.configFile;
  }
  out.AWS_PROFILE = identity;
  out.AWS_SDK_LOAD_CONFIG = '1';
  out.AWS_EC2_METADATA_DISABLED = 'true';
  if (region) {
    out.AWS_REGION = region;
    out.AWS_DEFAULT_REGION = region;
  }
  if (credentials.expiration) out.AWS_CREDENTIAL_EXPIRATION = credentials.expiration.toISOString();
  return out;
}

/**
 * One refresh server per identity and process: the components of a stack run share it, and it
 * lives until tfwrap exits (it never keeps the process alive by itself).
 */
const liveServers = new Map<string, Promise<RefreshServer>>();

function liveServerFor(options: ManagedEnvOptions, profile: Record<string, string | undefined>): Promise<RefreshServer> {
  const key = `${options.paths.realmConfigDir}\0${options.identity}`;
  let server = liveServers.get(key);
  if (!server) {
    const { identity, live } = options;
    server = startRefreshServer({
      realmConfigDir: options.paths.realmConfigDir,
      credentials: async () => {
        const fresh = await live!.refresh();
        const aws = options.toAws ? options.toAws(fresh) : (fresh as AwsCredentials | undefined);
        if (!aws) throw new Error(`identity "${identity}" yielded no AWS credentials`);
        return aws;
      },
    }).then(async (started) => {
      live!.onEnd(() => {
        liveServers.delete(key);
        started.close();
      });
      // The run's own pair of files: nothing in credentials, credential_process in config.
      await writeRunFiles(started.credentialsFile, started.configFile, identity, { ...profile, credential_process: started.command });
      return started;
    });
    liveServers.set(key, server);
  }
  return server;
}

async function writeRunFiles(credentialsFile: string, configFile: string, identity: string, profile: Record<string, string | undefined>): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  await writeFile(credentialsFile, '', { mode: 0o600 });
  await writeFile(configFile, renderSection(`profile ${identity}`, profile), { mode: 0o600 });
}

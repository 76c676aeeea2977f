/**
 * `tfwrap auth login [-i X]`: sign in to what identity X chains from (an IAM Identity Center portal,
 * or any kind that implements `login`), now and interactively, then say who is signed in and until
 * when. Every identity on the same portal shares the sign-in.
 */
import type { Command } from 'commander';
import { TfwrapError, TfwrapErrors, buildChain, messageOf, unknownIdentity, type Run } from '@tfwrap/core';
import { createTfwrap, identityFlag, withRun, type GlobalOptions } from '../context.js';

export function registerAuthLoginCommand(program: Command, globals: () => GlobalOptions, setExit: (code: number) => void): void {
  const auth = program.commands.find((command) => command.name() === 'auth');
  if (!auth) throw new Error('tfwrap auth login: register the auth commands first');
  auth
    .command('login')
    .description('sign in to the portal an identity chains from (aws/iam-identity-center), then show who is signed in')
    .option('-i, --identity <name>', 'identity (default: TFWRAP_IDENTITY, then the default identity)')
    .option('--no-browser', 'print the sign-in URL and code only; do not open a browser')
    .action(async (opts: { identity?: string; browser?: boolean }) => {
      const tfwrap = await createTfwrap(globals());
      const request = { command: 'auth login', identity: identityFlag(opts.identity), args: [] };
      setExit(await withRun(tfwrap, request, globals(), (run) => login(run, opts.browser !== false)));
    });
}

async function login(run: Run, browser: boolean): Promise<void> {
  const { tfwrap } = run;
  const identities = tfwrap.identities();
  const name = tfwrap.requireIdentity(run.request.identity || undefined);
  if (!identities[name]) throw unknownIdentity(name, Object.keys(identities));
  const chain = buildChain(identities, name);
  const problems = (await tfwrap.validateAuth()).filter((problem) => problem.identity !== undefined && chain.includes(problem.identity));
  if (problems.length === 1) throw problems[0];
  if (problems.length > 1) throw new TfwrapErrors(problems);

  const root = chain[0]!;
  const config = identities[root]!;
  const kind = tfwrap.identityKinds.require(config.kind, root);
  const impl = await tfwrap.identityKinds.load(kind.kind);
  if (!impl.login) {
    throw new TfwrapError('E_IDENTITY_INVALID', `identity "${name}" needs no sign-in: ${root === name ? 'it is' : `the root of its chain, "${root}", is`} of kind ${kind.kind}, which has no login`, {
      identity: name,
      hint: 'tfwrap auth login is for identities that chain from a portal sign-in (aws/iam-identity-center); tfwrap auth whoami shows who an identity is',
    });
  }

  // An interrupt (the run's signal) and the kind's time limit end the wait for the person.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new TfwrapError('E_AUTH_TIMEOUT', 'gave up waiting for the sign-in')), tfwrap.authTimeoutMs(kind.timeoutMs));
  const onSignal = () => controller.abort(new TfwrapError('E_INTERRUPTED', 'interrupted'));
  if (run.signal.aborted) onSignal();
  run.signal.addEventListener('abort', onSignal, { once: true });
  let summary: string;
  try {
    const result = await impl.login({
      identity: root,
      config,
      parentEnv: tfwrap.parentEnv,
      signal: controller.signal,
      browser,
      log: tfwrap.log.child(root),
      secret: (value) => tfwrap.redactor.add(value),
    });
    summary = result.summary;
  } catch (err) {
    const reason = controller.signal.aborted && controller.signal.reason instanceof TfwrapError ? controller.signal.reason : err;
    if (reason instanceof TfwrapError) {
      throw reason.about(root, { plugin: kind.plugin });
    }
    throw new TfwrapError('E_AUTH_FAILED', `identity "${root}" (${kind.kind}) could not sign in: ${tfwrap.redactor.redact(messageOf(err))}`, { identity: root, plugin: kind.plugin, cause: err });
  } finally {
    clearTimeout(timer);
    run.signal.removeEventListener('abort', onSignal);
  }
  process.stdout.write(`${tfwrap.redactor.redact(summary)}\n`);

  // Show who the requested identity is with this sign-in (a permission set's ARN names the person).
  if (name !== root) {
    const auth = await run.authenticate(name);
    const principal = await run.whoami(auth);
    const until = auth.credentials?.expiration?.toISOString();
    process.stdout.write(`"${name}" is ${principal.arn ?? 'unknown'}${principal.account ? ` (account ${principal.account})` : ''}${until ? `, session until ${until}` : ''}\n`);
  }
}

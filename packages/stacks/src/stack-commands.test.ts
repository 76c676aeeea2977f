import assert from 'node:assert/strict';
import { stackCommandsFor } from './stack-commands.js';
import { fixtureRepo, rejection, removeFixtureRepos } from './test-support.js';

describe('stack commands (hooks:)', () => {
  after(removeFixtureRepos);

  it('merges stack commands by name from globals, terraform: and the component; disabled ones are dropped', async () => {
    const { repo } = fixtureRepo({
      'stacks/catalog/hooks.yaml': `
        hooks:
          fmt:
            events: [before-terraform-plan, before-terraform-apply]
            command: [terraform, fmt, -check]
          notify:
            events: [after-terraform-apply]
            command: ./notify.sh
            env: { CHANNEL: deploys, RETRIES: 3 }
        terraform:
          hooks:
            lint:
              events: [before-terraform-plan]
              command: make lint
              working_dir: ../shared
              continue_on_error: true
      `,
      'stacks/dev.yaml': `
        import: [catalog/hooks]
        components:
          terraform:
            app:
              hooks:
                notify:
                  command: [./notify.sh, --quiet]
                fmt:
                  enabled: false
            db:
              hooks:
                lint: null
      `,
    }, { stacks: { excluded_paths: ['catalog/**'] } });
    const stack = await repo.loadStack('dev');
    const app = await stack.component('app');
    assert.deepEqual(app.hooks, {
      notify: {
        name: 'notify', events: ['after-terraform-apply'], command: ['./notify.sh', '--quiet'],
        workingDir: undefined, env: { CHANNEL: 'deploys', RETRIES: '3' }, continueOnError: false,
      },
      lint: {
        name: 'lint', events: ['before-terraform-plan'], command: 'make lint',
        workingDir: '../shared', env: {}, continueOnError: true,
      },
    });
    assert.deepEqual(stackCommandsFor(app.hooks, 'before', 'plan').map((command) => command.name), ['lint']);
    assert.deepEqual(stackCommandsFor(app.hooks, 'after', 'apply').map((command) => command.name), ['notify']);

    const db = await stack.component('db');
    assert.deepEqual(Object.keys(db.hooks), ['fmt', 'notify']);
    assert.deepEqual(stackCommandsFor(db.hooks, 'before', 'apply').map((command) => command.name), ['fmt']);
  });

  it('keeps an event that never happens, as Atmos does: the command just never runs for it', async () => {
    const { repo } = fixtureRepo({
      'stacks/dev.yaml': `
        hooks:
          fmt:
            events: [before-terraform-paln, after.helmfile.apply]
            command: [terraform, fmt]
          both:
            events: [before-terraform-paln, before-terraform-plan]
            command: [terraform, fmt]
        components: { terraform: { app: {} } }
      `,
    });
    const app = await (await repo.loadStack('dev')).component('app');
    assert.deepEqual(app.hooks.fmt?.events, ['before-terraform-paln', 'after-helmfile-apply']);
    for (const command of ['init', 'plan', 'apply']) {
      for (const timing of ['before', 'after'] as const) {
        assert.ok(!stackCommandsFor(app.hooks, timing, command).some((entry) => entry.name === 'fmt'), `${timing} ${command}`);
      }
    }
    assert.deepEqual(stackCommandsFor(app.hooks, 'before', 'plan').map((command) => command.name), ['both']);
  });

  it('runs an entry without events at every event Atmos fires, and deploy events at apply (pkg/hooks MatchesEvent)', async () => {
    const { repo } = fixtureRepo({
      'stacks/dev.yaml': `
        terraform:
          overrides:
            hooks:
              from-overrides: { kind: command, command: echo }
        components:
          terraform:
            vpc:
              hooks:
                after-apply:
                  kind: command
                  command: echo after-apply
                empty: { events: [], command: ['true'] }
                deploy: { events: [after.terraform.deploy], command: ['true'] }
      `,
    });
    const vpc = await (await repo.loadStack('dev')).component('vpc');
    assert.deepEqual(vpc.hooks['after-apply'], {
      name: 'after-apply', events: [], command: ['echo after-apply'], workingDir: undefined, env: {}, continueOnError: true, atmosCommand: { onFailure: 'warn' },
    });
    const names = (timing: 'before' | 'after', command: string) => stackCommandsFor(vpc.hooks, timing, command).map((entry) => entry.name);
    for (const command of ['init', 'plan', 'apply', 'output', 'refresh', 'test']) {
      assert.deepEqual(names('before', command), ['after-apply', 'empty', 'from-overrides'], command);
    }
    assert.deepEqual(names('after', 'apply'), ['after-apply', 'empty', 'deploy', 'from-overrides']);
    // Atmos fires no hooks around destroy, import, state, ...: only entries that name them run there.
    assert.deepEqual(names('before', 'destroy'), []);
    assert.deepEqual(names('after', 'state'), []);
  });

  it('rejects unknown keys and wrong types in a stack command', async () => {
    const cases: Array<{ entry: string; message: RegExp; hint?: RegExp }> = [
      { entry: '{ events: [before-terraform-plan], comand: [x] }', message: /unknown key 'comand' in stack command 'h'/, hint: /Did you mean 'command'\?/ },
      { entry: '{ events: before-terraform-plan, command: [x] }', message: /events must be a list such as \[before-terraform-plan\]/ },
      { entry: '{ events: [before-terraform-plan], command: [] }', message: /command must be a list of arguments or a shell command line/ },
      { entry: '{ events: [before-terraform-plan], command: [x], continue_on_error: sometimes }', message: /continue_on_error must be true or false/ },
      { entry: 'make lint', message: /stack command 'h' must be a mapping/ },
    ];
    for (const { entry, message, hint } of cases) {
      const { repo } = fixtureRepo({ 'stacks/dev.yaml': `hooks:\n  h: ${entry}\n` });
      const err = await rejection(repo.loadStack('dev'));
      assert.equal(err.code, 'E_STACK_INVALID', entry);
      assert.match(err.message, message, entry);
      assert.equal(err.location?.line, 2, entry);
      if (hint) assert.match(err.hint ?? '', hint, entry);
    }
  });

  it('requires command once merged (not events), naming the file that last wrote the entry', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/catalog/base.yaml': 'hooks: { notify: { events: [after-terraform-apply] } }',
      'stacks/dev.yaml': `
        import: [catalog/base]
        components:
          terraform:
            app:
              hooks:
                notify: { continue_on_error: true }
      `,
    }, { stacks: { excluded_paths: ['catalog/**'] } });
    const err = await rejection((await repo.loadStack('dev')).component('app'));
    assert.equal(err.code, 'E_COMPONENT_INVALID');
    assert.equal(err.message, "stack command 'notify' of component 'app' has no command");
    assert.deepEqual(err.location, { file: file('stacks/dev.yaml'), line: 6, column: 9 });
  });

  it('reads Atmos store hooks (kind: store, or command: store) and its dotted event names', async () => {
    const { repo } = fixtureRepo({
      'stacks/dev.yaml': `
        components:
          terraform:
            app:
              hooks:
                to-ssm:
                  events: [after.terraform.apply]
                  command: store
                  name: ssm
                  outputs: { vpc_id: .vpc_id, team: platform }
                to-file:
                  events: [after-terraform-apply]
                  kind: store
                  name: local
                  outputs: { cost: .cost }
                fmt:
                  events: [before.terraform.plan]
                  command: [terraform, fmt]
      `,
    });
    const app = await (await repo.loadStack('dev')).component('app');
    assert.deepEqual(app.hooks['to-ssm']?.storeHook, { store: 'ssm', outputs: { vpc_id: '.vpc_id', team: 'platform' } });
    assert.deepEqual(app.hooks['to-file']?.storeHook, { store: 'local', outputs: { cost: '.cost' } });
    assert.equal(app.hooks.fmt?.storeHook, undefined);
    assert.deepEqual(stackCommandsFor(app.hooks, 'after', 'apply').map((command) => command.name), ['to-ssm', 'to-file']);
    assert.deepEqual(stackCommandsFor(app.hooks, 'before', 'plan').map((command) => command.name), ['fmt']);
  });

  it('a store hook needs the store name; another Atmos hook kind is refused at its line', async () => {
    const { repo } = fixtureRepo({ 'stacks/dev.yaml': 'hooks: { h: { events: [after-terraform-apply], kind: store, outputs: { a: .a } } }\ncomponents: { terraform: { app: {} } }\n' });
    const err = await rejection((await repo.loadStack('dev')).component('app'));
    assert.equal(err.code, 'E_COMPONENT_INVALID');
    assert.equal(err.message, "store hook 'h' of component 'app' has no name");

    const other = fixtureRepo({ 'stacks/dev.yaml': 'hooks:\n  h: { events: [after-terraform-apply], kind: infracost }\n' });
    const kindErr = await rejection(other.repo.loadStack('dev'));
    assert.equal(kindErr.code, 'E_STACK_INVALID');
    assert.match(kindErr.message, /kind "infracost" is not a hook kind tfwrap runs: store or command/);
    assert.equal(kindErr.location?.line, 2);
  });
});

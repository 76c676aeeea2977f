import assert from 'node:assert/strict';
import { hooksFor } from './hooks.js';
import { fixtureRepo, rejection, removeFixtureRepos } from './test-support.js';

describe('hooks', () => {
  after(removeFixtureRepos);

  it('merges hooks by name from globals, terraform: and the component; disabled ones are dropped', async () => {
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
    assert.deepEqual(hooksFor(app.hooks, 'before', 'plan').map((hook) => hook.name), ['lint']);
    assert.deepEqual(hooksFor(app.hooks, 'after', 'apply').map((hook) => hook.name), ['notify']);

    const db = await stack.component('db');
    assert.deepEqual(Object.keys(db.hooks), ['fmt', 'notify']);
    assert.deepEqual(hooksFor(db.hooks, 'before', 'apply').map((hook) => hook.name), ['fmt']);
  });

  it('rejects an unknown event with a suggestion, at its line', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/dev.yaml': `
        hooks:
          fmt:
            events:
              - before-terraform-paln
            command: [terraform, fmt]
      `,
    });
    const err = await rejection(repo.loadStack('dev'));
    assert.equal(err.code, 'E_STACK_INVALID');
    assert.equal(err.message, `hook 'fmt': unknown event "before-terraform-paln"`);
    assert.equal(err.hint, "Did you mean 'before-terraform-plan'?");
    assert.deepEqual(err.location, { file: file('stacks/dev.yaml'), line: 4, column: 9 });
  });

  it('rejects unknown keys and wrong types in a hook', async () => {
    const cases: Array<{ hook: string; message: RegExp; hint?: RegExp }> = [
      { hook: '{ events: [before-terraform-plan], comand: [x] }', message: /unknown key 'comand' in hook 'h'/, hint: /Did you mean 'command'\?/ },
      { hook: '{ events: before-terraform-plan, command: [x] }', message: /events must be a non-empty list/ },
      { hook: '{ events: [before-terraform-plan], command: [] }', message: /command must be a list of arguments or a shell command line/ },
      { hook: '{ events: [before-terraform-plan], command: [x], continue_on_error: sometimes }', message: /continue_on_error must be true or false/ },
      { hook: 'make lint', message: /hook 'h' must be a mapping/ },
    ];
    for (const { hook, message, hint } of cases) {
      const { repo } = fixtureRepo({ 'stacks/dev.yaml': `hooks:\n  h: ${hook}\n` });
      const err = await rejection(repo.loadStack('dev'));
      assert.equal(err.code, 'E_STACK_INVALID', hook);
      assert.match(err.message, message, hook);
      assert.equal(err.location?.line, 2, hook);
      if (hint) assert.match(err.hint ?? '', hint, hook);
    }
  });

  it('requires events and command once merged, naming the file that last wrote the hook', async () => {
    const { repo, file } = fixtureRepo({
      'stacks/catalog/base.yaml': 'hooks: { notify: { command: ./notify.sh } }',
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
    assert.equal(err.message, "hook 'notify' of component 'app' has no events");
    assert.deepEqual(err.location, { file: file('stacks/dev.yaml'), line: 6, column: 9 });
  });
});

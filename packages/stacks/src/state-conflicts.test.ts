import assert from 'node:assert/strict';
import { StateConflicts } from './state-conflicts.js';
import { fixtureRepo, removeFixtureRepos } from './test-support.js';

/** Every stack and component of a fixture repository through the check, as tfwrap validate does. */
async function conflictsIn(files: Record<string, string>): Promise<string[]> {
  const { repo, dir } = fixtureRepo(files);
  const conflicts = new StateConflicts(dir);
  const entries = await repo.listStacks();
  for (const entry of entries) conflicts.addStack(entry);
  for (const entry of entries) {
    for (const component of await (await repo.loadStack(entry.name)).components()) conflicts.addComponent(component);
  }
  return (await conflicts.located()).map((err) => err.format().replace(`${dir}/`, ''));
}

describe('state conflicts', () => {
  after(removeFixtureRepos);

  it('two instances of one directory in one stack have their own workspaces', async () => {
    assert.deepEqual(await conflictsIn({
      'stacks/dev.yaml': `
        components:
          terraform:
            vpc-a: { metadata: { component: vpc } }
            vpc-b: { metadata: { component: vpc } }
            vpc: {}
      `,
    }), []);
  });

  it('names both components when they would share one state, at the later one', async () => {
    assert.deepEqual(await conflictsIn({
      'stacks/dev.yaml': `
        components:
          terraform:
            vpc-a: { metadata: { component: vpc, terraform_workspace: shared } }
            vpc-b:
              metadata: { component: vpc, terraform_workspace: shared }
            base: { metadata: { type: abstract, component: vpc, terraform_workspace: shared } }
      `,
    }), [
      "stacks/dev.yaml:4:5: component 'vpc-b' of stack 'dev' and component 'vpc-a' of stack 'dev' would share one Terraform state (workspace 'shared' of components/terraform/vpc). Hint: give one of them its own metadata.terraform_workspace, or its own backend key [E_STATE_CONFLICT]",
    ]);
  });

  it('sees one s3 object behind two directories when the prefix is set for all', async () => {
    const found = await conflictsIn({
      'stacks/dev.yaml': `
        terraform:
          backend_type: s3
          backend: { s3: { bucket: b, key: terraform.tfstate, workspace_key_prefix: all } }
        components:
          terraform:
            vpc: {}
            eks: {}
      `,
    });
    assert.equal(found.length, 1);
    assert.match(found[0]!, /component 'vpc' of stack 'dev' and component 'eks' of stack 'dev' would share one Terraform state \(s3:\/\/b\/all\/dev\/terraform\.tfstate\)/);
    // Without the shared prefix, each directory gets its own.
    assert.deepEqual(await conflictsIn({
      'stacks/dev.yaml': 'terraform: { backend_type: s3, backend: { s3: { bucket: b, key: terraform.tfstate } } }\ncomponents: { terraform: { vpc: {}, eks: {} } }\n',
    }), []);
  });

  it('refuses two stacks whose names differ only by / and -', async () => {
    assert.deepEqual(await conflictsIn({
      'stacks/prod/east.yaml': 'components: { terraform: { vpc: {} } }\n',
      'stacks/prod-east.yaml': 'components: { terraform: { vpc: {} } }\n',
    }), [
      "stacks/prod/east.yaml:1:1: stacks 'prod-east' (stacks/prod-east.yaml) and 'prod/east' (stacks/prod/east.yaml) both map to the name 'prod-east' (workspace and var files). Hint: rename one of them, or give it another name: [E_STATE_CONFLICT]",
    ]);
  });
});

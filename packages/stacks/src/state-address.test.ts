import assert from 'node:assert/strict';
import { backendWithKeyPrefix, stateAddress, terraformWorkspace, type WorkspaceInput } from './state-address.js';

describe('state addressing (Atmos rules)', () => {
  const workspace = (over: Partial<WorkspaceInput>) =>
    terraformWorkspace({ stack: 'dev', name: 'vpc', component: 'vpc', metadata: {}, vars: {}, workspacesEnabled: true, ...over });

  it('the workspace is the stack name, or <stack>-<component> when built from another directory, / as -', () => {
    assert.equal(workspace({}), 'dev');
    assert.equal(workspace({ stack: 'prod/us-east-1' }), 'prod-us-east-1');
    assert.equal(workspace({ name: 'vpc-a' }), 'dev-vpc-a');
    assert.equal(workspace({ stack: 'prod/east', name: 'vpc/secondary', component: 'vpc' }), 'prod-east-vpc-secondary');
    // A directory in a folder, named like the instance: not derived.
    assert.equal(workspace({ name: 'infra/vpc', component: 'infra/vpc' }), 'dev');
  });

  it('metadata.terraform_workspace_pattern, then metadata.terraform_workspace, override it', () => {
    const vars = { namespace: 'acme', tenant: 'plat', environment: 'ue1', stage: 'prod', region: 'us-east-1', attributes: ['blue', 2] };
    assert.equal(workspace({ vars, metadata: { terraform_workspace_pattern: '{namespace}-{tenant}-{environment}-{stage}-{component}' } }), 'acme-plat-ue1-prod-vpc');
    assert.equal(workspace({ vars, name: 'vpc-a', metadata: { terraform_workspace_pattern: '{region}/{base-component}/{attributes}' } }), 'us-east-1-vpc-blue-2');
    // Unknown to Atmos: left as written. Known but without a value: empty, as in Atmos.
    assert.equal(workspace({ metadata: { terraform_workspace_pattern: '{stage}x{nope}' } }), 'x{nope}');
    assert.equal(workspace({ name: 'vpc-a', metadata: { terraform_workspace: 'shared/one' } }), 'shared-one');
    assert.equal(workspace({ metadata: { terraform_workspace: 'ws', terraform_workspace_pattern: '{component}' } }), 'vpc');
  });

  it('is default with workspaces disabled, or with the http backend', () => {
    assert.equal(workspace({ workspacesEnabled: false, name: 'vpc-a' }), 'default');
    assert.equal(workspace({ backendType: 'http' }), 'default');
  });

  const backend = (backendType: string, settings: Record<string, unknown>, over: Record<string, unknown> = {}) =>
    backendWithKeyPrefix({ name: 'vpc-a', component: 'network/vpc', metadata: {}, backendType, backend: settings, ownAzurermKey: false, ...over });

  it('gives s3 a workspace_key_prefix and gcs a prefix from the Terraform directory, unless set', () => {
    assert.deepEqual(backend('s3', { bucket: 'b', key: 'terraform.tfstate' }), { bucket: 'b', key: 'terraform.tfstate', workspace_key_prefix: 'network-vpc' });
    assert.deepEqual(backend('s3', { workspace_key_prefix: 'mine' }), { workspace_key_prefix: 'mine' });
    assert.deepEqual(backend('s3', {}, { metadata: { name: 'vpc/v2' } }), { workspace_key_prefix: 'vpc-v2' });
    assert.deepEqual(backend('gcs', { bucket: 'b' }), { bucket: 'b', prefix: 'network-vpc' });
    assert.deepEqual(backend('gcs', { prefix: 'p' }), { prefix: 'p' });
    assert.deepEqual(backend('local', {}), {});
  });

  it('gives azurerm a key after the root one, unless the component or a base sets its own', () => {
    assert.deepEqual(backend('azurerm', { container_name: 'c' }), { container_name: 'c', key: 'network-vpc.terraform.tfstate' });
    assert.deepEqual(backend('azurerm', { key: 'acme' }, { rootAzurermKey: 'acme' }), { key: 'acme/network-vpc.terraform.tfstate' });
    assert.deepEqual(backend('azurerm', { key: 'from-base' }, { rootAzurermKey: 'acme' }), { key: 'from-base' });
    assert.deepEqual(backend('azurerm', { key: 'own' }, { ownAzurermKey: true }), { key: 'own' });
  });

  it('reduces a backend and workspace to the place of the state', () => {
    const at = (backendType: string | undefined, settings: Record<string, unknown>, ws = 'dev') =>
      stateAddress({ componentDir: '/p/components/vpc', backendType, backend: settings, workspace: ws, rootDir: '/p' }).where;
    assert.equal(at(undefined, {}), "workspace 'dev' of components/vpc");
    assert.equal(at('local', {}), 'components/vpc/terraform.tfstate.d/dev/terraform.tfstate');
    assert.equal(at('local', { path: 'x.tfstate' }, 'default'), 'components/vpc/x.tfstate');
    assert.equal(at('s3', { bucket: 'b', key: 'k', workspace_key_prefix: 'vpc' }), 's3://b/vpc/dev/k');
    assert.equal(at('s3', { bucket: 'b', key: 'k' }), 's3://b/env:/dev/k');
    assert.equal(at('s3', { bucket: 'b', key: 'k' }, 'default'), 's3://b/k');
    assert.equal(at('gcs', { bucket: 'b', prefix: 'vpc' }), 'gs://b/vpc/dev.tfstate');
    assert.equal(at('azurerm', { storage_account_name: 'a', container_name: 'c', key: 'vpc.terraform.tfstate' }), 'azurerm://a/c/vpc.terraform.tfstateenv:dev');
    const consul = (settings: Record<string, unknown>) => stateAddress({ componentDir: '/x', backendType: 'consul', backend: settings, workspace: 'dev' }).id;
    assert.equal(consul({ path: 'a', address: 'h' }), consul({ address: 'h', path: 'a' }));
    assert.notEqual(consul({ path: 'a' }), consul({ path: 'b' }));
  });
});

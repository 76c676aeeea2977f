import assert from 'node:assert/strict';
import { withPlanFile } from './plan-file.js';

describe('plan files per stack and component', () => {
  const vpc = { stack: 'prod/us-east-1', name: 'vpc/primary' };

  it('names a file in the -out directory after the stack and component', () => {
    assert.deepEqual(withPlanFile(['-input=false', '-out=plans/'], vpc, '/work'), ['-input=false', '-out=/work/plans/prod-us-east-1-vpc-primary.tfplan']);
  });

  it('keeps a given file name as a suffix, in both -out forms', () => {
    assert.deepEqual(withPlanFile(['-out', 'out/plan.bin'], vpc, '/work'), ['-out=/work/out/prod-us-east-1-vpc-primary.plan.bin']);
    assert.deepEqual(withPlanFile(['-out=/abs/x.tfplan'], vpc, '/work'), ['-out=/abs/prod-us-east-1-vpc-primary.x.tfplan']);
  });

  it('leaves other arguments alone', () => {
    assert.deepEqual(withPlanFile(['-var', 'a=b', '-outfoo'], vpc, '/work'), ['-var', 'a=b', '-outfoo']);
  });
});

import assert from 'node:assert/strict';
import { scanStackName } from './manifest.js';

describe('scanStackName', () => {
  it('reads the root name: line without parsing the document', () => {
    assert.equal(scanStackName('import: [a]\nname: dev\n', 'x.yaml'), 'dev');
    assert.equal(scanStackName('name: "prod/us-east-1"  # explicit\n', 'x.yaml'), 'prod/us-east-1');
    assert.equal(scanStackName("'name': staging\n", 'x.yaml'), 'staging');
    // A broken document elsewhere does not matter.
    assert.equal(scanStackName('name: qa\nvars: [unclosed\n', 'x.yaml'), 'qa');
  });

  it('ignores nested name keys and files without one', () => {
    assert.equal(scanStackName('vars:\n  name: inner\n', 'x.yaml'), undefined);
    assert.equal(scanStackName('vars: { name: inner }\n', 'x.yaml'), undefined);
    assert.equal(scanStackName('vars: [unclosed\n', 'x.yaml'), undefined);
  });

  it('falls back to parsing when the value is not on the name: line', () => {
    assert.equal(scanStackName('name: >-\n  folded\n', 'x.yaml'), 'folded');
    assert.equal(scanStackName('name:\n  - not a string\n', 'x.yaml'), undefined);
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inPropertyOrder, writeDescribeEntries, writeDescribeOutput } from './describe-output.js';

describe('writeDescribeEntries: a mapping written entry by entry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tfwrap-describe-output-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** What writeDescribeOutput writes for the whole mapping, and what writeDescribeEntries writes for its entries. */
  const both = async (whole: Record<string, unknown>, format: 'yaml' | 'json') => {
    const once = join(dir, `once.${format}`);
    const streamed = join(dir, `streamed.${format}`);
    await writeDescribeOutput(whole, format, { file: once });
    async function* entries(): AsyncGenerator<[string, unknown]> {
      for (const key of inPropertyOrder(Object.keys(whole))) yield [key, whole[key]];
    }
    await writeDescribeEntries(entries(), format, { file: streamed });
    return [readFileSync(streamed, 'utf8'), readFileSync(once, 'utf8')];
  };

  it('writes the same bytes as the whole mapping, in JSON and YAML: nested values, keys that need quoting, empty values', async () => {
    const stacks = {
      'deploy/dev': { components: { terraform: { vpc: { vars: { cidr: '10.0.0.0/16', zones: ['a', 'b'], empty: {}, none: null, 'key: colon': 'x\ny' } } } } },
      'plat-ue2-prod': { components: { terraform: {} } },
      '': { components: { terraform: { app: { vars: { n: 1, flag: true } } } } },
    };
    for (const format of ['json', 'yaml'] as const) {
      const [streamed, once] = await both(stacks, format);
      assert.equal(streamed, once, format);
    }
  });

  it('no entry is the empty mapping, as the whole would be', async () => {
    for (const format of ['json', 'yaml'] as const) {
      const [streamed, once] = await both({}, format);
      assert.equal(streamed, once, format);
    }
  });

  it('integer-like names come first, ascending, as an object lists its keys (a stack named 10 before one named 9 is not)', async () => {
    assert.deepEqual(inPropertyOrder(['dev', '10', '9', '007', '4294967295', '2']), ['2', '9', '10', 'dev', '007', '4294967295']);
    const stacks = Object.fromEntries(['dev', '10', '9'].map((name) => [name, { components: { terraform: {} } }]));
    const [streamed, once] = await both(stacks, 'json');
    assert.equal(streamed, once);
  });
});

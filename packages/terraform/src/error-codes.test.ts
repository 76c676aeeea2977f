import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ExitCode, errorCodes, exitCodeOf } from '@tfwrap/core';
import '@tfwrap/stacks';
import './index.js';

describe('error codes', () => {
  it('stacks and terraform declare their codes with an exit class, and docs/errors.md lists every code with its exit status', () => {
    assert.equal(exitCodeOf('E_STACK_UNKNOWN'), ExitCode.config);
    assert.equal(exitCodeOf('E_COMPONENT_LOCKED'), ExitCode.config);
    const docs = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    const documented = new Map<string, number>();
    for (const row of docs.matchAll(/^\| ((?:`E_[A-Z_]+`(?:, )?)+) \| (\d+) \|/gm)) {
      for (const code of row[1]!.matchAll(/`(E_[A-Z_]+)`/g)) documented.set(code[1]!, Number(row[2]));
    }
    for (const [code] of errorCodes()) {
      if (code.startsWith('E_TEST_')) continue;
      assert.equal(documented.get(code), exitCodeOf(code), `${code} in docs/errors.md`);
    }
    for (const code of documented.keys()) assert.ok(errorCodes().has(code), `${code} is documented but not declared`);
  });
});

import assert from 'node:assert/strict';
import { LineSplitter, SummaryReader, summaryFromLine } from './summary.js';
import { combinedExitCode, formatSummaryTable } from './report.js';
import { outcomeOf, type ComponentResult } from './runner.js';

describe('plan summaries', () => {
  it('reads plan, apply, destroy and no-change lines, colored or not', () => {
    assert.deepEqual(summaryFromLine('\u001b[1mPlan:\u001b[0m 1 to add, 2 to change, 3 to destroy.'), { add: 1, change: 2, destroy: 3 });
    assert.deepEqual(summaryFromLine('Plan: 1 to import, 0 to add, 1 to change, 0 to destroy.'), { add: 0, change: 1, destroy: 0 });
    assert.deepEqual(summaryFromLine('No changes. Your infrastructure matches the configuration.'), { add: 0, change: 0, destroy: 0 });
    assert.deepEqual(summaryFromLine('Apply complete! Resources: 4 added, 0 changed, 1 destroyed.'), { add: 4, change: 0, destroy: 1 });
    assert.deepEqual(summaryFromLine('Destroy complete! Resources: 3 destroyed.'), { add: 0, change: 0, destroy: 3 });
    assert.equal(summaryFromLine('  # terraform_data.x will be created'), undefined);
  });

  it('keeps the last summary of a stream split anywhere', () => {
    const reader = new SummaryReader();
    for (const chunk of ['Pl', 'an: 1 to add, 0 to ch', 'ange, 0 to destroy.\nterraform_data.x: Creating...\nApply complete! Resources: 1 added, 0 changed, 0 destroyed.']) reader.push(chunk);
    assert.deepEqual(reader.end(), { add: 1, change: 0, destroy: 0 });
  });

  it('splits lines and hands out the partial last one at the end', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    splitter.push('a\r\nb');
    splitter.push('c\n');
    splitter.push('Enter a value: ');
    assert.deepEqual(lines, ['a', 'bc']);
    splitter.end();
    assert.deepEqual(lines, ['a', 'bc', 'Enter a value: ']);
  });
});

describe('results and exit codes', () => {
  const result = (over: Partial<ComponentResult>): ComponentResult => ({
    stack: 'dev', component: 'c', identity: 'id', principalArn: null, command: 'plan', result: 'ok', exitCode: 0,
    add: null, change: null, destroy: null, durationMs: 10, ...over,
  });

  it('knows that plan -detailed-exitcode 2 means changes', () => {
    assert.equal(outcomeOf('plan', ['-detailed-exitcode'], 2), 'changes');
    assert.equal(outcomeOf('plan', [], 2), 'failed');
    assert.equal(outcomeOf('apply', [], 130), 'interrupted');
    assert.equal(outcomeOf('apply', [], 0), 'ok');
  });

  it('combines: interrupt, then the first failure, then changes', () => {
    assert.equal(combinedExitCode([result({}), result({ result: 'changes', exitCode: 2 })]), 2);
    assert.equal(combinedExitCode([result({ result: 'changes', exitCode: 2 }), result({ result: 'failed', exitCode: 1 })]), 1);
    assert.equal(combinedExitCode([result({ result: 'failed', exitCode: 1 }), result({ result: 'interrupted', exitCode: 130 })]), 130);
    assert.equal(combinedExitCode([result({}), result({ result: 'skipped' })]), 0);
  });

  it('prints a summary table', () => {
    const table = formatSummaryTable([result({ add: 1, change: 0, destroy: 0, durationMs: 1500 }), result({ component: 'd', result: 'failed', exitCode: 1 })]);
    assert.match(table, /^COMPONENT\s+IDENTITY\s+RESULT\s+ADD\s+CHANGE\s+DESTROY\s+DURATION$/m);
    assert.match(table, /^dev\/c\s+id\s+ok\s+1\s+0\s+0\s+1\.5s$/m);
    assert.match(table, /^dev\/d\s+id\s+failed \(1\)\s+-\s+-\s+-\s+10ms$/m);
  });
});

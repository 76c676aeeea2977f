import assert from 'node:assert/strict';
import { AtmosTag, TfwrapError } from '@tfwrap/core';
import { deferredAsText, parseDeferredCall, valueAtPath } from './deferred.js';

function tag(name: string, argument: string): AtmosTag {
  const result = new AtmosTag(name, argument, '/repo/stacks/dev.yaml');
  result.line = 7;
  return result;
}

function parseError(name: string, argument: string): TfwrapError {
  try {
    parseDeferredCall(tag(name, argument));
  } catch (err) {
    assert.ok(err instanceof TfwrapError);
    return err;
  }
  assert.fail(`${name} ${argument} parsed`);
}

describe('deferred YAML functions: arguments (Atmos pkg/function/parser)', () => {
  it('!terraform.output <component> <output>: the current stack, a bare name is .name', () => {
    assert.deepEqual(parseDeferredCall(tag('!terraform.output', 'vpc vpc_id')), {
      fn: 'terraform.output', component: 'vpc', expression: { text: 'vpc_id', path: ['vpc_id'] },
    });
  });

  it('!terraform.output <component> <stack> <output>, and an expression with a default after the component', () => {
    const withStack = parseDeferredCall(tag('!terraform.output', 'vpc prod vpc_id'));
    assert.equal(withStack.fn, 'terraform.output');
    assert.equal((withStack as { stack?: string }).stack, 'prod');
    // An expression start (.[{'") in the second place is the expression, not a stack.
    const call = parseDeferredCall(tag('!terraform.state', `vpc '.subnets[1] // "none"'`));
    assert.deepEqual(call, { fn: 'terraform.state', component: 'vpc', expression: { text: '.subnets[1] // "none"', path: ['subnets', 1], default: { value: 'none' } } });
    const unquoted = parseDeferredCall(tag('!terraform.output', 'vpc .tags["cost-center"] // 3'));
    assert.deepEqual((unquoted as { expression: unknown }).expression, { text: '.tags["cost-center"] // 3', path: ['tags', 'cost-center'], default: { value: 3 } });
  });

  it('malformed arguments are E_STACK_INVALID at the file:line, naming the function', () => {
    const err = parseError('!terraform.output', 'vpc');
    assert.equal(err.code, 'E_STACK_INVALID');
    assert.deepEqual(err.location, { file: '/repo/stacks/dev.yaml', line: 7 });
    assert.match(err.message, /^!terraform\.output vpc: needs a component and an output/);
    assert.match(parseError('!terraform.output', 'vpc .a | length').message, /not a path tfwrap can read/);
    assert.match(parseError('!terraform.output', 'vpc dev a b').message, /takes 2 or 3 arguments/);
  });

  it('!store <store> [<stack>] <component> <key> with | default and | query; !store.get <store> <key>', () => {
    assert.deepEqual(parseDeferredCall(tag('!store', 'ssm vpc id')), { fn: 'store', store: 'ssm', component: 'vpc', key: 'id' });
    assert.deepEqual(parseDeferredCall(tag('!store', `ssm prod vpc id | default 'vpc-0' | query .a`)), {
      fn: 'store', store: 'ssm', stack: 'prod', component: 'vpc', key: 'id', default: 'vpc-0', query: { text: '.a', path: ['a'] },
    });
    assert.deepEqual(parseDeferredCall(tag('!store.get', 'ssm /global/region | default eu-west-1')), { fn: 'store.get', store: 'ssm', key: '/global/region', default: 'eu-west-1' });
    assert.match(parseError('!store', 'ssm id').message, /takes 3 or 4 arguments/);
    assert.match(parseError('!store.get', 'ssm a b').message, /takes 2 arguments/);
    assert.match(parseError('!store', 'ssm vpc id | default a b').message, /default takes one value/);
  });

  it('paths read maps and lists (negative indexes from the end); a missing step is not found', () => {
    const value = { a: { b: [1, { c: 'x' }] } };
    assert.deepEqual(valueAtPath(value, ['a', 'b', 1, 'c']), { found: true, value: 'x' });
    assert.deepEqual(valueAtPath(value, ['a', 'b', -2]), { found: true, value: 1 });
    assert.deepEqual(valueAtPath(value, ['a', 'z']), { found: false });
    assert.deepEqual(valueAtPath(value, ['a', 'b', 5]), { found: false });
    assert.deepEqual(valueAtPath(value, []), { found: true, value });
  });

  it('describe stacks shows an unevaluated function as the text it was written as', () => {
    assert.deepEqual(deferredAsText({ vars: { id: tag('!terraform.output', 'vpc id'), n: 1 } }), { vars: { id: '!terraform.output vpc id', n: 1 } });
  });
});

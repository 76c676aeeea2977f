import assert from 'node:assert/strict';
import * as v from 'valibot';
import { buildChain, MAX_CHAIN_DEPTH, validateIdentities, type Identities } from './auth-graph.js';
import type { TfwrapError } from './errors.js';
import { IdentityKindRegistry } from './registry.js';

function registry(): IdentityKindRegistry {
  let plugin: string | undefined = 'test-plugin';
  const kinds = new IdentityKindRegistry(() => plugin, () => 'tfwrap.yaml');
  const impl = () => ({ authenticate: async () => undefined, prepareEnv: (env: Record<string, string>) => env });
  kinds.register({ kind: 'ambient', schema: v.looseObject({ kind: v.string() }), via: 'none', load: impl });
  kinds.register({ kind: 'aws/ambient', schema: v.looseObject({ kind: v.string() }), via: 'none', produces: ['aws'], load: impl });
  kinds.register({
    kind: 'aws/assume-role',
    schema: v.looseObject({ kind: v.string(), principal: v.object({ assume_role: v.pipe(v.string(), v.startsWith('arn:')) }) }),
    via: 'required',
    accepts: ['aws'],
    produces: ['aws'],
    load: impl,
  });
  plugin = undefined;
  return kinds;
}

const role = (via: string) => ({ kind: 'aws/assume-role', via: { identity: via }, principal: { assume_role: 'arn:aws:iam::1:role/x' } });

describe('identity graph', () => {
  it('builds chains root first', () => {
    const identities: Identities = { base: { kind: 'aws/ambient' }, hop: role('base'), target: role('hop') };
    assert.deepEqual(buildChain(identities, 'target'), ['base', 'hop', 'target']);
  });

  it('names a cycle as a path', () => {
    assert.throws(() => buildChain({ a: role('b'), b: role('a') }, 'a'), (err: TfwrapError) => err.code === 'E_IDENTITY_CYCLE' && /a -> b -> a/.test(err.message));
  });

  it(`refuses chains deeper than ${MAX_CHAIN_DEPTH}`, () => {
    const identities: Record<string, ReturnType<typeof role> | { kind: string }> = { s0: { kind: 'aws/ambient' } };
    for (let i = 1; i <= MAX_CHAIN_DEPTH; i++) identities[`s${i}`] = role(`s${i - 1}`);
    assert.equal(buildChain(identities, `s${MAX_CHAIN_DEPTH - 1}`).length, MAX_CHAIN_DEPTH);
    assert.throws(() => buildChain(identities, `s${MAX_CHAIN_DEPTH}`), (err: TfwrapError) => err.code === 'E_CHAIN_TOO_DEEP');
  });

  it('reports every static problem at once', async () => {
    const identities: Identities = {
      typo: { kind: 'aws/ambeint' },
      noVia: { kind: 'aws/assume-role', principal: { assume_role: 'arn:aws:iam::1:role/x' } },
      viaOnAmbient: { kind: 'ambient', via: { identity: 'typo' } },
      missingLink: role('nobody'),
      badArn: { kind: 'aws/assume-role', via: { identity: 'noVia' }, principal: { assume_role: 'role/x' } },
      fromAmbient: role('plain'),
      plain: { kind: 'ambient' },
      loopA: role('loopB'),
      loopB: role('loopA'),
      one: { kind: 'ambient', default: true },
      two: { kind: 'ambient', default: true },
    };
    const problems = await validateIdentities(identities, registry(), undefined);
    const text = problems.map((p) => `${p.code} ${p.message} | ${p.hint ?? ''}`);
    const expect = (pattern: RegExp) => assert.ok(text.some((t) => pattern.test(t)), `missing ${pattern}\n${text.join('\n')}`);
    expect(/E_KIND_UNKNOWN identity "typo" has unknown kind "aws\/ambeint" \(known kinds: ambient, aws\/ambient, aws\/assume-role\) \| did you mean "aws\/ambient"/);
    expect(/E_IDENTITY_INVALID identity "noVia" .* needs via\.identity/);
    expect(/E_IDENTITY_INVALID identity "viaOnAmbient" \(kind ambient\) takes no via:/);
    expect(/E_IDENTITY_UNKNOWN identity "missingLink" chains via "nobody", which is not defined/);
    expect(/E_IDENTITY_INVALID identity "badArn" \(kind aws\/assume-role\): principal\.assume_role:/);
    expect(/E_CHAIN_INCOMPATIBLE identity "fromAmbient" .* cannot chain via "plain" \(kind ambient\)/);
    expect(/E_IDENTITY_CYCLE identity chain has a cycle: loopA -> loopB -> loopA/);
    expect(/more than one identity is marked default: one, two/);
    assert.equal(text.filter((t) => t.includes('E_IDENTITY_CYCLE')).length, 1, 'a cycle is reported once');
  });
  it("reports a kind's own chain check with the identity's file and line", async () => {
    let plugin: string | undefined = 'picky-plugin';
    const kinds = new IdentityKindRegistry(() => plugin, () => 'tfwrap.yaml');
    const impl = () => ({ authenticate: async () => undefined, prepareEnv: (env: Record<string, string>) => env });
    kinds.register({ kind: 'root', schema: v.looseObject({ kind: v.string() }), produces: ['t'], load: impl });
    kinds.register({
      kind: 'picky',
      schema: v.looseObject({ kind: v.string() }),
      via: 'required',
      accepts: ['t'],
      produces: ['t'],
      checkChain: (identity, source) => (source.kind === 'picky' ? `cannot follow "${source.name}" (${identity.name})` : undefined),
      load: impl,
    });
    plugin = undefined;
    const problems = await validateIdentities({ r: { kind: 'root' }, a: { kind: 'picky', via: { identity: 'r' } }, b: { kind: 'picky', via: { identity: 'a' } } }, kinds, undefined);
    assert.deepEqual(problems.map((p) => [p.code, p.message, p.plugin]), [['E_IDENTITY_INVALID', 'identity "b" (kind picky): cannot follow "a" (b)', 'picky-plugin']]);
  });
});

import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../sim/scenario/load.js';
import { withOverrides } from '../../sim/scenario/overrides.js';
import { FIXTURE_PROTOCOLS, inputProblem } from './fixtures.js';

const parse = (text: string) => parseScenario(text, 'o.yaml', FIXTURE_PROTOCOLS);
const override = (text: string, o: Parameters<typeof withOverrides>[1]) => withOverrides(parse(text), o, FIXTURE_PROTOCOLS);

describe('command-line overrides of a scenario', () => {
  it('--seed replaces the seed and --bug adds to bugs without duplicates', () => {
    const s = override('protocol: alpha\nbugs: [alpha.skip-sync]\n', { seed: 42, bugs: ['alpha.early-commit', 'alpha.skip-sync'] });
    expect(s.seed).toBe(42);
    expect(s.bugs).toEqual(['alpha.skip-sync', 'alpha.early-commit']);
  });

  it('--protocol switches a protocol-agnostic scenario and fills the new defaults', () => {
    const s = override('protocol: alpha\nnodes: 4\nprotocolOptions: { batch: 8 }\n', { protocol: 'beta', bugs: ['beta.no-digest-check'] });
    expect(s.protocol).toBe('beta');
    expect(s.protocolOptions).toEqual({ checkpointEvery: 16, tick: 10_000 });
    expect(s.bugs).toEqual(['beta.no-digest-check']);
  });

  it('refuses to switch a scenario with protocol-specific options or bugs', () => {
    const options = inputProblem(() => override('protocol: alpha\nnodes: 4\nprotocolOptions: { preVote: true }\n', { protocol: 'beta' }));
    expect(options.field).toBe('--protocol');
    expect(options.message).toMatch(/cannot switch from alpha to beta because it uses alpha-specific options \(preVote\)/);
    const bugs = inputProblem(() => override('protocol: alpha\nnodes: 4\nbugs: [alpha.skip-sync]\n', { protocol: 'beta' }));
    expect(bugs.message).toMatch(/bugs \(alpha.skip-sync\)/);
  });

  it('refuses unknown protocols, cluster sizes the target rejects, bad seeds and foreign bugs', () => {
    expect(inputProblem(() => override('protocol: alpha\n', { protocol: 'zeta' })).message).toMatch(/unknown protocol "zeta"; expected one of alpha, beta/);
    expect(inputProblem(() => override('protocol: alpha\nnodes: 5\n', { protocol: 'beta' })).message).toMatch(/beta cannot run o with 5 nodes/);
    expect(inputProblem(() => override('protocol: alpha\n', { seed: -1 })).field).toBe('--seed');
    const bug = inputProblem(() => override('protocol: alpha\n', { bugs: ['beta.no-digest-check'] }));
    expect([bug.field, bug.message]).toEqual(['--bug', 'unknown bug "beta.no-digest-check" for alpha; expected one of alpha.skip-sync, alpha.early-commit']);
  });
});

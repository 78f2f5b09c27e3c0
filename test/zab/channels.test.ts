/**
 * Zab's FIFO-channel assumption on a network that loses, duplicates and reorders (zab-nemesis):
 * reordering and duplicates are absorbed by the sessions, a lost message breaks a session, and
 * the follower re-joins and re-synchronizes.
 */
import { describe, expect, it } from 'vitest';
import { eventsOf } from '../../sim/run.js';
import { notes, run, scenario } from './helpers.js';

describe('sessions over the engine network (zab-nemesis seed 1)', () => {
  const { result, trace } = run(scenario('zab-nemesis'), 1, [], true);
  const events = trace ?? [];
  const all = notes(trace);

  it('the run passes every check', () => {
    expect(result.ok).toBe(true);
  });

  it('a lost message breaks a session, on either side, and the leader resets the follower', () => {
    expect(events.some((e) => e.kind === 'drop' && e.reason === 'loss')).toBe(true);
    expect(all.some((t) => /^dropped n\d+'s session: a message was lost$/.test(t))).toBe(true);
    expect(all.some((t) => /^LOOKING \(n\d+ reset the session\)$/.test(t))).toBe(true);
  });

  it('far fewer breaks than duplicated messages: duplicates and reordering are absorbed', () => {
    const breaks = all.filter((t) => /lost|reset the session/.test(t)).length;
    const duplicates = events.filter((e) => e.kind === 'duplicate').length;
    const sessionMessages = eventsOf(events, 'send').filter((e) => typeof (e.msg as { seq?: unknown }).seq === 'number').length;
    expect(duplicates).toBeGreaterThan(0);
    expect(breaks).toBeLessThan(sessionMessages / 20);
  });

  it('a follower whose session broke is synchronized again (a later NEWLEADER to it)', () => {
    const breakAt = events.findIndex((e) => e.kind === 'note' && /^LOOKING \((n\d+) reset the session\)$/.test(e.text));
    const found = events[breakAt];
    const follower = found?.kind === 'note' ? found.node : undefined;
    const resync = events.findIndex(
      (e, i) => i > breakAt && e.kind === 'send' && e.to === follower && (e.msg as { type?: string }).type === 'NEWLEADER',
    );
    expect(resync).toBeGreaterThan(breakAt);
  });
});

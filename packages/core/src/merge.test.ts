import { describe, expect, it } from 'vitest';
import { INITIAL_KEYS } from './initial.js';
import { decideIdentify, type IdentifyFacts, MERGE_CAP, MERGE_WINDOW_MS, type PropertyWrite, winningWrite } from './merge.js';

const facts = (over: Partial<IdentifyFacts> = {}): IdentifyFacts => ({
  currentIdentity: null,
  owner: null,
  root: '111',
  attachedInWindow: 0,
  ...over,
});

describe('constants (R9)', () => {
  it('caps 10 user ids per identity in 30 days', () => {
    expect(MERGE_CAP).toBe(10);
    expect(MERGE_WINDOW_MS).toBe(30 * 24 * 60 * 60 * 1000);
  });
});

describe('decideIdentify', () => {
  it('claims an identity nobody has (R5)', () => {
    expect(decideIdentify('alice', facts())).toEqual({ action: 'claim' });
  });

  it('merges into the user that has the identity (R5)', () => {
    expect(decideIdentify('alice', facts({ owner: '222', attachedInWindow: 1 }))).toEqual({ action: 'merge', into: '222' });
  });

  it('merges into a server-created owner that counts for nothing (R9, R12)', () => {
    expect(decideIdentify('alice', facts({ owner: '222', attachedInWindow: 0 }))).toEqual({ action: 'merge', into: '222' });
  });

  it('claims when the owner is this user itself', () => {
    expect(decideIdentify('alice', facts({ owner: '111', root: '111' }))).toEqual({ action: 'claim' });
  });

  it('is a no-op when the user already has the identity (R7)', () => {
    expect(decideIdentify('alice', facts({ currentIdentity: 'alice', owner: '111' }))).toEqual({ action: 'noop' });
  });

  it('is a no-op for the current identity even when the cap is reached', () => {
    expect(decideIdentify('alice', facts({ currentIdentity: 'alice', owner: '111', attachedInWindow: 25 }))).toEqual({ action: 'noop' });
  });

  it('refuses another identity for an identified user (R6, R14)', () => {
    expect(decideIdentify('bob', facts({ currentIdentity: 'alice' }))).toEqual({ action: 'refuse', reason: 'identity_conflict' });
    expect(decideIdentify('bob', facts({ currentIdentity: 'alice', owner: '333', attachedInWindow: 3 }))).toEqual({
      action: 'refuse',
      reason: 'identity_conflict',
    });
  });

  it('compares identities exactly', () => {
    expect(decideIdentify('Alice', facts({ currentIdentity: 'alice' }))).toEqual({ action: 'refuse', reason: 'identity_conflict' });
  });

  it('reports identity_conflict before merge_cap', () => {
    expect(decideIdentify('bob', facts({ currentIdentity: 'alice', attachedInWindow: 10 }))).toEqual({
      action: 'refuse',
      reason: 'identity_conflict',
    });
  });

  it('allows the 10th user id and refuses the 11th (R9)', () => {
    expect(decideIdentify('alice', facts({ owner: '222', attachedInWindow: 9 }))).toEqual({ action: 'merge', into: '222' });
    expect(decideIdentify('alice', facts({ owner: '222', attachedInWindow: 10 }))).toEqual({ action: 'refuse', reason: 'merge_cap' });
    expect(decideIdentify('alice', facts({ owner: '222', attachedInWindow: 11 }))).toEqual({ action: 'refuse', reason: 'merge_cap' });
  });

  it('refuses merge_cap even when no owner is known (the window counts attachments)', () => {
    expect(decideIdentify('alice', facts({ attachedInWindow: 10 }))).toEqual({ action: 'refuse', reason: 'merge_cap' });
  });

  it('simulated: N devices identifying one identity leave 10 attached and N-10 refused', () => {
    let owner: string | null = null;
    let attached = 0;
    const outcomes: string[] = [];
    for (let device = 0; device < 25; device++) {
      const d = decideIdentify('shared', facts({ root: `u${device}`, owner, attachedInWindow: attached }));
      outcomes.push(d.action);
      if (d.action === 'claim') owner = `u${device}`;
      if (d.action === 'claim' || d.action === 'merge') attached++;
    }
    expect(outcomes.filter((a) => a === 'claim')).toHaveLength(1);
    expect(outcomes.filter((a) => a === 'merge')).toHaveLength(9);
    expect(outcomes.filter((a) => a === 'refuse')).toHaveLength(15);
    expect(outcomes.slice(0, 10)).toEqual(['claim', ...Array(9).fill('merge')]);
    expect(attached).toBe(10);
  });
});

describe('winningWrite (R11)', () => {
  const w = (value: string, time: number, seq: number): PropertyWrite => ({ value, time, seq });

  it('lets the latest message time win, whatever the argument order', () => {
    const old = w('Startup', 1000, 5);
    const young = w('Growth', 2000, 1);
    expect(winningWrite('plan', old, young)).toBe(young);
    expect(winningWrite('plan', young, old)).toBe(young);
  });

  it('breaks a tie of time by seq (arrival order)', () => {
    const first = w('A', 1000, 1);
    const second = w('B', 1000, 2);
    expect(winningWrite('plan', first, second)).toBe(second);
    expect(winningWrite('plan', second, first)).toBe(second);
  });

  it('does not let seq beat time', () => {
    expect(winningWrite('plan', w('A', 2000, 1), w('B', 1000, 99)).value).toBe('A');
  });

  it('answers one of the two when they are identical', () => {
    const a = w('A', 1000, 1);
    const b = w('B', 1000, 1);
    expect([a, b]).toContain(winningWrite('plan', a, b));
  });

  it.each([...INITIAL_KEYS])('lets the earliest write win for %s', (key) => {
    const early = w('first', 1000, 9);
    const late = w('second', 2000, 1);
    expect(winningWrite(key, early, late)).toBe(early);
    expect(winningWrite(key, late, early)).toBe(early);
    const tieA = w('a', 1000, 1);
    const tieB = w('b', 1000, 2);
    expect(winningWrite(key, tieA, tieB)).toBe(tieA);
    expect(winningWrite(key, tieB, tieA)).toBe(tieA);
  });

  it('treats keys that only look like Initial keys as ordinary', () => {
    const early = w('first', 1000, 1);
    const late = w('second', 2000, 1);
    for (const key of ['initial referrer', 'Initial referrer', 'Initial Referrer ', 'Initial', 'Initial Plan', 'Last Seen'])
      expect(winningWrite(key, early, late)).toBe(late);
  });

  it('folds many writes to the latest, in any arrival order', () => {
    const writes = [w('a', 5, 1), w('b', 9, 2), w('c', 1, 3), w('d', 9, 4), w('e', 3, 5)];
    const fold = (list: PropertyWrite[], key: string) => list.reduce((acc, x) => winningWrite(key, acc, x));
    expect(fold(writes, 'plan').value).toBe('d');
    expect(fold([...writes].reverse(), 'plan').value).toBe('d');
    expect(fold(writes, 'Initial Landing Page').value).toBe('c');
    expect(fold([...writes].reverse(), 'Initial Landing Page').value).toBe('c');
  });
});

describe('INITIAL_KEYS (R17)', () => {
  it('lists the autocaptured Initial properties', () => {
    expect([...INITIAL_KEYS].sort()).toEqual(
      [
        'Initial Referrer',
        'Initial Referring Domain',
        'Initial Landing Page',
        'Initial UTM Source',
        'Initial UTM Medium',
        'Initial UTM Term',
        'Initial UTM Content',
        'Initial UTM Campaign',
        'Initial Marketing Channel',
        'Initial Browser',
        'Initial Device Type',
        'Initial Platform',
      ].sort(),
    );
  });
});

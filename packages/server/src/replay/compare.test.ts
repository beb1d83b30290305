import { describe, expect, it } from 'vitest';
import { compare } from './compare.js';

const user = (identity: string | null, events: string[] = [], properties = {}) => ({
  userId: '1',
  identity,
  events,
  properties,
  sessions: 1,
});

describe('compare (the replay verdict)', () => {
  it('passes a perfect match and fails each kind of difference', () => {
    const actual = { name: 'x', users: [user('a', ['E'])], rejected: [], lookups: [{ step: 0, value: null }] };
    expect(compare({ users: [{ identity: 'a', events: ['E'] }], lookups: [{ step: 0, value: null }] }, actual)).toEqual([]);
    expect(compare({ users: [{ identity: 'b' }] }, actual)).toHaveLength(1);
    expect(compare({ users: [{ identity: 'a', events: [] }] }, actual)).toHaveLength(1);
    expect(compare({ users: [{ identity: 'a' }, { identity: null }] }, actual)).toHaveLength(1);
    expect(compare({ rejected: [{ step: 0, reason: 'empty' }] }, actual)).toHaveLength(1);
    expect(compare({ lookups: [{ step: 0, value: 'x' }] }, actual)).toHaveLength(1);
    expect(compare({ lookups: [{ step: 3, value: null }] }, actual)).toHaveLength(1);
  });
  it('needs a one-to-one matching of users, not just each expected user found', () => {
    const actual = { name: 'x', users: [user(null, ['A']), user(null, ['A'])], rejected: [], lookups: [] };
    expect(
      compare(
        {
          users: [
            { identity: null, events: ['A'] },
            { identity: null, events: ['B'] },
          ],
        },
        actual,
      ),
    ).toHaveLength(1);
    expect(compare({ users: [{ identity: null }, { identity: null }] }, actual)).toEqual([]);
  });
  it('checks properties, sameAs, differsFrom and matches', () => {
    const actual = {
      name: 'x',
      users: [user(null, [], { plan: 'Growth', seats: 5 })],
      rejected: [],
      lookups: [
        { step: 1, value: '123' },
        { step: 2, value: '123' },
        { step: 3, value: '9007199254740993' },
      ],
    };
    expect(compare({ users: [{ identity: null, properties: { plan: 'Growth' } }] }, actual)).toEqual([]);
    expect(compare({ users: [{ identity: null, properties: { seats: '5' } }] }, actual)).toHaveLength(1);
    expect(compare({ lookups: [{ step: 2, sameAs: 1 }] }, actual)).toEqual([]);
    expect(compare({ lookups: [{ step: 2, differsFrom: 1 }] }, actual)).toHaveLength(1);
    expect(compare({ lookups: [{ step: 1, matches: '^[0-9]{1,16}$' }] }, actual)).toEqual([]);
    expect(compare({ lookups: [{ step: 3, matches: '^[0-9]{1,16}$' }] }, actual)).toHaveLength(1);
  });
});

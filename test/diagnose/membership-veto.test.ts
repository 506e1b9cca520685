// The veto on chronik's repeated `membership applied` lines: only a line naming the voters its node's
// last such line named is skipped; a change, another node, or another line is read.
import { describe, expect, it } from 'vitest';
import { KeywordFilter } from '../../src/diagnose/keywords.js';
import { MembershipVeto } from '../../src/diagnose/membership-veto.js';

const kept = (lines: string[]): string[] => {
  const veto = new MembershipVeto();
  const view = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'latin1');
  return new KeywordFilter(['membership applied', 'became leader']).lines(view, veto.veto).map((l) => l.text);
};

describe('membership veto', () => {
  it('skips a text line repeating its node’s voters, keeps changes and other nodes', () => {
    const lines = [
      'T INFO  membership applied node=1 term=2 index=1 change=add-voter voters=[1,2,3] learners=[]',
      'T INFO  membership applied node=1 term=2 index=2 change=noop voters=[1,2,3] learners=[]',
      'T INFO  membership applied node=2 term=2 index=2 change=noop voters=[1,2,3] learners=[]',
      'T INFO  became leader node=1 term=3 voters=[1,2,3]',
      'T INFO  membership applied node=1 term=3 index=9 change=remove-voter voters=[1,2] learners=[]',
      'T INFO  membership applied node=1 term=3 index=10 change=noop voters=[1,2] learners=[]',
      'T INFO  membership applied node=1 term=3 index=11 change=add-voter voters=[1,2,3] learners=[]',
    ];
    expect(kept(lines)).toEqual([lines[0], lines[2], lines[3], lines[4], lines[6]]);
  });

  it('reads JSON lines the same way, and keeps a line whose fields it cannot find', () => {
    const lines = [
      '{"msg":"membership applied","node":1,"voters":[1,2,3]}',
      '{"msg":"membership applied","node":1,"voters":[1,2,3],"index":7}',
      '{"msg":"membership applied","node":1}',
      '{"msg":"membership applied","node":"1","voters":[1,2,3]}',
    ];
    expect(kept(lines)).toEqual([lines[0], lines[2], lines[3]]);
  });
});

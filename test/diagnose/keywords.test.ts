// The keyword search under the prefilter: which lines it finds, whatever anchors it picks, and however
// densely the lines hold keywords.
import { describe, expect, it } from 'vitest';
import { KeywordFilter, type FoundLine } from '../../src/diagnose/keywords.js';

const LINES = [
  'INFO routine compaction done',
  'INFO 1 became leader at term 2',
  'WARN raft: 1 is starting a new election at term 3',
  'INFO region 7 peer 2 heartbeat',
  'INFO peer_id=3 term=9 applied',
  'INFO peer_id=3 applied',
  'INFO became candidate; became leader twice in one line',
];
const chunk = (lines: string[]): Buffer => Buffer.from(`${lines.join('\n')}\n`, 'latin1');
const texts = (found: FoundLine[]): string[] => found.map((l) => l.text);

describe('KeywordFilter', () => {
  const keywords = ['became ', 'a new election', ['peer_id', 'term']] as const;

  it('finds each line holding a keyword once, in order, with its offsets', () => {
    const view = chunk(LINES);
    const found = new KeywordFilter(keywords).lines(view);
    expect(texts(found)).toEqual([LINES[1], LINES[2], LINES[4], LINES[6]]);
    for (const line of found) expect(view.toString('latin1', line.start, line.end)).toBe(line.text);
  });

  it('finds the same lines with the anchors picked on another sample', () => {
    const view = chunk(LINES);
    const tuned = new KeywordFilter(keywords);
    tuned.tune(chunk(Array.from({ length: 200 }, (_, i) => LINES[i % LINES.length]!)));
    // A copy of the list compiles anew, with anchors picked on the view itself.
    expect(texts(tuned.lines(view))).toEqual(texts(new KeywordFilter([...keywords]).lines(view)));
  });

  it('finds every line when a third of the lines hold a keyword, the same each time', () => {
    const dense = Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? `INFO ${i} became follower at term ${i}` : `INFO line ${i}`));
    dense[1501] = 'WARN 9 is starting a new election at term 5';
    const view = chunk(dense);
    const filter = new KeywordFilter(keywords);
    const first = filter.lines(view);
    const second = filter.lines(view);
    expect(first.length).toBe(1001);
    expect(texts(second)).toEqual(texts(first));
    expect(second.map((l) => l.start)).toEqual(first.map((l) => l.start));
  });

  it('does not take a keyword split across lines or only part of one', () => {
    const found = new KeywordFilter(['became leader']).lines(chunk(['INFO 1 became', 'leader at term 2', 'INFO became lead']));
    expect(found).toEqual([]);
  });

  it('skips the lines the veto rejects', () => {
    const found = new KeywordFilter(keywords).lines(chunk(LINES), (view, start, end) => view.toString('latin1', start, end).includes('twice'));
    expect(texts(found)).toEqual([LINES[1], LINES[2], LINES[4]]);
  });
});

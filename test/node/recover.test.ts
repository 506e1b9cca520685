// recover plan's ranking and refusals, and recover apply's checks, on data dirs written by the node's own
// storage modules: five voters, survivors whose logs differ in length and in last term.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDataDir, openDataDir, readDataDir } from '../../src/node/datadir.js';
import { applyRecovery, planRecovery, readSurvivors } from '../../src/node/recover.js';
import { bootstrapEntries, bootstrapHardState } from '../../src/raft/index.js';
import type { Entry } from '../../src/raft/types.js';

const root = mkdtempSync(join(tmpdir(), 'chronik-recover-'));
const members = [1, 2, 3, 4, 5].map((id) => ({ id, addr: `127.0.0.1:${25400 + id}` }));

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A data dir of node `id` whose log continues after the bootstrap entries with `terms` (one entry each). */
async function dataDir(id: number, terms: number[], commit: number): Promise<string> {
  const dir = join(root, `${id}-${Math.random().toString(36).slice(2)}`);
  createDataDir(dir, { nodeId: id, cluster: 'recover-test' }, bootstrapEntries(members), bootstrapHardState(members));
  const opened = await openDataDir(dir, {});
  const entries: Entry[] = terms.map((term, i) => ({ type: 'normal', term, index: members.length + 1 + i, data: new TextEncoder().encode(`entry ${i}`) }));
  await opened.wal.append(entries, { term: Math.max(1, ...terms), vote: 0, commit: members.length + commit });
  await opened.close();
  return dir;
}

describe('recover plan', () => {
  it('keeps the survivor with the longer log when the last terms agree, and says what commits now', async () => {
    const short = await dataDir(4, [2, 2, 2], 3);
    const long = await dataDir(2, [2, 2, 2, 2, 2, 2], 4);
    const plan = planRecovery(readSurvivors([short, long]));
    expect(plan.best).toMatchObject({ id: 2, lastIndex: 11, lastTerm: 2, commit: 9 });
    expect(plan.survivors.map((s) => s.id)).toEqual([2, 4]);
    expect(plan.quorum).toBe(3);
    expect(plan.risk).toMatchObject({ knownCommitted: 9, newlyCommitted: { from: 10, to: 11 }, discarded: [] });
    expect(plan.steps.map((s) => [s.id, s.role, s.survived])).toEqual([[2, 'keep', true], [1, 'rejoin', false], [3, 'rejoin', false], [4, 'rejoin', true], [5, 'rejoin', false]]);
    expect(plan.steps.find((s) => s.id === 4)?.commands[0]).toBe(`mv ${readDataDir(short).dir} ${readDataDir(short).dir}.before-recovery`);
  });

  it('ranks a higher last term above a longer log, whose extra entries are discarded', async () => {
    const longer = await dataDir(1, [2, 2, 2, 2, 2, 2], 2);
    const newer = await dataDir(3, [2, 2, 3], 2);
    const plan = planRecovery(readSurvivors([longer, newer]));
    expect(plan.best.id).toBe(3);
    expect(plan.risk.discarded).toEqual([{ id: 1, entries: 4 }]);
  });

  it('refuses when the survivors are a quorum, and refuses mixed or duplicate data dirs', async () => {
    const dirs = await Promise.all([1, 2, 3].map((id) => dataDir(id, [2], 1)));
    expect(() => planRecovery(readSurvivors(dirs))).toThrow('nothing to recover: nodes 1, 2, 3 are 3 of the 5 voters, a quorum');
    expect(() => planRecovery(readSurvivors([dirs[0]!, dirs[0]!]))).toThrow('two data dirs belong to node 1');
    expect(() => readSurvivors([join(root, 'absent')])).toThrow(/no such directory/);
  });
});

describe('recover apply', () => {
  it('appends removals at a new term, committed, and the offline reader sees the new voters', async () => {
    const dir = await dataDir(2, [2, 2, 3], 1);
    const result = await applyRecovery(dir, [2]);
    expect(result).toMatchObject({ previousVoters: [1, 2, 3, 4, 5], voters: [2], term: 4, commit: 12 });
    expect(result.entries).toEqual([1, 3, 4, 5].map((id, i) => ({ index: 9 + i, term: 4, change: `remove ${id}` })));
    expect(readDataDir(dir)).toMatchObject({ voters: [{ id: 2, addr: '127.0.0.1:25402' }], commit: 12, lastIndex: 12, lastTerm: 4, term: 4 });
    expect((await applyRecovery(dir, [2])).entries).toEqual([]);
  });

  it('refuses voters that leave this node out or are not members', async () => {
    const dir = await dataDir(2, [2], 1);
    await expect(applyRecovery(dir, [1])).rejects.toThrow("--voters must include this data dir's own node 2");
    await expect(applyRecovery(dir, [2, 9])).rejects.toThrow("node 9 is not a member of this data dir's configuration");
    expect(readDataDir(dir).voters).toHaveLength(5);
  });
});

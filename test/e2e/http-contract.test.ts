// The HTTP contract against a real node: every /v1/ answer has exactly the fields of its type in
// src/shared/http-api.ts, and every error carries a code of the contract with the contract's status.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_ERROR_STATUS,
  API_PATHS,
  type ApiErrorBody,
  type HealthAnswer,
  type KvValue,
  type MembersView,
  type MembershipChangeResult,
  type NodeStatus,
  type ProposeResult,
  type TransferResult,
} from '../../src/shared/http-api.js';
import { TestCluster, type TestNode } from './cluster.js';
import { eventually, http } from './node-harness.js';

/** Every field of T, listed once: a field added to the contract fails to compile here until listed. */
const fields = <T>(keys: Record<keyof Required<T>, true>): string[] => Object.keys(keys).sort();

const STATUS = fields<NodeStatus>({
  id: true, addr: true, cluster: true, clusterId: true, divergence: true, role: true, member: true, term: true, leader: true, commitIndex: true, appliedIndex: true, lastIndex: true,
  snapshotIndex: true, voters: true, learners: true, members: true, pendingConfChange: true, progress: true, walBytes: true, startedAt: true, version: true,
});
const MEMBERS = fields<MembersView>({ leader: true, term: true, voters: true, learners: true, pendingConfChange: true });
const CHANGE = fields<MembershipChangeResult>({ index: true, voters: true, learners: true });
const PROPOSE = fields<ProposeResult>({ key: true, index: true, term: true, leader: true });
const KV = fields<KvValue>({ key: true, value: true, index: true });
const TRANSFER = fields<TransferResult>({ leader: true, term: true });
const HEALTHY = fields<Extract<HealthAnswer, { health: 'ok' }>>({ health: true, leader: true, term: true });
const ERROR = fields<ApiErrorBody>({ error: true, code: true, leader: true, voters: true });

const keys = (body: Record<string, unknown>): string[] => Object.keys(body).sort();

describe('HTTP contract against a real node', () => {
  const cluster = new TestCluster();
  let node: TestNode;

  beforeAll(async () => {
    const [port] = await TestCluster.ports(1);
    node = cluster.node({ id: 1, port: port! });
    await node.start();
    await eventually(async () => ((await http(node.endpoint, 'GET', API_PATHS.status)).body.role === 'leader' ? true : undefined), 30_000, 'node 1 to lead');
  }, 60_000);

  afterAll(async () => {
    await cluster.remove();
  });

  it('answers with exactly the contract fields', async () => {
    const at = node.endpoint;
    expect(keys((await http(at, 'GET', API_PATHS.status)).body)).toEqual(STATUS);
    expect(keys((await http(at, 'GET', API_PATHS.members)).body)).toEqual(MEMBERS);
    expect(keys((await http(at, 'POST', API_PATHS.propose, { key: 'k', value: 'v' })).body)).toEqual(PROPOSE);
    expect(keys((await http(at, 'GET', `${API_PATHS.kv}k`)).body)).toEqual(KV);
    expect(keys((await http(at, 'POST', API_PATHS.members, { type: 'add-voter', id: 1, addr: at })).body)).toEqual(CHANGE);
    expect(keys((await http(at, 'POST', API_PATHS.transferLeader, { id: 1 })).body)).toEqual(TRANSFER);
    expect(keys((await http(at, 'GET', API_PATHS.health)).body)).toEqual(HEALTHY);
  });

  it('sends only contract codes, each with its status', async () => {
    const at = node.endpoint;
    const answers = await Promise.all([
      http(at, 'POST', API_PATHS.propose, { key: '', value: 'v' }),
      http(at, 'GET', `${API_PATHS.kv}absent`),
      http(at, 'POST', API_PATHS.propose, { key: 'k', value: 'x'.repeat(1024 * 1024 + 1) }),
      http(at, 'POST', API_PATHS.members, { type: 'remove', id: 1 }),
      http(at, 'POST', API_PATHS.members, { type: 'promote', id: 9 }),
      http(at, 'POST', '/v1/elsewhere', {}),
    ]);
    expect(answers.map((a) => a.body.code)).toEqual(['BAD_REQUEST', 'NOT_FOUND', 'TOO_LARGE', 'REJECTED', 'NOT_FOUND', 'NOT_FOUND']);
    for (const answer of answers) {
      expect(answer.status).toBe(API_ERROR_STATUS[answer.body.code as keyof typeof API_ERROR_STATUS]);
      for (const key of keys(answer.body)) expect(ERROR).toContain(key);
    }
  });
});

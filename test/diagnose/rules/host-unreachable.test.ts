// PEER_UNREACHABLE when the network says the peer's host is gone (detectors/host-unreachable.ts).
import { describe, expect, it } from 'vitest';
import type { EventKind, RaftEvent } from '../../../src/diagnose/model.js';
import { alarms, analyze, BASE, codes, find } from './feed.js';

/** An event whose line says what the error was (the rule reads the line, as the operator does). */
function line(node: string, t: number, kind: EventKind, text: string, peer?: string): RaftEvent {
  return { kind, group: 'etcd', node, peer, time: BASE + t * 1000, evidence: { file: `${node}.log`, line: Math.round(t * 10), text } };
}
const noRoute = (t: number, peer = '420c') => line('core-01', t, 'peer-unreachable', `failed to dial ${peer} on stream MsgApp v2 (dial tcp 192.168.33.13:2380: no route to host)`, peer);
const refused = (t: number) => line('core-01', t, 'peer-unreachable', 'failed to dial 420c on stream MsgApp v2 (dial tcp 192.168.33.13:2380: connect: connection refused)', '420c');

describe('a peer whose host is gone', () => {
  it('no route to the host three seconds apart is PEER_UNREACHABLE', () => {
    const findings = analyze([noRoute(0), noRoute(0), line('core-01', 1, 'peer-unreachable', 'failed to write 420c on pipeline (dial tcp 192.168.33.13:2380: i/o timeout)', '420c'), noRoute(3)]);
    expect(codes(findings)).toEqual(['PEER_UNREACHABLE']);
    expect(find(findings, 'PEER_UNREACHABLE')!.summary).toBe("node core-01 has no route to peer 420c's host (3 failures over 3s): the host is down or off the network");
  });

  it('a process restarting (connection refused) for three seconds, or one moment without a route, is quiet', () => {
    expect(alarms(analyze([refused(0), refused(1), refused(3)]))).toEqual([]);
    expect(alarms(analyze([noRoute(0), noRoute(0), noRoute(1)]))).toEqual([]);
  });

  it('a recovery line in between, or the peer restarting in its own log, explains it', () => {
    const back = line('core-01', 1.5, 'peer-recovered', 'peer 420c became active', '420c');
    expect(alarms(analyze([noRoute(0), back, noRoute(3)]))).toEqual([]);
    const restarted = line('420c', 1, 'node-start', 'starting member 420c in cluster 1');
    expect(alarms(analyze([noRoute(0), restarted, noRoute(3)]))).toEqual([]);
  });
});

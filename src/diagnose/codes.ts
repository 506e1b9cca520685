// The catalogue of finding codes: stable names, default severity and what an operator should do.
// Each code has a runbook at docs/runbooks/<CODE>.md.
import type { Severity } from './model.js';

export interface CodeInfo {
  severity: Severity;
  title: string;
  remediation: string;
  /**
   * The SPEC.md table code this more specific one refines: a finding with this code is always reported
   * with a finding of the table code too (runbook scripts key on the table's codes). A finding may name
   * another table code when what it saw says so (NOT_PROMOTABLE next to a non-empty configuration).
   */
  refines?: TableCode;
}

/** SPEC.md's table of codes, the ones operators' scripts key on (and real-excerpt cases may expect). */
export const TABLE_CODES = [
  'EMPTY_VOTERS',
  'PEERS_NOT_VOTERS',
  'STUCK_AT_TERM_0',
  'NO_LEADER',
  'DROPPED_PROPOSALS',
  'QUORUM_LOST',
  'SPLIT_BRAIN',
  'VOTER_MISMATCH',
  'ELECTION_STORM',
  'MESSAGES_NOT_SENT',
  'CLUSTER_ID_MISMATCH',
  'PEER_UNREACHABLE',
] as const;

export type TableCode = (typeof TABLE_CODES)[number];

export const CODES = {
  EMPTY_VOTERS: {
    severity: 'critical',
    title: 'a node runs with a configuration of zero voters',
    remediation:
      'Stop the node and initialise its storage with the intended voter set (chronik bootstrap does this on a fresh data dir); never keep a node running with voters {}. See docs/runbooks/EMPTY_VOTERS.md.',
  },
  PEERS_NOT_VOTERS: {
    severity: 'critical',
    title: 'peers were given at start but are missing from the voter set',
    remediation:
      'The peer list never reached the Raft configuration: bootstrap the initial voters (this node plus every peer) into storage before starting Raft, or add the peers with add-voter from a working leader. See docs/runbooks/PEERS_NOT_VOTERS.md.',
  },
  STUCK_AT_TERM_0: {
    severity: 'critical',
    title: 'a node never leaves term 0: no election is even attempted',
    remediation:
      'Check that the node is a voter in its own configuration and that its tick loop runs; a node at term 0 that drops proposals was never bootstrapped. See docs/runbooks/STUCK_AT_TERM_0.md.',
  },
  NO_LEADER: {
    severity: 'critical',
    title: 'elections keep happening but no leader emerges',
    remediation:
      'A majority of voters must be up and able to reach each other: check which members are down or partitioned (chronik status), restore them, and check firewalls between peer ports. If a majority is gone for good, plan the recovery from the survivors\' data dirs with chronik recover plan (chronik or etcd). See docs/runbooks/NO_LEADER.md.',
  },
  DROPPED_PROPOSALS: {
    severity: 'critical',
    title: 'proposals are dropped because there is no leader',
    remediation:
      'Writes are failing: restore a leader first (see the other findings for why there is none), then retry the failed writes. See docs/runbooks/DROPPED_PROPOSALS.md.',
  },
  QUORUM_LOST: {
    severity: 'critical',
    title: 'a leader lost contact with a majority of voters',
    remediation:
      'Find the voters the leader could not reach (PEER_UNREACHABLE findings, chronik status) and restore connectivity or the members; do not add members while quorum is lost. If a majority is gone for good, chronik recover plan on the survivors\' data dirs names the member to keep and the commands per host. See docs/runbooks/QUORUM_LOST.md.',
  },
  SPLIT_BRAIN: {
    severity: 'critical',
    title: 'two different leaders for the same term (a safety violation)',
    remediation:
      'Stop writes, preserve every data dir and log, and check for nodes sharing an id or storage restored from a copy; this cannot happen in a correct Raft. See docs/runbooks/SPLIT_BRAIN.md.',
  },
  VOTER_MISMATCH: {
    severity: 'warning',
    title: 'nodes disagree about who the voters are',
    remediation:
      'Compare each node\'s voter set (chronik status --json); a node with a stale set usually missed a membership change or was restored from an old copy. See docs/runbooks/VOTER_MISMATCH.md.',
  },
  ELECTION_STORM: {
    severity: 'warning',
    title: 'repeated elections and leader changes in a short window',
    remediation:
      'Look for slow disks, CPU starvation or a flapping network next to the elections (SLOW_DISK, HEARTBEAT_LATE findings); raise the election timeout only after fixing the cause. See docs/runbooks/ELECTION_STORM.md.',
  },
  MESSAGES_NOT_SENT: {
    severity: 'critical',
    title: 'outgoing Raft messages are produced but never delivered',
    remediation:
      'The application takes messages out of Raft but never sends them: check its message loop and transport (every Ready\'s messages must be sent to their peers). See docs/runbooks/MESSAGES_NOT_SENT.md.',
  },
  CLUSTER_ID_MISMATCH: {
    severity: 'critical',
    title: 'members belong to different clusters and reject each other',
    remediation:
      'A member was started with another cluster token / initial cluster, or its data dir belongs to another cluster: wipe and re-add that member with the right settings. See docs/runbooks/CLUSTER_ID_MISMATCH.md.',
  },
  PEER_UNREACHABLE: {
    severity: 'warning',
    title: 'a member cannot reach a peer for a sustained period',
    remediation:
      'Check that the peer process is running and its peer port is reachable from this node (firewall, DNS, advertised address). See docs/runbooks/PEER_UNREACHABLE.md.',
  },
  NOT_PROMOTABLE: {
    severity: 'critical',
    title: 'a node is not a voter in its own configuration and can never campaign',
    remediation:
      'Add the node as a voter from a working leader, or bootstrap it with a configuration that contains it. See docs/runbooks/NOT_PROMOTABLE.md.',
    // Its voter set, as far as it knows, holds nobody it can count on; VOTER_MISMATCH when it names others.
    refines: 'EMPTY_VOTERS',
  },
  STATE_RESET: {
    severity: 'critical',
    title: 'a node lost its term, vote or log (wiped or rolled-back storage)',
    remediation:
      'Stop the node: a member that forgot its vote or log can elect a second leader or lose committed writes. Remove it from the cluster and re-add it with an empty data dir. See docs/runbooks/STATE_RESET.md.',
  },
  SLOW_DISK: {
    severity: 'warning',
    title: 'slow fsync or apply next to election churn',
    remediation:
      'Move the WAL to a dedicated low-latency disk, check for noisy neighbours and I/O throttling. See docs/runbooks/SLOW_DISK.md.',
  },
  HEARTBEAT_LATE: {
    severity: 'warning',
    title: 'the leader sent heartbeats late next to election churn',
    remediation:
      'The leader is overloaded (slow disk, CPU, GC pauses): fix the cause before tuning heartbeat or election timeouts. See docs/runbooks/HEARTBEAT_LATE.md.',
  },
  REMOVED_MEMBER_DISRUPTING: {
    severity: 'warning',
    title: 'a node outside the configuration keeps contacting the cluster',
    remediation:
      'Stop the removed member and wipe its data dir; it must not be restarted with its old state. See docs/runbooks/REMOVED_MEMBER_DISRUPTING.md.',
    // The removed node still counts itself among the voters; the others do not.
    refines: 'VOTER_MISMATCH',
  },
  NODE_ISOLATED: {
    severity: 'warning',
    title: 'a node campaigns repeatedly while the rest of the cluster has a leader',
    remediation:
      'The node cannot reach the leader: check the network path from it to the others. The cluster itself is serving. See docs/runbooks/NODE_ISOLATED.md.',
    // The peer it cannot reach is the leader.
    refines: 'PEER_UNREACHABLE',
  },
  PROPOSALS_DROPPED_BRIEFLY: {
    severity: 'info',
    title: 'a few proposals were dropped during a short election',
    remediation: 'Normal during a leader change; clients should retry. See docs/runbooks/PROPOSALS_DROPPED_BRIEFLY.md.',
  },
  COMMITTED_ENTRY_CONFLICT: {
    severity: 'critical',
    title: 'a node refused a leader that asked it to overwrite a committed entry (two histories met)',
    remediation:
      'Decide which history holds the acknowledged writes; set the other node\'s data dir aside and add it back empty (--join, add-voter). See docs/runbooks/COMMITTED_ENTRY_CONFLICT.md.',
  },
  DATA_DIR_CORRUPT: {
    severity: 'critical',
    title: 'a chronik data dir cannot be read (corrupt or foreign)',
    remediation: 'See docs/runbooks/DATA_DIR_CORRUPT.md.',
  },
} satisfies Record<string, CodeInfo>;

export type Code = keyof typeof CODES;

/** The table code a code refines, if it is a more specific one. */
export function refinedTableCode(code: Code): TableCode | undefined {
  return (CODES[code] as CodeInfo).refines;
}

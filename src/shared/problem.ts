// One problem a status report names, live (client/cluster-status.ts) or offline (node/offline-status.ts):
// a stable code for scripts and one line for people.

export interface Problem {
  code: string;
  message: string;
}

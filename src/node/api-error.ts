// The error body every non-2xx /v1/ answer carries (docs/http-api.md): a message, a stable code, and the
// leader and voters when known so a client can redirect.

export type ApiErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CHANGE_IN_PROGRESS'
  | 'REJECTED'
  | 'TOO_LARGE'
  | 'NO_LEADER'
  | 'TIMEOUT'
  | 'UNAVAILABLE';

const STATUS: Record<ApiErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CHANGE_IN_PROGRESS: 409,
  REJECTED: 409,
  TOO_LARGE: 413,
  NO_LEADER: 503,
  TIMEOUT: 504,
  UNAVAILABLE: 503,
};

export class ApiError extends Error {
  leader?: number;
  voters?: number[];

  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get status(): number {
    return STATUS[this.code];
  }

  withCluster(leader: number | undefined, voters: number[] | undefined): this {
    if (leader !== undefined && leader !== 0) this.leader = leader;
    if (voters !== undefined) this.voters = voters;
    return this;
  }

  toJSON(): Record<string, unknown> {
    return {
      error: this.message,
      code: this.code,
      ...(this.leader !== undefined ? { leader: this.leader } : {}),
      ...(this.voters !== undefined ? { voters: this.voters } : {}),
    };
  }
}

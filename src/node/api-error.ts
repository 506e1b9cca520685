// The error a node answers a /v1/ request with (src/shared/http-api.ts): a message, a stable code with its
// HTTP status, and the leader and voters when known so a client can redirect.
import { API_ERROR_STATUS, type ApiErrorBody, type ApiErrorCode } from '../shared/http-api.js';

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
    return API_ERROR_STATUS[this.code];
  }

  withCluster(leader: number | undefined, voters: number[] | undefined): this {
    if (leader !== undefined && leader !== 0) this.leader = leader;
    if (voters !== undefined) this.voters = voters;
    return this;
  }

  toJSON(): ApiErrorBody {
    return {
      error: this.message,
      code: this.code,
      ...(this.leader !== undefined ? { leader: this.leader } : {}),
      ...(this.voters !== undefined ? { voters: this.voters } : {}),
    };
  }
}

// Errors that carry the process exit code SPEC.md promises: 1 failed, 2 usage, 3 unhealthy.

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_UNHEALTHY = 3;

export class ChronikError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad flag, bad argument value, missing file: exit 2. */
export class UsageError extends ChronikError {
  constructor(message: string, hint?: string) {
    super(message, EXIT_USAGE, hint);
  }
}

/** The operation was attempted and failed (no leader, timeout, unreachable, rejected): exit 1. */
export class OperationError extends ChronikError {
  constructor(message: string, hint?: string) {
    super(message, EXIT_FAILED, hint);
  }
}

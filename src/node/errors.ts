// Storage failures that must stop a node with a precise location and an operator's next step.

/** A WAL record or state file that cannot be trusted: never skipped, always reported with file and offset. */
export class StorageCorruptError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`storage corrupt: ${file} at offset ${offset}: ${reason}`);
    this.name = 'StorageCorruptError';
  }

  /** What the operator can do: the data is not silently dropped, so a human has to decide. */
  get hint(): string {
    return (
      'this node cannot trust its log; if the other members are healthy, move this data dir aside, ' +
      'remove the member (chronik remove-voter) and add it back with an empty data dir (--join, then chronik add-voter)'
    );
  }
}

/** Another live process holds the data dir. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`data dir ${dir} is in use by process ${pid}`);
    this.name = 'DataDirLockedError';
  }
}

/** The errno-style code of a failed socket or request (undici puts it on the error's cause). */
export function errnoCode(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  return (err as NodeJS.ErrnoException).code ?? (err.cause as NodeJS.ErrnoException | undefined)?.code;
}

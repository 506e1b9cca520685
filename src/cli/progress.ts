// One self-overwriting progress line on stderr, only on a TTY and never under --json: waits show
// that they are alive without polluting what scripts read.
export class ProgressLine {
  private shown = false;

  constructor(
    private readonly enabled: boolean = process.stderr.isTTY === true,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(text: string): void {
    if (!this.enabled) return;
    this.stream.write(`\r\x1b[2K${text}`);
    this.shown = true;
  }

  /** Removes the line so the next output starts clean. */
  clear(): void {
    if (!this.enabled || !this.shown) return;
    this.stream.write('\r\x1b[2K');
    this.shown = false;
  }
}

// Human output: borderless aligned tables (cli-table3) and a few semantic colours. Colour follows
// chalk's level, which shared/chalk.ts sets to 0 under NO_COLOR and chalk itself keeps off when not a TTY.
import chalk from '../shared/chalk.js';
import Table from 'cli-table3';

export type Tone = 'good' | 'warn' | 'bad' | 'dim' | 'plain';

export function paint(text: string, tone: Tone): string {
  switch (tone) {
    case 'good':
      return chalk.green(text);
    case 'warn':
      return chalk.yellow(text);
    case 'bad':
      return chalk.red.bold(text);
    case 'dim':
      return chalk.dim(text);
    default:
      return text;
  }
}

const NO_BORDERS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
};

/** Columns aligned by display width (colour codes do not count), header first, no borders: easy to grep. */
export function renderTable(head: string[], rows: string[][]): string {
  const table = new Table({
    head: head.map((h) => chalk.bold(h)),
    chars: NO_BORDERS,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  table.push(...rows);
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

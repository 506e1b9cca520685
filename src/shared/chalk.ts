// chalk as every renderer uses it: chalk 5 keeps colour on a TTY even when NO_COLOR is set, so the
// rule is applied here, where chalk is loaded, whichever entry (oclif or the fast start) renders.
import chalk from 'chalk';

if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') chalk.level = 0;

export default chalk;

#!/usr/bin/env node
// The fast start (dist/cli/fast-start.js, one bundled file) answers --version, help, `status` and
// `diagnose` as oclif would, without loading oclif; anything it does not take goes to oclif.
const { runFast } = await import('../dist/cli/fast-start.js');
if (!(await runFast(process.argv.slice(2)))) {
  const { execute } = await import('@oclif/core');
  await execute({ dir: import.meta.url });
}

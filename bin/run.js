#!/usr/bin/env node
// `diagnose` in its plain forms starts without oclif (dist/diagnose/fast-cli.js); all else goes to oclif.
const fast = process.argv[2] === 'diagnose' && (await (await import('../dist/diagnose/fast-cli.js')).runDiagnoseFast(process.argv.slice(3)));
if (!fast) {
  const { execute } = await import('@oclif/core');
  await execute({ dir: import.meta.url });
}

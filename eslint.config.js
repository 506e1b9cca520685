// Lint config: typescript-eslint's recommended rules over src, test and bench, and the layer direction of
// docs/architecture.md (commands -> cli -> client/node/diagnose -> shared -> raft) as import rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * What each directory of src/ may import from the others (itself always). docs/architecture.md's table
 * is this one; change both together. Packages are allowed unless `packages` says otherwise.
 */
export const LAYERS = {
  raft: { imports: [], packages: 'none' },
  shared: { imports: ['raft'], packages: 'no-oclif' },
  node: { imports: ['shared', 'raft'], packages: 'no-oclif' },
  client: { imports: ['shared', 'raft'], packages: 'no-oclif' },
  // diagnose reads a chronik data dir through the node's own offline reader, not a second copy of the format.
  diagnose: { imports: ['shared', 'raft'], nodeModules: ['datadir', 'errors'], packages: 'no-oclif' },
  cli: { imports: ['client', 'node', 'diagnose', 'shared', 'raft'], packages: 'any' },
  commands: { imports: ['cli', 'client', 'node', 'diagnose', 'shared', 'raft'], packages: 'any' },
};

/** Source patterns (regexes over the import specifier) a file of this layer must not import. */
function forbiddenSources(layer) {
  const rule = LAYERS[layer];
  if (rule.packages === 'none') return [{ regex: '^(?!\\./)', why: `src/${layer} imports nothing but its own files: no packages, no node: modules, nothing else in src/` }];
  const patterns = [];
  for (const dir of Object.keys(LAYERS)) {
    if (dir === layer || rule.imports.includes(dir)) continue;
    if (dir === 'node' && rule.nodeModules) {
      patterns.push({ regex: `^(\\.\\./)+node/(?!(${rule.nodeModules.join('|')})\\.js$)`, why: `src/${layer} may use only ${rule.nodeModules.map((m) => `node/${m}`).join(' and ')} of src/node` });
    } else {
      patterns.push({ regex: `^(\\.\\./)+${dir}/`, why: `src/${layer} must not import src/${dir}` });
    }
  }
  if (rule.packages === 'no-oclif') patterns.push({ regex: '^@oclif/', why: `src/${layer} must not import oclif: only src/cli and src/commands do` });
  return patterns;
}

function layerRules(layer) {
  const patterns = forbiddenSources(layer);
  const message = (why) => `${why} (layer rules: docs/architecture.md)`;
  return {
    files: [`src/${layer}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', { patterns: patterns.map((p) => ({ regex: p.regex, message: message(p.why) })) }],
      // no-restricted-imports does not see import(): the commands load their libraries lazily.
      'no-restricted-syntax': ['error', ...patterns.map((p) => ({ selector: `ImportExpression > Literal[value=/${p.regex.replace(/\//g, '\\/')}/]`, message: message(p.why) }))],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test/fixtures/**', 'bench/out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  ...Object.keys(LAYERS).map(layerRules),
);

// The HTTP contract (src/shared/http-api.ts) is docs/http-api.md's table of codes and statuses. Against a
// real node it is checked in test/e2e/http-contract.test.ts.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { API_ERROR_STATUS } from '../../src/shared/http-api.js';

describe('HTTP contract', () => {
  it("is docs/http-api.md's table of codes and statuses", () => {
    const doc = readFileSync(fileURLToPath(new URL('../../docs/http-api.md', import.meta.url)), 'utf8');
    const rows = Object.fromEntries([...doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]));
    expect(rows).toEqual(API_ERROR_STATUS);
  });
});

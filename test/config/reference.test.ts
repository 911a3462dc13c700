import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { configReferenceTable, REFERENCE_END, REFERENCE_START } from '../../src/config/reference.ts';

describe('configuration reference in the README', () => {
  it('matches the schema (refresh it with `npm run config:docs -- --write`)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const documented = readme.slice(readme.indexOf(REFERENCE_START) + REFERENCE_START.length, readme.indexOf(REFERENCE_END)).trim();
    assert.equal(documented, configReferenceTable());
  });
});

/** `npm run config:docs`: prints the configuration reference; `-- --write` refreshes it in README.md. */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { configReferenceTable, REFERENCE_END, REFERENCE_START } from '../src/config/reference.ts';

const table = configReferenceTable();
if (process.argv.includes('--write')) {
  const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
  const readme = readFileSync(readmePath, 'utf8');
  const start = readme.indexOf(REFERENCE_START);
  const end = readme.indexOf(REFERENCE_END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the markers ${REFERENCE_START} … ${REFERENCE_END}`);
  writeFileSync(readmePath, `${readme.slice(0, start + REFERENCE_START.length)}\n${table}\n${readme.slice(end)}`);
  console.log('README.md configuration reference updated');
} else {
  console.log(table);
}

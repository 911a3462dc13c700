/**
 * Mocha root-hooks plugin (registered in .mocharc.json under "require"): when a suite was skipped because a
 * server or binary it needs is missing, the end of the run lists exactly which suites were skipped and the
 * commands that install what is missing, so a green run with skipped suites is never mistaken for a full one.
 *
 * The records live on globalThis under a Symbol.for key so that every copy of this module (mocha's plugin
 * load and the test files' imports) shares one list.
 */

export interface SkipRecord {
  /** Full title of the skipped suite, with its file when known. */
  readonly suite: string;
  readonly reason: string;
  /** Shell command that installs what is missing. */
  readonly install: string;
}

const key = Symbol.for('dinhdanh.test.skipped-suites');
const store = globalThis as unknown as Record<symbol, SkipRecord[] | undefined>;
const records: SkipRecord[] = (store[key] ??= []);

function describeSuite(suite: Mocha.Context | string): string {
  if (typeof suite === 'string') return suite;
  // In a before/beforeEach hook `test` is the hook, in a test it is the test: either way its parent is the suite.
  const runnable = suite.test ?? suite.currentTest;
  const parent = runnable?.parent;
  const title = parent?.fullTitle() || runnable?.title || '(root suite)';
  const file = runnable?.file ?? parent?.file;
  return file ? `${title} (${relativeFile(file)})` : title;
}

function relativeFile(file: string): string {
  const cwd = process.cwd() + '/';
  return file.startsWith(cwd) ? file.slice(cwd.length) : file;
}

/** Records that `suite` is being skipped because of `reason`; `install` is the command that fixes it. */
export function recordSkip(suite: Mocha.Context | string, reason: string, install: string): void {
  const record: SkipRecord = { suite: describeSuite(suite), reason, install };
  if (!records.some((r) => r.suite === record.suite && r.reason === record.reason)) records.push(record);
}

export function skippedSuites(): readonly SkipRecord[] {
  return records;
}

export function skipReport(): string | undefined {
  if (records.length === 0) return undefined;
  const lines = [
    '',
    `  SKIPPED ${records.length} suite${records.length === 1 ? '' : 's'}: a server or binary they need is missing on this machine.`,
    '  This run did NOT test them:',
    ...records.map((record) => `    - ${record.suite}: ${record.reason}`),
    '  Install what is missing with:',
    ...[...new Set(records.map((record) => record.install))].map((command) => `    ${command}`),
    '  (CI=true turns every such skip into a failure.)',
    '',
  ];
  return lines.join('\n');
}

export const mochaHooks = {
  afterAll(): void {
    const report = skipReport();
    if (report) console.warn(report);
  },
};

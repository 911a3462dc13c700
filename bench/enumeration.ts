/**
 * Timing of the answers that must not tell whether someone has an account (never asserted in tests: timing
 * is measured here and reported in issue notes). Over HTTP on the embedded default, production hashing.
 *
 *   login        unknown ID number vs wrong password for a real account
 *   enrollment   matching data without an account vs unknown number vs mismatched name vs existing account
 *
 * Interleaved round-robin so that drift (GC, JIT warm-up) falls on every case alike.
 */
import type { Config } from '../src/config/schema.ts';
import { demoCitizens, demoRegistryRecords } from '../src/demo/citizens.ts';
import { InMemoryPopulationRegistry } from '../src/registry/in-memory-registry.ts';
import { startTestApp } from '../test/helpers/app.ts';
import { postEnrollment, syntheticCitizen } from '../test/helpers/enrollment-flow.ts';
import { startAuthorization, submitLogin } from '../test/helpers/login-flow.ts';

type Report = (name: string, value: string) => void;

const percentile = (sorted: number[], fraction: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;

async function interleaved(rounds: number, cases: Record<string, (round: number) => Promise<unknown>>) {
  const durations: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  for (let round = 0; round < rounds; round += 1) {
    for (const [name, run] of Object.entries(cases)) {
      const started = process.hrtime.bigint();
      await run(round);
      durations[name]!.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  }
  return Object.entries(durations).map(([name, values]) => [name, values.sort((a, b) => a - b)] as const);
}

export async function benchEnumerationTiming(report: Report, passwords: Config['passwords'], rounds: number): Promise<void> {
  const newcomers = Array.from({ length: rounds }, (_, serial) => syntheticCitizen({ personalId: `036197${String(100_000 + serial).padStart(6, '0')}` }));
  const app = await startTestApp(
    { ARGON2_MEMORY_KIB: String(passwords.memoryKiB), ARGON2_PASSES: String(passwords.passes), ARGON2_PARALLELISM: String(passwords.parallelism) },
    { registry: new InMemoryPopulationRegistry([...demoRegistryRecords, ...newcomers]) },
  );
  try {
    const agent = app.agent();
    const binh = demoCitizens[1]!;
    const loginCases = await interleaved(rounds, {
      'login, unknown ID number': async () => {
        const { interactionPath } = await startAuthorization(app, agent);
        await submitLogin(agent, interactionPath, '079195999999', 'some password');
      },
      'login, wrong password': async () => {
        const { interactionPath } = await startAuthorization(app, agent);
        await submitLogin(agent, interactionPath, binh.record.personalId, 'some password');
      },
    });
    const phone = '0909000000';
    const enrollCases = await interleaved(rounds, {
      'enroll, matching data (code sent)': (round) =>
        postEnrollment(app.agent(), { personalId: newcomers[round]!.personalId, fullName: 'Phạm Thị Hồng Nhung', birthDate: '1997-05-09', phoneNumber: phone }),
      'enroll, unknown ID number': () => postEnrollment(app.agent(), { personalId: '036197999999', fullName: 'Phạm Thị Hồng Nhung', birthDate: '1997-05-09', phoneNumber: phone }),
      'enroll, mismatched name': (round) =>
        postEnrollment(app.agent(), { personalId: newcomers[round]!.personalId, fullName: 'Phạm Thị Hồng Nhàn', birthDate: '1997-05-09', phoneNumber: phone }),
      'enroll, account exists': () =>
        postEnrollment(app.agent(), { personalId: binh.record.personalId, fullName: 'Trần Thị Bình', birthDate: binh.record.birthDate, phoneNumber: phone }),
    });
    for (const [name, sorted] of [...loginCases, ...enrollCases]) {
      report(`${name} p50 / p95`, `${percentile(sorted, 0.5).toFixed(1)} / ${percentile(sorted, 0.95).toFixed(1)} ms`);
    }
  } finally {
    await app.close();
  }
}

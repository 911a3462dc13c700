/**
 * Reads the configuration once at start-up: `config/default.json` → `config/<NODE_ENV>.json` → `CONFIG_FILE`
 * → environment variables, parsed by `configSchema`, checked against the production refusals, frozen.
 * Anything wrong stops the process with one line per problem naming the setting and its fix.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { z } from 'zod';

import { configSchema, type Config, type SettingMeta } from './schema.ts';
import { productionRefusals } from './production.ts';

export const defaultConfigDir = fileURLToPath(new URL('../../config/', import.meta.url));

export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: string[]) {
    super(`DinhDanh cannot start, the configuration has ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface Setting {
  /** Dotted path in the config object, e.g. `http.port`. */
  path: string;
  schema: z.ZodType;
  meta: SettingMeta;
}

/** Every leaf of the schema with its metadata, in declaration order. */
export function listSettings(schema: z.ZodType = configSchema, prefix = ''): Setting[] {
  if (schema instanceof z.ZodObject) {
    return Object.entries(schema.shape as Record<string, z.ZodType>).flatMap(([key, child]) =>
      listSettings(child, prefix ? `${prefix}.${key}` : key),
    );
  }
  const meta = z.globalRegistry.get(schema) as SettingMeta | undefined;
  if (!meta?.env) throw new Error(`setting ${prefix} has no environment variable in its schema metadata`);
  return [{ path: prefix, schema, meta }];
}

const settingsByPath = new Map(listSettings().map((entry) => [entry.path, entry]));

/** Turns an environment string into the JSON type the setting expects; leaves it as-is when it cannot. */
function fromEnvironment(schema: z.ZodType, raw: string): unknown {
  const type = (schema as unknown as { _zod: { def: { type: string } } })._zod.def.type;
  switch (type) {
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : raw;
    case 'boolean':
      if (/^(true|1|yes|on)$/i.test(raw.trim())) return true;
      if (/^(false|0|no|off)$/i.test(raw.trim())) return false;
      return raw;
    case 'array':
      return raw.split(',').map((item) => item.trim()).filter(Boolean);
    default:
      return raw;
  }
}

function readJson(file: string, problems: string[], source = file): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    problems.push(`${source}: cannot be read as JSON (${(error as Error).message}). Fix the file or remove it.`);
    return {};
  }
  if (!isPlainObject(parsed)) {
    problems.push(`${source}: must contain a JSON object of settings, not ${parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed}. Fix the file or remove it.`);
    return {};
  }
  return parsed;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepMerge(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = merged[key];
    merged[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return merged;
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (!isPlainObject(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const dotted = issue.path.join('.');
  const leafPath = [...settingsByPath.keys()].find((candidate) => dotted === candidate || dotted.startsWith(`${candidate}.`));
  const entry = leafPath ? settingsByPath.get(leafPath) : undefined;
  if (issue.code === 'unrecognized_keys') {
    const where = dotted ? `in "${dotted}" ` : '';
    return `unknown setting(s) ${where}${issue.keys.map((key) => `"${key}"`).join(', ')}: remove them or check the spelling against the README's configuration reference.`;
  }
  if (!entry) return `${dotted || '(root)'}: ${issue.message}.`;
  return `${entry.meta.env} (${entry.path}) ${issue.message}. ${entry.meta.description} Set ${entry.meta.env} or change "${entry.path}" in config/.`;
}

export interface LoadConfigOptions {
  environment?: Record<string, string | undefined>;
  configDir?: string;
  /** Command-line tools that serve no traffic (e.g. `npm run keys`) skip the production refusals. */
  applyProductionRefusals?: boolean;
}

export function loadConfig({
  environment = process.env,
  configDir = defaultConfigDir,
  applyProductionRefusals = true,
}: LoadConfigOptions = {}): Config {
  const problems: string[] = [];
  const mode = environment.NODE_ENV || 'development';

  let raw: Record<string, unknown> = readJson(path.join(configDir, 'default.json'), problems);
  const modeFile = path.join(configDir, `${mode}.json`);
  if (existsSync(modeFile)) raw = deepMerge(raw, readJson(modeFile, problems));
  if (environment.CONFIG_FILE) {
    if (!existsSync(environment.CONFIG_FILE)) {
      problems.push(`CONFIG_FILE points to ${environment.CONFIG_FILE}, which does not exist. Fix the path or unset CONFIG_FILE.`);
    } else {
      raw = deepMerge(raw, readJson(environment.CONFIG_FILE, problems, `CONFIG_FILE (${environment.CONFIG_FILE})`));
    }
  }
  raw.env = mode;

  for (const entry of settingsByPath.values()) {
    if (entry.path === 'env') continue;
    const value = environment[entry.meta.env];
    if (value !== undefined && value !== '') setPath(raw, entry.path, fromEnvironment(entry.schema, value));
  }

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    problems.push(...parsed.error.issues.map(describeIssue));
    throw new ConfigError(problems);
  }
  if (problems.length) throw new ConfigError(problems);

  if (applyProductionRefusals) {
    const refusals = productionRefusals(parsed.data, readJson(path.join(configDir, 'default.json'), []));
    if (refusals.length) throw new ConfigError(refusals);
  }

  return deepFreeze(parsed.data);
}

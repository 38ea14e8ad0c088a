import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { closest } from './closest.ts';
import { JsonSyntaxError, parseJsonWithLines } from './json-lines.ts';
import { notifySettingProblems } from './notify/index.ts';
import type { PlanSettings } from './records/service/index.ts';
import { shownValue } from './redact.ts';
import { influxSettingProblems, mosquittoSettingProblems, settings } from './settings.ts';

export { settings };

type Settings = typeof settings;
export type Config = { [K in keyof Settings]: z.output<Settings[K]['schema']> };

const configSchema = z.object(
  Object.fromEntries(Object.entries(settings).map(([name, s]) => [name, s.schema])) as {
    [K in keyof Settings]: Settings[K]['schema'];
  },
);

export class ConfigError extends Error {}

/** Renamed settings: the old name is still read, with a warning, so that existing installs keep working. */
export const RENAMED: Readonly<Record<string, keyof Settings>> = { FACILITY_ADMIN_TOKEN: 'FM_ADMIN_TOKEN' };

export interface LoadOptions {
  /** Told what is accepted but probably not meant (an unknown FM_ variable); the CLI logs it. */
  warn?: (message: string) => void;
}

/**
 * FM_ names that are not the platform's settings: Grafana's datasource variables (read by its
 * provisioning, docs/dashboards.md, and often set in the same environment) and the test and
 * benchmark harnesses' own.
 */
const OTHERS_PREFIXES = ['FM_GRAFANA_PG_', 'FM_TEST_', 'FM_BENCH_'];

function didYouMean(name: string): string {
  const guess = closest(name, Object.keys(settings));
  return guess ? ` (did you mean ${guess}?)` : '';
}

/** A misspelt setting is otherwise silently ignored and its default used: say so, with the likely name. */
function unknownVariables(env: Record<string, string | undefined>, warn: (message: string) => void): void {
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('FM_') || name in settings || env[name] === undefined) continue;
    if (OTHERS_PREFIXES.some((p) => name.startsWith(p))) continue;
    warn(`${name} is not a setting${didYouMean(name)}; it is ignored (docs/configuration.md lists them)`);
  }
}

function describeIssue(
  issue: z.core.$ZodIssue,
  input: Record<string, unknown>,
  named: Record<string, string>,
): string {
  const name = String(issue.path[0] ?? '(config)');
  const value = input[name];
  return `${named[name] ?? name}=${shownValue(name, value)}: ${issue.message}`;
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `FM_CONFIG_FILE=${JSON.stringify(path)}: cannot read it (${(err as Error).message})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text around the mistake, which may be a secret's value:
    // say only where it is.
    let line: number | undefined;
    try {
      parseJsonWithLines(text);
    } catch (err) {
      if (err instanceof JsonSyntaxError) line = err.line;
    }
    throw new ConfigError(
      `FM_CONFIG_FILE=${JSON.stringify(path)}: not valid JSON${line ? ` (line ${line})` : ''}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`FM_CONFIG_FILE=${JSON.stringify(path)}: expected a JSON object of settings`);
  }
  const unknown = Object.keys(parsed).filter((k) => !(k in settings) && !(k in RENAMED));
  if (unknown.length > 0) {
    throw new ConfigError(
      `FM_CONFIG_FILE=${JSON.stringify(path)}: unknown setting ${unknown.map((k) => `${k}${didYouMean(k)}`).join(', ')}`,
    );
  }
  // File values may be numbers or booleans; the schemas coerce from strings like the environment.
  return Object.fromEntries(
    Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : String(v)]),
  );
}

/** The files a setting names, so that `facility config` (and every command) refuses what `start` would. */
function namedFiles(config: Config): [name: string, path: string][] {
  const files: [string, string][] = [];
  if (config.FM_MQTT_TLS_CERT) files.push(['FM_MQTT_TLS_CERT', config.FM_MQTT_TLS_CERT]);
  if (config.FM_MQTT_TLS_KEY) files.push(['FM_MQTT_TLS_KEY', config.FM_MQTT_TLS_KEY]);
  for (const path of (config.FM_RULES_FILES ?? '').split(',').map((p) => p.trim()))
    if (path) files.push(['FM_RULES_FILES', path]);
  return files;
}

function fileProblems(config: Config): string[] {
  return namedFiles(config).flatMap(([name, path]) => {
    const problem = (why: string) => [`${name}=${JSON.stringify(path)}: ${why}`];
    try {
      if (!statSync(path).isFile()) return problem('not a file');
      accessSync(path, constants.R_OK);
      return [];
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return problem('no such file');
      if (code === 'EACCES') return problem('this user may not read it');
      return problem(`cannot read it (${(err as Error).message})`);
    }
  });
}

/** One source's settings, each with the name it was given under (an old name, for messages). */
function settingsOf(
  source: Record<string, unknown>,
  where: string,
  warn: (message: string) => void,
): Map<string, { value: unknown; as: string }> {
  const given = (name: string) => source[name] !== undefined && source[name] !== '';
  const values = new Map(
    Object.keys(settings)
      .filter(given)
      .map((name) => [name, { value: source[name], as: name }]),
  );
  for (const [old, current] of Object.entries(RENAMED)) {
    if (!given(old)) continue;
    if (values.has(current)) {
      warn(`${old}${where} is ignored: ${current}, its new name, is set`);
      continue;
    }
    warn(`${old}${where} is deprecated: rename it ${current}`);
    values.set(current, { value: source[old], as: old });
  }
  return values;
}

/** Parses the environment (and FM_CONFIG_FILE) once. Throws ConfigError with one line per bad value. */
export function loadConfig(
  env: Record<string, string | undefined>,
  { warn = () => {} }: LoadOptions = {},
): Config {
  unknownVariables(env, warn);
  const fromEnv = settingsOf(env, '', warn);
  const file = fromEnv.get('FM_CONFIG_FILE')?.value as string | undefined;
  const given = new Map([
    ...(file ? settingsOf(readConfigFile(file), ' in FM_CONFIG_FILE', warn) : []),
    ...fromEnv,
  ]);
  const input = Object.fromEntries([...given].map(([name, v]) => [name, v.value]));
  const named = Object.fromEntries([...given].map(([name, v]) => [name, v.as]));
  const result = configSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => describeIssue(i, input, named)).join('\n'));
  }
  const config = result.data as Config;
  if (Boolean(config.FM_MQTT_TLS_CERT) !== Boolean(config.FM_MQTT_TLS_KEY)) {
    throw new ConfigError(
      `FM_MQTT_TLS_${config.FM_MQTT_TLS_CERT ? 'KEY' : 'CERT'}=null: set both FM_MQTT_TLS_CERT and FM_MQTT_TLS_KEY, or neither`,
    );
  }
  const problems = [
    ...fileProblems(config),
    ...influxSettingProblems(config),
    ...mosquittoSettingProblems(config),
    ...notifySettingProblems(config),
  ];
  if (problems.length > 0) throw new ConfigError(problems.join('\n'));
  return config;
}

/** The defaults, as the documentation and tests see them. */
export function defaultConfig(): Config {
  return loadConfig({});
}

/** The maintenance plans' intervals and lead times (FM_PLAN_*), as the desk takes them. */
export function planSettings(c: Config): PlanSettings {
  return {
    liftDays: c.FM_PLAN_LIFT_DAYS,
    tankMonths: c.FM_PLAN_TANK_MONTHS,
    emergencyLightMonths: c.FM_PLAN_EMERGENCY_LIGHT_MONTHS,
    emergencyLightFullMonths: c.FM_PLAN_EMERGENCY_LIGHT_FULL_MONTHS,
    pumpRunHours: c.FM_PLAN_PUMP_RUN_HOURS,
    nvrDiskHours: c.FM_PLAN_NVR_DISK_HOURS,
    leadDays: c.FM_PLAN_LEAD_DAYS,
    meterDueDays: c.FM_PLAN_METER_DUE_DAYS,
    windowHours: c.FM_PLAN_WINDOW_HOURS,
  };
}

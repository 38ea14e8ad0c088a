/** Everything rules can be told. The entry point maps the platform config onto it; tests build it directly. */
import { DEFAULT_RULE_FILE } from './rule-file.ts';
import type { Lang } from './text.ts';

export interface RulesOptions {
  /**
   * Rule files, overlaid in order: the first is the full set (the shipped DEFAULT_RULE_FILE), later
   * ones add per-site and per-device overrides or replace rules by id. A bad file refuses the start.
   */
  ruleFiles: string[];
  /** Language of the titles rules writes (FM_LANG). */
  lang: Lang;
  /**
   * Grafana base URL for the evidence link, e.g. `https://grafana.example/`; records link to the
   * kind's dashboard in `lang`, `${grafanaUrl}/d/fm-${kind}[-en]?var-site=..&var-device=..&from=..&to=..`.
   * Unset: no link.
   */
  grafanaUrl?: string;
  /**
   * Close a recovered low-priority record whose fault allows it (`selfClose` in the rule file) if
   * nobody has been dispatched yet. Off by default: the procedure's acceptance and return visit
   * are skipped for such records, which the return-visit rate will show.
   */
  selfCloseLow: boolean;
  /** Only these sites (rules workers split the sites between them); unset: every site. */
  sites?: string[];
  /**
   * PostgreSQL: this worker's name in the site leases (docs/rules.md, "Several workers"). Stable
   * across restarts, a worker takes its sites back at once; unset: unique to this process.
   */
  workerId?: string;
  /**
   * PostgreSQL: how long a worker's site leases last unrenewed, ms. A dead worker's sites move to
   * the others within this plus a third of it. 0: no leases, this worker acts on every site (of `sites`).
   */
  leaseTtlMs: number;
  /** How often timers (durations, heartbeats, maintenance ends, storms) are evaluated, ms; 0: only on tick(). */
  tickMs: number;
  /** How often the device registry and maintenance windows are reloaded, ms; 0: only on refresh(). */
  refreshMs: number;
  /** First retry delay while the records database is unavailable, ms; doubles up to retryMaxMs. */
  retryMinMs: number;
  retryMaxMs: number;
  /** MQTT keepalive, seconds. */
  keepaliveS: number;
  /** Shortest time between two meter readings of a device passed to maintenance plans, ms; 0: every message. */
  meterSampleMs: number;
  /** How long start waits for the broker, ms. */
  connectTimeoutMs: number;
}

export const RULES_DEFAULTS: RulesOptions = {
  ruleFiles: [DEFAULT_RULE_FILE],
  lang: 'zh-CN',
  selfCloseLow: false,
  leaseTtlMs: 10_000,
  tickMs: 1000,
  refreshMs: 60_000,
  retryMinMs: 250,
  retryMaxMs: 5000,
  keepaliveS: 30,
  meterSampleMs: 300_000,
  connectTimeoutMs: 30_000,
};

export function rulesOptions(partial: Partial<RulesOptions> = {}): RulesOptions {
  return {
    ...RULES_DEFAULTS,
    ...Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)),
  };
}

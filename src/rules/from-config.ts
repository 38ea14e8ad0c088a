/**
 * Platform config -> RulesOptions. Typed structurally on the FM_RULES_* settings (and the language
 * and Grafana link rules write into records), as ingest's is, so rules imports no config module.
 */
import { listSetting } from '../settings.ts';
import { type RulesOptions, rulesOptions } from './options.ts';
import { DEFAULT_RULE_FILE } from './rule-file.ts';

export interface RulesConfig {
  FM_LANG: 'zh-CN' | 'en';
  FM_GRAFANA_URL?: string;
  FM_RULES_FILES?: string;
  FM_RULES_SELF_CLOSE_LOW: boolean;
  FM_RULES_SITES?: string;
  FM_RULES_TICK_MS: number;
  FM_RULES_REFRESH_S: number;
  FM_RULES_WORKER_ID?: string;
  FM_RULES_LEASE_TTL_S: number;
  FM_RULES_METER_SAMPLE_S: number;
}

export function rulesOptionsFromConfig(c: RulesConfig): RulesOptions {
  return rulesOptions({
    // The shipped rules first, the operator's files laid over them in the order given.
    ruleFiles: [DEFAULT_RULE_FILE, ...listSetting(c.FM_RULES_FILES)],
    lang: c.FM_LANG,
    grafanaUrl: c.FM_GRAFANA_URL,
    selfCloseLow: c.FM_RULES_SELF_CLOSE_LOW,
    sites: c.FM_RULES_SITES ? listSetting(c.FM_RULES_SITES) : undefined,
    tickMs: c.FM_RULES_TICK_MS,
    refreshMs: c.FM_RULES_REFRESH_S * 1000,
    workerId: c.FM_RULES_WORKER_ID,
    leaseTtlMs: c.FM_RULES_LEASE_TTL_S * 1000,
    meterSampleMs: c.FM_RULES_METER_SAMPLE_S * 1000,
  });
}

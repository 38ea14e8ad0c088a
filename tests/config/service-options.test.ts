/**
 * Each service's options from its slice of the platform config (src/api/from-config.ts,
 * src/rules/from-config.ts, as ingest's): what a setting says is what the service gets.
 */
import { describe, expect, it } from 'vitest';
import { apiOptionsFromConfig, resolveApiOptions } from '../../src/api/index.ts';
import { loadConfig } from '../../src/config.ts';
import { DEFAULT_RULE_FILE, rulesOptionsFromConfig } from '../../src/rules/index.ts';

describe('service options from the config', () => {
  it('gives the API its settings, the console session lifetimes in hours among them', () => {
    const config = loadConfig({
      FM_API_PORT: '9091',
      FM_API_RATE_WINDOW_S: '30',
      FM_API_SHUTDOWN_GRACE_S: '3',
      FM_CONSOLE_SESSION_HOURS: '8',
      FM_CONSOLE_IDLE_HOURS: '0.5',
    });
    const options = resolveApiOptions(apiOptionsFromConfig(config));
    expect(options.port).toBe(9091);
    expect(options.rateLimitWindowMs).toBe(30_000);
    expect(options.shutdownGraceMs).toBe(3_000);
    expect(options.console.sessionTtlMs).toBe(8 * 3600_000);
    expect(options.console.sessionIdleMs).toBe(30 * 60_000);
  });

  it("keeps the API's own defaults when nothing is set", () => {
    const mapped = resolveApiOptions(apiOptionsFromConfig(loadConfig({})));
    const own = resolveApiOptions({ dataDir: './data' });
    expect({ ...mapped, dataDir: '' }).toEqual({ ...own, dataDir: '' });
  });

  it('lays the operator rule files over the shipped ones, in order, and splits the site list', () => {
    const options = rulesOptionsFromConfig(
      loadConfig({ FM_RULES_SITES: 'a, b,,c', FM_RULES_REFRESH_S: '5', FM_LANG: 'en' }),
    );
    expect(options.ruleFiles).toEqual([DEFAULT_RULE_FILE]);
    expect(options.sites).toEqual(['a', 'b', 'c']);
    expect(options.refreshMs).toBe(5_000);
    expect(options.lang).toBe('en');
    expect(rulesOptionsFromConfig(loadConfig({})).sites).toBeUndefined();
  });

  it('refuses a console lifetime under a quarter of an hour, naming the setting', () => {
    expect(() => loadConfig({ FM_CONSOLE_IDLE_HOURS: '0.1' })).toThrow(/FM_CONSOLE_IDLE_HOURS/);
  });
});

/**
 * Every document that promises a heartbeat fault after missed intervals also says how long the
 * platform then waits to tell one device from a site-wide outage (the storm's settle time), with
 * the numbers the default rule file runs on.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE_FILE, loadRuleFiles } from '../../src/rules/index.ts';

const WORDS = ['zero', 'one', 'two', 'three', 'four', 'five'];

describe('the heartbeat wait in the docs', () => {
  const file = loadRuleFiles([DEFAULT_RULE_FILE]);
  const missed = file.kinds?.lift?.heartbeat?.missedIntervals ?? 3;
  const settleS = file.storm?.settleS ?? 15;
  const docs = ['README.md', ...readdirSync('docs').map((f) => `docs/${f}`)].filter((f) => f.endsWith('.md'));
  const promise = new RegExp(
    `\\b(${missed}|${WORDS[missed]})\\s+(missed\\s+|reporting\\s+)?intervals\\b`,
    'i',
  );

  it('is stated wherever a heartbeat fault is promised after missed intervals', () => {
    const promised: string[] = [];
    for (const path of docs) {
      for (const paragraph of readFileSync(path, 'utf8').split(/\n\s*\n/)) {
        if (!promise.test(paragraph) || !/heartbeat/i.test(paragraph)) continue;
        promised.push(path);
        expect(paragraph, path).toMatch(new RegExp(`\\b${settleS} s\\b`));
      }
    }
    expect(promised).toEqual(expect.arrayContaining(['docs/mqtt-contract.md', 'docs/records.md']));
  });
});

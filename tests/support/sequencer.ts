/**
 * Test file order for vitest.config.ts: the longest files first, whichever project they are in.
 * vitest's own order queues every file of one project before the next project's, so in `npm test`
 * the long integration files (twenty SIGKILLs, an outage, a dashboards estate) started last and
 * ran on alone while the other worker sat idle. Longest first keeps both workers busy to the end,
 * and the integration files that mostly wait (outages, reconnects) overlap the CPU-bound fast ones.
 */
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const { cache, config } = this.ctx;
    const last = (spec: TestSpecification) =>
      cache.getFileTestResults(`${spec.project.name}:${relative(config.root, spec.moduleId)}`);
    // Files never run before go first (their length is unknown), then failed ones, then by length.
    const rank = (spec: TestSpecification): [number, number] => {
      const result = last(spec);
      if (!result) return [0, 0];
      return [result.failed ? 1 : 2, -result.duration];
    };
    return [...files].sort((a, b) => {
      const [ga, da] = rank(a);
      const [gb, db] = rank(b);
      return ga - gb || da - db;
    });
  }
}

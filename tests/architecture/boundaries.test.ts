/**
 * The rule of docs/architecture.md, "Folders": a folder of src/ is entered only through its
 * index.ts (or a sub-folder's index.ts, such as records/service/index.ts, the desk's facade), and
 * no value import goes round in a circle. What is listed below is what the code breaks today; the
 * list may only shrink: a new crossing fails, and so does a listed one that is gone (delete it).
 */
import { describe, expect, it } from 'vitest';
import { folderOf, importEdges, valueCycles } from './imports.ts';

const KNOWN_CROSSINGS = new Set<string>([
  'api/app.ts -> ingest/rejects.ts',
  'api/context.ts -> ingest/rejects.ts',
  'api/routes/devices.ts -> protocol/topics.ts',
  'api/schemas/common.ts -> protocol/topics.ts',
  'api/schemas/devices.ts -> protocol/topics.ts',
  'broker/acl.ts -> protocol/topics.ts',
  'broker/auth.ts -> protocol/topics.ts',
  'broker/auth.ts -> records/secrets.ts',
  'broker/auth.ts -> records/types.ts',
  'broker/index.ts -> records/types.ts',
  'broker/sessions.ts -> records/types.ts',
  'cli.ts -> commands/usage.ts',
  'config.ts -> ingest/from-config.ts',
  'config.ts -> rules/json-lines.ts',
  'dashboards/common.ts -> protocol/topics.ts',
  'dashboards/common.ts -> records/service/i18n.ts',
  'dashboards/common.ts -> rules/rule-file.ts',
  'dashboards/devices.ts -> ingest/line-protocol.ts',
  'dashboards/devices.ts -> protocol/topics.ts',
  'dashboards/devices.ts -> records/service/i18n.ts',
  'dashboards/estate.ts -> ingest/line-protocol.ts',
  'dashboards/estate.ts -> records/service/i18n.ts',
  'dashboards/index.ts -> protocol/topics.ts',
  'dashboards/index.ts -> records/service/i18n.ts',
  'dashboards/uids.ts -> protocol/topics.ts',
  'dashboards/uids.ts -> records/service/i18n.ts',
  'demo/estate.ts -> protocol/topics.ts',
  'demo/provision.ts -> protocol/topics.ts',
  'platform.ts -> demo/estate.ts',
  'platform.ts -> demo/provision.ts',
  'platform.ts -> ingest/from-config.ts',
  'records/devices.ts -> protocol/topics.ts',
  'records/service/i18n.ts -> protocol/topics.ts',
  'records/sites.ts -> protocol/topics.ts',
  'records/types.ts -> protocol/topics.ts',
  'rules/actions.ts -> records/db.ts',
  'rules/actions.ts -> records/errors.ts',
  'rules/actions.ts -> records/service/types.ts',
  'rules/evidence.ts -> dashboards/uids.ts',
  'rules/evidence.ts -> records/service/i18n.ts',
  'rules/maintenance-feed.ts -> records/db.ts',
  'rules/maintenance.ts -> records/db.ts',
  'rules/maintenance.ts -> records/maintenance.ts',
  'rules/rule-file.ts -> records/service/types.ts',
  'rules/store.ts -> records/db.ts',
]);

const KNOWN_CYCLES = new Set<string>([
  'records/service/merge.ts records/service/records.ts',
  'rules/rule-check.ts rules/rule-file.ts',
]);

const DOOR = /^[^/]+\/(?:[^/]+\/)?index\.ts$/;

describe('import boundaries', () => {
  const edges = importEdges();

  it('enters another folder only through its index.ts', () => {
    const crossings = new Set(
      edges
        .filter(
          (e) => folderOf(e.to) !== undefined && folderOf(e.from) !== folderOf(e.to) && !DOOR.test(e.to),
        )
        .map((e) => `${e.from} -> ${e.to}`),
    );
    expect(
      [...crossings].filter((c) => !KNOWN_CROSSINGS.has(c)),
      'new crossings',
    ).toEqual([]);
    expect(
      [...KNOWN_CROSSINGS].filter((c) => !crossings.has(c)),
      'gone: delete from the list',
    ).toEqual([]);
  });

  it('has no value-import cycle', () => {
    const cycles = new Set(valueCycles(edges).map((c) => c.join(' ')));
    expect(
      [...cycles].filter((c) => !KNOWN_CYCLES.has(c)),
      'new cycles',
    ).toEqual([]);
    expect(
      [...KNOWN_CYCLES].filter((c) => !cycles.has(c)),
      'gone: delete from the list',
    ).toEqual([]);
  });
});

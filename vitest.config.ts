import { defineConfig } from 'vitest/config';
import { LongestFirst } from './tests/support/sequencer.ts';

/**
 * Two projects, so the loop while working is seconds (`npm run test:fast`) and `npm test` runs both.
 *
 * The rule: a test file belongs in `integration` when it (or a helper it calls) starts another
 * process (mosquitto, PostgreSQL, influxd, the CLI, a fixture it kills), or floods, sleeps through
 * or waits out real time by design (outages, rate limits, reconnects), or builds an embedded store
 * from nothing (PGlite's initdb and every migration, about 10 s). Everything else is `fast`:
 * pure logic and in-process collaborators (the API by inject(), the broker on loopback, PGlite
 * copied from the migrated template in tests/support/store.ts). A new file is `fast` unless listed
 * below; tests/support/fast-guard.ts fails a fast file that starts a process, naming this list.
 * A test that needs an embedded store takes its data directory from `migratedDataDir` (openTestApi
 * in tests/api and openStore in tests/rules already do), not from a fresh `tempDir`.
 */
const INTEGRATION = [
  'tests/api/*.postgres.test.ts',
  'tests/broker/corpus.test.ts',
  // Broker nodes clustered on a real redis-server; cluster.test.ts kills node processes.
  'tests/broker/cluster*.test.ts',
  // 10,000 devices reconnecting at once, on one node and on two clustered on redis-server.
  'tests/broker/storm.test.ts',
  'tests/broker/fuzz.test.ts',
  'tests/broker/limits.test.ts',
  'tests/broker/listeners.test.ts',
  'tests/broker/mosquitto-clients.test.ts',
  // Debian's haproxy in front of the broker, sending the PROXY protocol.
  'tests/broker/proxy-haproxy.test.ts',
  'tests/cli/**/*.test.ts',
  'tests/config/config.test.ts',
  'tests/console/browser-*.test.ts',
  'tests/console/screenshots.test.ts',
  'tests/dashboards/**/*.test.ts',
  'tests/deploy/**/*.test.ts',
  'tests/ingest/bus-source.test.ts',
  'tests/ingest/ingest.test.ts',
  'tests/ingest/kill.test.ts',
  'tests/ingest/mqtt-source.test.ts',
  'tests/ingest/outage.test.ts',
  'tests/ingest/share-leave.test.ts',
  'tests/ingest/shared.test.ts',
  'tests/mosquitto/cli.test.ts',
  'tests/mosquitto/dynsec.test.ts',
  'tests/mosquitto/platform.test.ts',
  'tests/platform/**/*.test.ts',
  'tests/records/lock.test.ts',
  'tests/records/notify.test.ts',
  // The store built from nothing: PGlite's initdb and every migration, as on a first start.
  'tests/records/pglite.test.ts',
  'tests/records/postgres.test.ts',
  // Creates stores without the seed, and from a seed that does not open.
  'tests/records/seed.test.ts',
  'tests/records/service/pglite-kill.test.ts',
  'tests/records/service/plans.pglite.test.ts',
  'tests/records/service/postgres.test.ts',
  'tests/rules/behaviour.test.ts',
  'tests/rules/durability.test.ts',
  'tests/rules/episodes.*.test.ts',
  'tests/rules/faults.*.test.ts',
  'tests/rules/handover.test.ts',
  'tests/rules/maintenance-api.*.test.ts',
  'tests/rules/meter-plans.test.ts',
  'tests/rules/storm.test.ts',
  'tests/simulators/fleet.test.ts',
  'tests/simulators/simulate-command.test.ts',
  'tests/device-commands/*.postgres.test.ts',
  'tests/notify/postgres.test.ts',
  'tests/notify/kill.test.ts',
  'tests/notify/email.test.ts',
  'tests/notify/platform.test.ts',
  // Every service a `facility start --only` process, SIGKILLed mid-scenario (issue 17).
  'tests/cluster/**/*.test.ts',
];

// Options every project shares (a project does not inherit the root's `test` options).
const shared = {
  testTimeout: 30_000,
  hookTimeout: 60_000,
};

export default defineConfig({
  test: {
    // Runs once for the whole run and provides the migrated store template to both projects.
    globalSetup: ['tests/support/global-setup.ts'],
    // Real servers (mosquitto, PostgreSQL, influxd) start per file, so keep files few at once. Five on
    // two cores: integration files mostly wait (kills, outages, real time). On this machine: 493 s
    // with two, median 390 s with three, 356 s with four (loaded by others, five runs); then, with
    // every file sharing its worker's process, 300 and 302 s with four, median 284 s with five (seven
    // runs, 269-309 s).
    maxWorkers: 5,
    // Both projects' files in one queue, longest first (tests/support/sequencer.ts says why).
    sequence: { sequencer: LongestFirst },
    reporters: ['default'],
    projects: [
      {
        test: {
          ...shared,
          name: 'fast',
          include: ['tests/**/*.test.ts'],
          exclude: INTEGRATION,
          setupFiles: ['tests/support/fast-guard.ts'],
          // One process per worker for all its files: importing fastify, zod and PGlite anew for each
          // file was a third of this project's time. So a fast file closes what it opens.
          isolate: false,
        },
      },
      {
        test: {
          ...shared,
          name: 'integration',
          include: INTEGRATION,
          // Likewise: a fresh process per file cost a fifth of the suite's CPU (546 s against 446 s
          // without, whole suite, five workers), and these files start their servers as children,
          // so they share nothing but the worker. So an integration file, too, stops what it starts.
          isolate: false,
        },
      },
    ],
  },
});

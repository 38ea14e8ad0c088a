/**
 * The platform's broker for bench/ingest, alone in its process so its CPU and RSS are its own:
 *   node bin/run-ts.js bench/ingest-server.ts bare                      the broker only
 *   node bin/run-ts.js bench/ingest-server.ts ingest <influx url> <db>  the broker with ingest on its bus
 * Prints {"port":N}; with ingest, writes ingest's counters to `$FM_TEST_DATA_DIR/counters.json`
 * every 100 ms. Devices are `<kind>-<NNN>-p<k>` of site `bench-<k>`, all with BENCH_SECRET.
 */
import { startBroker } from '../src/broker/index.ts';
import { ingestOptions, startIngest } from '../src/ingest/index.ts';
import { createLogger } from '../src/log.ts';
import { isKind } from '../src/protocol/index.ts';
import { hashSecret } from '../src/records/secrets.ts';
import { fixedDirectory } from '../tests/broker/support.ts';
import { saveCountersEvery, sizesFromEnv } from '../tests/ingest/support.ts';
import { BENCH_SECRET, BENCH_SERVICE_SECRET, benchBrokerOptions } from './broker-server.ts';

const DEVICE = /^([a-z]+)-\d+-p(\d+)$/;

async function main(): Promise<void> {
  const [mode, influxUrl, database] = process.argv.slice(2);
  const log = createLogger({
    level: process.env.FM_TEST_LOG ?? 'warn',
    format: 'json',
    stream: process.stderr,
  });
  // One hash for every device: the benchmark measures ingest, not registering a fleet.
  const secretHash = await hashSecret(BENCH_SECRET);
  const devices = fixedDirectory((deviceId) => {
    const m = DEVICE.exec(deviceId);
    if (!m || !isKind(m[1]!)) return undefined;
    return {
      deviceId,
      site: `bench-${m[2]}`,
      kind: m[1],
      building: null,
      intervalS: 10,
      secretHash,
      secretRotatedAt: null,
      revokedAt: null,
    };
  });

  const broker = await startBroker({
    // Bench devices publish far above a real device's rate, and reconnect every phase: neither
    // limit is what is measured.
    options: benchBrokerOptions({ deviceRate: 10_000, flapConnects: 100 }),
    log,
    devices,
    serviceSecret: BENCH_SERVICE_SECRET,
  });
  if (mode === 'ingest') {
    const dataDir = process.env.FM_TEST_DATA_DIR!;
    const ingest = await startIngest({
      options: ingestOptions({
        dataDir,
        influx: { mode: 'v1', url: influxUrl!, database: database! },
        ...sizesFromEnv(process.env),
      }),
      bus: broker.bus,
      log,
      devices,
    });
    saveCountersEvery(ingest, dataDir, 100);
  }
  console.log(JSON.stringify({ port: broker.addresses.tcp.port }));
  // Exits through process.exit so Node writes a --cpu-prof profile when asked for one.
  process.on('SIGTERM', () => process.exit(0));
}

await main();

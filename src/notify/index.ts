/**
 * The notification service (docs/notifications.md): the outbox hook the desk writes through, and
 * the sender that delivers what it wrote. startNotify follows the services' shape: start, then
 * stop() undoes it; health is degraded while a receiver is down.
 */
import type { Clock } from '../clock.ts';
import type { ServiceHealth } from '../health.ts';
import type { Logger } from '../log.ts';
import type { MetricFamily } from '../metrics.ts';
import type { Db } from '../records/index.ts';
import type { Lang, OutboxHook } from '../records/service/index.ts';
import type { NotifyOptions } from './config.ts';
import { OutboxSender } from './sender.ts';
import { createOutboxHook } from './stage.ts';

export {
  type NotifyOptions,
  notifyOptionsFromConfig,
  notifySettingProblems,
  receiversSetting,
  smsTemplateSetting,
} from './config.ts';
export { createOutboxHook } from './stage.ts';

export interface NotifyDeps {
  db: Db;
  log: Logger;
  options: NotifyOptions;
  lang: Lang;
  /** The clock sending, retries and quiet hours run on; tests pass a fake one. */
  now?: Clock;
  /** How often the sender looks for due notifications (ms, default 1000). */
  intervalMs?: number;
}

export interface RunningNotify {
  outbox: OutboxHook;
  /** A change was committed: look now rather than at the next interval. */
  wake(): void;
  health(): ServiceHealth;
  metrics(): MetricFamily[];
  stop(): Promise<void>;
}

export function startNotify(deps: NotifyDeps): RunningNotify {
  const sender = new OutboxSender({ db: deps.db, log: deps.log, options: deps.options, now: deps.now });
  sender.start(deps.intervalMs);
  sender.wake(); // whatever a previous run left in the outbox
  return {
    outbox: createOutboxHook(deps.options, deps.lang),
    wake: () => sender.wake(),
    health: () => {
      const down = sender.health.down();
      return down.length === 0
        ? { status: 'ok' }
        : {
            status: 'degraded',
            detail: `notification receiver down: ${down.join(', ')}; notifications wait`,
          };
    },
    metrics: () => sender.metrics(),
    stop: () => sender.stop(),
  };
}

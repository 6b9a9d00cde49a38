/**
 * Runs a piece of work only while this process holds a role's lease in Redis
 * (`lease:ta`, `lease:trader:{account}`): `activate` when the lease is won,
 * its returned stop function when it is lost or released. Activations and
 * deactivations run one at a time in order, so a lease lost while the work is
 * still starting is stopped right after it started, never left running.
 *
 * Without Redis there is no one to share with: the work is activated at once
 * and the returned handle always reports it held.
 */
import type { Bus } from "../bus/bus.ts";
import { acquireLease, defaultLeaseOwner, type Lease } from "../bus/lease.ts";
import { RedisBus } from "../bus/redis-bus.ts";
import { logger } from "../log.ts";

const log = logger("lease");

export type Deactivate = () => void | Promise<void>;

export interface RoleLease {
  readonly key: string;
  /** True while this process may act (holds the lease, or has no Redis to share). */
  isHeld(): boolean;
  /**
   * Held AND confirmed by Redis just now: false from the moment the connection
   * drops or a renewal fails, until a renewal succeeds again (see Lease.isConfirmed).
   */
  isConfirmed(): boolean;
  /**
   * True after this process lost the lease only because Redis became
   * unreachable (no other owner seen since), until Redis answers again. Nobody
   * can take the lease meanwhile, so the caller may keep protective work going.
   */
  lostToOutage(): boolean;
  /** Resolves when every activation/deactivation queued so far has finished. */
  settled(): Promise<void>;
  /** Stops the work if active and gives the lease back for a standby to take at once. */
  release(): Promise<void>;
}

export interface RoleLeaseOptions {
  /** What this process does while holding the key, for the log ("fetches market data"). */
  what: string;
  ttlMs: number;
  /** Wait this long for Redis at start so the first attempt can win (default 3000). */
  connectWaitMs?: number;
  activate: () => Promise<Deactivate> | Deactivate;
}

export async function holdRoleLease(bus: Bus, key: string, options: RoleLeaseOptions): Promise<RoleLease> {
  let active: Deactivate | null = null;
  let chain: Promise<void> = Promise.resolve();
  const serial = (step: () => Promise<void>) => {
    chain = chain.then(step).catch((error) => log.error(`${key}: ${(error as Error).message}`));
    return chain;
  };
  const start = () =>
    serial(async () => {
      if (!active) active = await options.activate();
    });
  const stop = () =>
    serial(async () => {
      const deactivate = active;
      active = null;
      await deactivate?.();
    });

  // Activation is queued, never awaited here: `activate` may wait for something its caller does next.
  if (!(bus instanceof RedisBus)) {
    void start();
    return { key, isHeld: () => true, isConfirmed: () => true, lostToOutage: () => false, settled: () => chain, release: () => stop() };
  }
  if (!(await bus.ready(options.connectWaitMs ?? 3000))) log.warn(`Redis not reachable at start: waiting for ${key} before this process ${options.what}`);
  const renewEveryMs = Math.max(200, Math.floor(options.ttlMs / 5));
  let lease: Lease | null = null;
  let outageLoss = false;
  const offReconnect = bus.onReconnect(() => (outageLoss = false));
  lease = await acquireLease(bus, key, {
    ttlMs: options.ttlMs,
    renewEveryMs,
    owner: defaultLeaseOwner(),
    onAcquired: () => {
      outageLoss = false;
      log.info(`holding ${key}: this process ${options.what}`);
      void start();
    },
    onLost: (reason) => {
      outageLoss = !bus.isConnected();
      log.warn(`lost ${key} (${reason}): standby, this process no longer ${options.what}`);
      void stop();
    },
  });
  return {
    key,
    isHeld: () => lease?.isHeld() ?? false,
    isConfirmed: () => bus.isConnected() && (lease?.isConfirmed() ?? false),
    lostToOutage: () => outageLoss && !bus.isConnected(),
    settled: () => chain,
    // Stop acting first, then hand the lease over: the next holder never overlaps with us.
    release: async () => {
      offReconnect();
      outageLoss = false;
      await stop();
      await lease?.release();
    },
  };
}

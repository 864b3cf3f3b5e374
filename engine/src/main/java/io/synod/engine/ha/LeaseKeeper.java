package io.synod.engine.ha;

import io.synod.engine.watchdog.Watchdog;
import io.synod.store.StoreException;
import io.synod.store.cluster.ClusterStore;
import io.synod.store.cluster.LeaseGrant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews the leader lease on its own thread every ttl/8 while the HA loop says "keep leading".
 * Renewing often costs one small Raft write and makes a crashed leader's lease run out sooner after
 * the crash: expiry comes between ttl - ttl/8 and ttl after the last sign of life.
 *
 * <p>Why not only from the loop: a loop iteration reads PostgreSQL and the store several times, and
 * on a loaded host one iteration can take longer than the lease's slack; the lease would lapse
 * although nothing is wrong. The keeper does one Raft write per tick instead. It stays honest by
 * renewing only while the loop proves it is alive ({@link #loopAlive}) or is inside a bounded
 * operation ({@link #busyFor}); a hung loop lets the lease run out, and the watchdog fences.
 */
final class LeaseKeeper implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("io.synod.ha");

  private final String name;
  private final ClusterStore store;
  private final LeaseState lease;
  private final Watchdog watchdog;
  private final Supplier<HaSettings> settings;
  private final Runnable onLost;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "synod-lease-keeper");
            t.setDaemon(true);
            return t;
          });
  private volatile boolean keeping;
  private volatile long aliveUntil;

  LeaseKeeper(
      String name,
      ClusterStore store,
      LeaseState lease,
      Watchdog watchdog,
      Supplier<HaSettings> settings,
      Runnable onLost) {
    this.name = name;
    this.store = store;
    this.lease = lease;
    this.watchdog = watchdog;
    this.settings = settings;
    this.onLost = onLost;
    long period = Math.max(50, settings.get().ttl().toMillis() / 8);
    timer.scheduleWithFixedDelay(this::tick, period, period, TimeUnit.MILLISECONDS);
  }

  void keep(boolean on) {
    keeping = on;
  }

  /**
   * The loop finished an iteration: it vouches for the primary for one more ttl (less the fence
   * margin).
   */
  void loopAlive() {
    long budget =
        settings.get().ttl().toNanos() - TimeUnit.MILLISECONDS.toNanos(HaActions.FENCE_MARGIN_MS);
    aliveUntil = Math.max(aliveUntil, System.nanoTime() + budget);
  }

  /**
   * The loop enters an operation bounded by {@code ms} (e.g. restarting the postmaster in place).
   */
  void busyFor(long ms) {
    aliveUntil = Math.max(aliveUntil, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms));
  }

  private void tick() {
    if (!keeping || System.nanoTime() - aliveUntil > 0) {
      return;
    }
    try {
      LeaseGrant g = store.renewLeader(name, settings.get().ttl());
      if (!keeping) {
        return; // stepped down meanwhile: do not re-arm anything
      }
      lease.update(g);
      if (g.held()) {
        watchdog.ping(g.remainingMs() - HaActions.FENCE_MARGIN_MS);
      } else {
        keeping = false;
        LOG.warn(
            "lease keeper: the leader lock now belongs to {}; fencing PostgreSQL now", g.holder());
        onLost.run();
      }
    } catch (StoreException e) {
      // The next tick retries; if the lease runs out first, the watchdog fences and the loop
      // demotes.
      LOG.debug("lease keeper: renewal failed: {}", e.getMessage());
    } catch (RuntimeException e) {
      LOG.warn("lease keeper: {}", e.toString());
    }
  }

  @Override
  public void close() {
    keeping = false;
    timer.shutdownNow();
  }
}

package io.synod.engine.ha;

import io.synod.config.WatchdogConfig;
import io.synod.engine.watchdog.Fence;
import io.synod.store.StoreException;
import io.synod.store.cluster.ClusterStore;
import io.synod.store.cluster.LeaseGrant;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of this node's leadership: the leader lock in the store, this node's belief about
 * it (held until the deadline of its last renewal), the renewal thread and the fence. Nothing else
 * writes the lock, computes its deadline or talks to the fence, so the safety argument lives here:
 *
 * <ol>
 *   <li>A renewal's deadline counts from before the request was sent, less a drift margin (see
 *       raft-store's package docs), so this node always believes it lost the lock before any other
 *       node can take it.
 *   <li>The fence is armed with "deadline minus safety margin" <em>before</em> PostgreSQL may run
 *       as primary ({@link #armFence}), and every successful renewal moves that point on. If the
 *       engine freezes, dies or cannot renew, the fence stops PostgreSQL on its own clock before
 *       the lease can pass to another node.
 *   <li>The keeper renews between loops only while the loop proves it is alive ({@link #loopAlive})
 *       or inside a bounded operation ({@link #busyFor}): a hung loop lets the lease run out
 *       instead of keeping a broken primary in charge.
 * </ol>
 */
public final class Leadership implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("io.synod.ha");

  private final String name;
  private final ClusterStore store;
  private final Fence fence;
  private final WatchdogConfig.Mode mode;
  private final Supplier<HaSettings> settings;
  private final WatchdogConfig watchdog;
  private volatile Consumer<String> onLost = why -> {};
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "synod-lease-keeper");
            t.setDaemon(true);
            return t;
          });

  private volatile boolean held;
  private volatile long deadlineNanos;
  private volatile String lastHolder;
  private volatile boolean keeping;
  private volatile long aliveUntil;
  private volatile boolean fenceWanted;
  private volatile boolean closed;
  private volatile boolean retrySoon;
  private volatile long lastRenewalSent = System.nanoTime() - Long.MAX_VALUE / 2;
  private final java.util.concurrent.atomic.AtomicLong renewals =
      new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong lateRenewals =
      new java.util.concurrent.atomic.AtomicLong();

  public Leadership(
      String name,
      ClusterStore store,
      Fence fence,
      WatchdogConfig watchdog,
      Supplier<HaSettings> settings) {
    this.name = name;
    this.store = store;
    this.fence = watchdog.mode() == WatchdogConfig.Mode.OFF ? Fence.NONE : fence;
    this.mode = watchdog.mode();
    this.watchdog = watchdog;
    this.settings = settings;
    if (mode == WatchdogConfig.Mode.OFF) {
      LOG.warn(
          "watchdog.mode is off: a primary whose engine freezes keeps taking writes after another"
              + " node promoted (split brain). Use automatic or required in production.");
    }
    scheduleTick();
  }

  /** What to do when the keeper finds the lock gone or the fence lost (fence PostgreSQL, wake). */
  void onLost(Consumer<String> handler) {
    this.onLost = handler;
  }

  // --- the lock -----------------------------------------------------------------------------

  /** Creates the lock if nobody holds it (the leader race). */
  boolean take() {
    return apply(store.takeLeader(name, ttl()));
  }

  /** Renews the lock if this node (name and owner) still holds it. */
  boolean renew() {
    boolean had = held;
    long before = deadlineNanos;
    Duration ttl = ttl();
    long sent = System.nanoTime();
    boolean ok = apply(store.renewLeader(name, ttl));
    if (ok) {
      lastRenewalSent = sent;
    }
    if (ok && had) {
      renewals.incrementAndGet();
      // A renewal that lands with under a quarter of the lease left is a near miss: on a host
      // this slow a little more delay costs the lock (and a failover). bench flaps counts them.
      if (before - System.nanoTime() < ttl.toNanos() / 4) {
        lateRenewals.incrementAndGet();
      }
    }
    return ok;
  }

  /**
   * The loop's renewal: a Raft write only when the keeper has not renewed within the last period
   * (it is not keeping, or it is stalled). The loop read the lock as this node's a moment ago, and
   * the keeper renews again within a period; a second write would only double the traffic.
   */
  boolean renewFromLoop() {
    if (keeping && valid() && System.nanoTime() - lastRenewalSent < periodMs() * 1_000_000L) {
      return true;
    }
    return renew();
  }

  /** Renewals of a held lock since start, and those that came with under a quarter of it left. */
  public NodeStatus.LeaseCounts counts() {
    return new NodeStatus.LeaseCounts(renewals.get(), lateRenewals.get());
  }

  /** Takes the lock when this node does not believe it holds it, else renews it. */
  boolean acquire() {
    return valid() ? renew() : take();
  }

  private boolean apply(LeaseGrant g) {
    held = g.held();
    deadlineNanos = g.deadlineNanos();
    lastHolder = g.holder();
    if (g.held() && fenceWanted) {
      fence.ping(safeMs());
    }
    return g.held();
  }

  /** Deletes the lock if this node holds it; this node no longer leads either way. */
  void release() {
    keeping = false;
    held = false;
    try {
      store.releaseLeader(name);
    } catch (StoreException e) {
      LOG.warn("could not release the leader lock ({}); it expires within ttl", e.getMessage());
    }
  }

  /** Forget the lock locally (it was taken by another node, or ran out). */
  void lose() {
    keeping = false;
    held = false;
  }

  boolean valid() {
    return held && deadlineNanos - System.nanoTime() > 0;
  }

  long remainingMs() {
    return valid() ? (deadlineNanos - System.nanoTime()) / 1_000_000L : 0;
  }

  /** Who held the lock at the last take/renew that failed (null: nobody). */
  String lastHolder() {
    return lastHolder;
  }

  // --- the fence ------------------------------------------------------------------------------

  /** How long PostgreSQL may run as primary from now on the current lease. */
  long safeMs() {
    return remainingMs() - marginMs();
  }

  long marginMs() {
    return watchdog.safetyMarginMs(ttl().toMillis() / 1000.0);
  }

  /**
   * Arms the fence for the current lease before PostgreSQL may take writes as primary. False when
   * the fence cannot run and {@code watchdog.mode} is required: the caller must not (stay) primary.
   * In automatic mode a fence that cannot start is reported loudly and the primary runs unfenced.
   */
  boolean armFence() {
    fenceWanted = true;
    if (fence.arm(safeMs())) {
      return true;
    }
    if (mode == WatchdogConfig.Mode.REQUIRED) {
      fenceWanted = false;
      return false;
    }
    LOG.error(
        "the fence could not start: this primary runs UNFENCED (watchdog.mode automatic). If the"
            + " engine freezes, PostgreSQL keeps taking writes after another node promotes.");
    return true;
  }

  /** Stops fencing without touching PostgreSQL (it is stopped, a replica, or paused). */
  void disarmFence() {
    fenceWanted = false;
    fence.disarm();
  }

  boolean fenceArmed() {
    return fence.armed();
  }

  // --- the keeper -----------------------------------------------------------------------------

  /** Keep renewing between loops (this node leads) or stop (stepping down, demoted). */
  void keep(boolean on) {
    keeping = on;
  }

  boolean keeping() {
    return keeping;
  }

  /** The loop finished an iteration: it vouches for the primary for one more ttl less margin. */
  void loopAlive() {
    long budget = ttl().toNanos() - TimeUnit.MILLISECONDS.toNanos(marginMs());
    aliveUntil = Math.max(aliveUntil, System.nanoTime() + budget);
  }

  /** The loop enters an operation bounded by {@code ms} (e.g. restarting the postmaster). */
  void busyFor(long ms) {
    aliveUntil = Math.max(aliveUntil, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms));
  }

  private Duration ttl() {
    return settings.get().ttl();
  }

  /**
   * The keeper renews every ttl/4: three renewals fit in a lease before the fence's margin, and
   * each is a Raft write to every peer, the largest share of an idle cluster's traffic. A renewal
   * that fails is retried every ttl/16 until one lands, so a store election (0.3-0.75 s) costs the
   * renewals it overlaps and no more.
   */
  private long periodMs() {
    return Math.max(50, ttl().toMillis() / 4);
  }

  private long retryMs() {
    return Math.max(50, ttl().toMillis() / 16);
  }

  /** Re-read each time: a ttl changed with PATCH /config changes the period too. */
  private void scheduleTick() {
    if (closed) {
      return;
    }
    long period = retrySoon ? retryMs() : periodMs();
    try {
      timer.schedule(
          () -> {
            try {
              tick();
            } finally {
              scheduleTick();
            }
          },
          period,
          TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed meanwhile
    }
  }

  private void tick() {
    if (!keeping || System.nanoTime() - aliveUntil > 0) {
      return;
    }
    try {
      if (fenceWanted && !fence.armed() && !fence.arm(safeMs())) {
        if (mode == WatchdogConfig.Mode.REQUIRED) {
          keeping = false;
          onLost.accept("the fence died and cannot be restarted (watchdog.mode required)");
          return;
        }
        LOG.error("the fence died and cannot be restarted: this primary runs UNFENCED");
      }
      // The loop renewed moments ago (it does, every loop_wait): this tick would only add a Raft
      // write. The next one comes a period later, so the lease never goes two periods unrenewed.
      if (System.nanoTime() - lastRenewalSent < periodMs() * 1_000_000L / 2) {
        return;
      }
      retrySoon = false;
      boolean ok = renew();
      if (!keeping) {
        return; // stepped down meanwhile
      }
      if (!ok) {
        keeping = false;
        LOG.warn("lease keeper: the leader lock now belongs to {}", lastHolder);
        onLost.accept("the lock now belongs to " + lastHolder);
      }
    } catch (StoreException e) {
      // The next tick (soon) retries; if the lease runs out first, the fence stops PostgreSQL and
      // the loop demotes.
      retrySoon = true;
      LOG.debug("lease keeper: renewal failed: {}", e.getMessage());
    } catch (RuntimeException e) {
      LOG.warn("lease keeper: {}", e.toString());
    }
  }

  @Override
  public void close() {
    closed = true;
    keeping = false;
    timer.shutdownNow();
  }
}

package io.synod.engine.ha;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restart, reinitialize and reload requests from the REST API, waiting for the HA loop.
 *
 * <p>The REST handler only queues a request and waits on its future; {@link HaLoop} calls {@link
 * #runPending()} at the start of each cycle, so PostgreSQL is never restarted or wiped concurrently
 * with an HA decision. One request of each kind can be pending; a scheduled restart (Patroni's
 * {@code schedule}) waits here until its time comes.
 */
public final class ManualRequests {
  private static final Logger LOG = LoggerFactory.getLogger("io.synod.ha");

  /**
   * Patroni's restart filters ({@code POST /restart} body).
   *
   * @param role restart only when this node runs as this role (primary, replica, standby_leader);
   *     null: any
   * @param pendingOnly restart only when PostgreSQL reports a pending restart
   * @param postgresVersion restart only when the server's version number is lower (e.g. 150013);
   *     null: any
   * @param timeout how long PostgreSQL may take to come back; null: primary_start_timeout
   * @param schedule when to restart; null: now
   */
  public record RestartSpec(
      String role,
      boolean pendingOnly,
      Integer postgresVersion,
      Duration timeout,
      OffsetDateTime schedule) {}

  /** What happened: {@code ok} maps to 200, otherwise 503, with {@code message} as the body. */
  public record Outcome(boolean ok, String message) {}

  /** Does the work, on the HA loop's thread. */
  public interface Worker {
    /** Checks the filters against the live node, then restarts PostgreSQL. */
    Outcome restart(RestartSpec spec);

    /**
     * Stops PostgreSQL, wipes its data and clones it again. Calls {@code started} once the old data
     * is gone and the copy begins (the REST answer goes out then); returns when it is done.
     */
    Outcome reinitialize(boolean fromLeader, Runnable started);

    /** Re-reads the node's configuration file and reloads PostgreSQL's. */
    void reload();
  }

  private final Worker worker;
  private final Runnable wakeLoop;
  private final Supplier<OffsetDateTime> clock;

  private CompletableFuture<Outcome> restartWaiter;
  private RestartSpec restartNow;
  private CompletableFuture<Outcome> reinitWaiter;
  private boolean reinitFromLeader;
  private boolean reloadRequested;
  private RestartSpec scheduled;
  private volatile String running;

  public ManualRequests(Worker worker, Runnable wakeLoop) {
    this(worker, wakeLoop, OffsetDateTime::now);
  }

  ManualRequests(Worker worker, Runnable wakeLoop, Supplier<OffsetDateTime> clock) {
    this.worker = worker;
    this.wakeLoop = wakeLoop;
    this.clock = clock;
  }

  // --- the REST side -----------------------------------------------------------------------

  /** An immediate restart; the future completes when the loop has done it (or refused). */
  public CompletableFuture<Outcome> restart(RestartSpec spec) {
    synchronized (this) {
      String busy = busy();
      if (busy != null) {
        return CompletableFuture.completedFuture(new Outcome(false, busy + " already in progress"));
      }
      restartNow = spec;
      restartWaiter = new CompletableFuture<>();
    }
    wakeLoop.run();
    return restartWaiter;
  }

  /** Patroni's scheduled restart: false when one is already scheduled (409). */
  public synchronized boolean schedule(RestartSpec spec) {
    if (scheduled != null) {
      return false;
    }
    scheduled = spec;
    return true;
  }

  public synchronized RestartSpec scheduledRestart() {
    return scheduled;
  }

  /** DELETE /restart: false when nothing was scheduled (404). */
  public synchronized boolean cancelScheduled() {
    boolean had = scheduled != null;
    scheduled = null;
    return had;
  }

  /**
   * Queues a reinitialize. Without {@code force} it is refused while a restart or reinitialize is
   * pending or running; with it, it runs right after the one in progress.
   */
  public CompletableFuture<Outcome> reinitialize(boolean force, boolean fromLeader) {
    synchronized (this) {
      String busy = busy();
      if (reinitWaiter != null || (busy != null && !force)) {
        return CompletableFuture.completedFuture(
            new Outcome(false, (busy == null ? "reinitialize" : busy) + " already in progress"));
      }
      reinitFromLeader = fromLeader;
      reinitWaiter = new CompletableFuture<>();
    }
    wakeLoop.run();
    return reinitWaiter;
  }

  /** POST /reload: done on the next loop (202 "reload scheduled"). */
  public void reload() {
    synchronized (this) {
      reloadRequested = true;
    }
    wakeLoop.run();
  }

  /** The action the loop is carrying out right now ("restart", "reinitialize"), or null. */
  public String running() {
    return running;
  }

  private String busy() {
    if (running != null) {
      return running;
    }
    if (restartWaiter != null) {
      return "restart";
    }
    if (reinitWaiter != null) {
      return "reinitialize";
    }
    return null;
  }

  // --- the loop side -----------------------------------------------------------------------

  /** Runs whatever is due. Only {@link HaLoop} calls this, on its own thread. */
  public void runPending() {
    boolean reload;
    CompletableFuture<Outcome> reinit;
    boolean fromLeader;
    CompletableFuture<Outcome> restart;
    RestartSpec spec;
    synchronized (this) {
      reload = reloadRequested;
      reloadRequested = false;
      reinit = reinitWaiter;
      fromLeader = reinitFromLeader;
      restart = restartWaiter;
      spec = restartNow;
      if (restart == null && scheduled != null && !scheduled.schedule().isAfter(clock.get())) {
        spec = scheduled;
        scheduled = null;
        restart = new CompletableFuture<>();
        restart.thenAccept(o -> LOG.info("scheduled restart: {}", o.message()));
      }
    }
    if (reload) {
      try {
        worker.reload();
      } catch (RuntimeException e) {
        LOG.error("reload failed: {}", e.getMessage(), e);
      }
    }
    if (restart != null) {
      running = "restart";
      RestartSpec toRun = spec;
      Outcome o = null;
      try {
        o = call(() -> worker.restart(toRun), "restart");
      } finally {
        running = null;
        // cleared before the caller hears the outcome: its next request must not find this one
        // still "in progress"
        synchronized (this) {
          if (restartWaiter == restart) {
            restartWaiter = null;
            restartNow = null;
          }
        }
        restart.complete(o != null ? o : new Outcome(false, "restart failed"));
      }
    }
    if (reinit != null) {
      running = "reinitialize";
      try {
        CompletableFuture<Outcome> f = reinit;
        Outcome o =
            call(
                () ->
                    worker.reinitialize(
                        fromLeader, () -> f.complete(new Outcome(true, "reinitialize started"))),
                "reinitialize");
        f.complete(o);
        LOG.info("reinitialize: {}", o.message());
      } finally {
        running = null;
        synchronized (this) {
          if (reinitWaiter == reinit) {
            reinitWaiter = null;
          }
        }
      }
    }
  }

  private static Outcome call(Supplier<Outcome> action, String what) {
    try {
      Outcome o = action.get();
      return o == null ? new Outcome(false, what + " failed") : o;
    } catch (RuntimeException e) {
      LOG.error("{} failed: {}", what, e.getMessage(), e);
      return new Outcome(false, what + " failed: " + e.getMessage());
    }
  }
}

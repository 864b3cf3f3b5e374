package io.synod.engine.ha;

import io.synod.engine.postgres.PgState;
import io.synod.store.ReadMode;
import io.synod.store.StoreException;
import io.synod.store.cluster.Cluster;
import io.synod.store.cluster.ClusterStore;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A witness's loop, in place of {@link HaLoop}: every loop_wait, read the cluster, ask {@link
 * HaDecider} (which always answers NONE for a witness), log its reason at the HA loop's cadence,
 * refresh the member key and publish the status the REST API answers from.
 *
 * <p>Why not the HA loop with a witness flag: that loop owns a {@link Leadership}, {@link
 * HaActions} and a PostgreSQL controller, and every one of its actions (bootstrap, clone, start,
 * take the lock) is something a witness must never do. Here none of them exists, so a witness
 * cannot take the lock or start PostgreSQL even if a decision said so: the only thing this loop
 * writes is its own member key.
 */
public final class WitnessLoop implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger("io.synod.ha");

  private final NodeIdentity id;
  private final ClusterStore store;
  private final AtomicReference<HaSettings> live;
  private final MemberKey memberKey;
  private final ReasonLog reasons = new ReasonLog(LOG::info, LOG::debug);
  private final HaEvents events;
  private final AtomicReference<NodeStatus> status = new AtomicReference<>();
  private final PgState none = PgState.none("a witness has no database");
  private final Object wake = new Object();
  private volatile boolean wakeRequested;
  private volatile boolean running = true;
  private volatile ManualRequests manual;
  private volatile Consumer<String> onFatal = msg -> {};
  private volatile Instant dcsLastSeen;
  private long unlockedSince;

  public WitnessLoop(NodeIdentity id, ClusterStore store, AtomicReference<HaSettings> live) {
    this.id = id;
    this.store = store;
    this.live = live;
    this.memberKey = new MemberKey(id.name(), store);
    this.events = new HaEvents(id.name());
  }

  public NodeStatus status() {
    return status.get();
  }

  public HaEvents events() {
    return events;
  }

  /** Reload requests (and refused restarts) from the REST API, run at the start of each cycle. */
  public void setManualRequests(ManualRequests m) {
    this.manual = m;
  }

  /** Called when this node must not run on (another node uses its name). */
  public void onFatal(Consumer<String> handler) {
    this.onFatal = handler;
  }

  public void wakeUp() {
    synchronized (wake) {
      wakeRequested = true;
      wake.notifyAll();
    }
  }

  public void stop() {
    running = false;
    wakeUp();
  }

  @Override
  public void run() {
    while (running) {
      long started = System.nanoTime();
      try {
        runOnce();
      } catch (RuntimeException e) {
        LOG.error("witness loop failed: {}", e.toString(), e);
      }
      long left = live.get().loopWait().toMillis() - (System.nanoTime() - started) / 1_000_000L;
      synchronized (wake) {
        if (left > 0 && running && !wakeRequested) {
          try {
            wake.wait(left);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
        wakeRequested = false;
      }
    }
  }

  /** One cycle; returns the decision (for tests). */
  Decision runOnce() {
    ManualRequests m = manual;
    if (m != null) {
      m.runPending();
    }
    long now = System.nanoTime();
    Cluster cluster = null;
    String storeError = null;
    try {
      cluster = store.load(ReadMode.LINEARIZABLE);
      dcsLastSeen = Instant.now();
      refreshSettings(cluster);
      unlockedSince = cluster.isUnlocked() ? (unlockedSince == 0 ? now : unlockedSince) : 0;
    } catch (StoreException e) {
      storeError = e.kind() + ": " + e.getMessage();
    }
    HaSettings s = live.get();
    Decision d =
        HaDecider.decide(HaInput.witness(id.name(), cluster, storeError, s, OffsetDateTime.now()));
    reasons.log(d.reason(), now);
    if (d.action() != Action.NONE) {
      // Unreachable by HaDecider's rule; and there is nothing here that could carry it out.
      LOG.error("a witness does not act: ignoring {} ({})", d.action(), d.reason());
    }
    events.record(
        d,
        null,
        cluster != null && cluster.isUnlocked(),
        cluster == null,
        unlockedSince == 0 ? 0 : (now - unlockedSince) / 1_000_000L);
    if (cluster != null) {
      String fatal =
          memberKey.refresh(
              MemberData.witness(id, cluster.paused()), cluster.member(id.name()) != null, s.ttl());
      if (fatal != null) {
        running = false;
        onFatal.accept(fatal);
      }
    }
    status.set(
        new NodeStatus(
            id.name(),
            none,
            cluster,
            storeError,
            d,
            false,
            0,
            Instant.now(),
            dcsLastSeen,
            MemberData.WITNESS,
            "running",
            s.dynamic()));
    return d;
  }

  /** ttl and loop_wait come from the config key, as on every other member. */
  private void refreshSettings(Cluster c) {
    HaSettings next = HaSettings.changedInStore(c, live.get(), null);
    if (next != null) {
      live.set(next);
      store.requestTimeout(next.retryTimeout());
    }
  }
}

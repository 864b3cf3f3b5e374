package io.synod.engine.ha;

import io.synod.config.ConfigException;
import io.synod.config.DynamicConfig;
import io.synod.engine.postgres.PgState;
import io.synod.engine.postgres.Postgres;
import io.synod.store.ReadMode;
import io.synod.store.StoreException;
import io.synod.store.cluster.Cluster;
import io.synod.store.cluster.ClusterStore;
import io.synod.store.cluster.Keys;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HA loop: every loop_wait, or at once when the leader or failover key changes, gather the
 * inputs, ask {@link HaDecider} what to do, log its reason, and have {@link HaActions} do it.
 */
public final class HaLoop implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger("io.synod.ha");

  private final NodeIdentity id;
  private final ClusterStore store;
  private final io.synod.store.RaftStore raft;
  private final Postgres pg;
  private final HaActions actions;
  private final DynamicConfig bootstrapDcs;
  private final Boolean localUseRewind;
  private final PeerProbe probe = new PeerProbe();
  private final AtomicReference<NodeStatus> status = new AtomicReference<>();
  private volatile boolean running = true;
  private volatile HaSettings settings;
  private volatile Instant dcsLastSeen;
  private final Object wake = new Object();
  private volatile boolean wakeRequested;
  private volatile ManualRequests manual;

  public HaLoop(
      NodeIdentity id,
      ClusterStore store,
      io.synod.store.RaftStore raft,
      Postgres pg,
      HaActions actions,
      DynamicConfig bootstrapDcs,
      Boolean localUseRewind) {
    this.id = id;
    this.store = store;
    this.raft = raft;
    this.pg = pg;
    this.actions = actions;
    this.bootstrapDcs = bootstrapDcs;
    this.localUseRewind = localUseRewind;
    this.settings = HaSettings.of(bootstrapDcs, localUseRewind);
    actions.startKeeper(() -> this.settings, this::wakeUp);
  }

  public NodeStatus status() {
    return status.get();
  }

  /** Restart/reinitialize/reload requests from the REST API, run at the start of each cycle. */
  public void setManualRequests(ManualRequests m) {
    this.manual = m;
  }

  public HaSettings settings() {
    return settings;
  }

  /** Runs one loop at once (REST actions such as restart or reload ask for it). */
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
    probe.warmUp(id.apiUrl());
    while (running) {
      long started = System.nanoTime();
      Cluster cluster = null;
      try {
        cluster = runOnce();
      } catch (RuntimeException e) {
        LOG.error("HA loop failed: {}", e.toString(), e);
      }
      waitForNextLoop(cluster, started);
    }
  }

  /** One HA cycle; returns the cluster view it acted on (null when the store was unreachable). */
  Cluster runOnce() {
    ManualRequests m = manual;
    if (m != null) {
      m.runPending();
    }
    PgState pgState = pg.state();
    Cluster cluster = null;
    String storeError = null;
    try {
      cluster = store.load(ReadMode.LINEARIZABLE);
      dcsLastSeen = Instant.now();
      refreshSettings(cluster);
    } catch (StoreException e) {
      storeError = e.kind() + ": " + e.getMessage();
    }
    HaSettings s = settings;
    actions.observe(cluster);
    LocalPg local = localView(pgState);
    Map<String, PeerStatus> peers = null;
    if (cluster != null
        && cluster.isUnlocked()
        && local.running()
        && local.inRecovery()
        && !cluster.paused()) {
      peers =
          probe.probe(
              cluster, id.name(), Duration.ofMillis(Math.max(200, s.loopWait().toMillis())));
    }
    HaInput in =
        new HaInput(
            id.name(),
            id.noFailover(),
            id.failoverPriority(),
            cluster,
            storeError,
            local,
            actions.lease().valid(),
            actions.lease().remainingMs(),
            peers,
            s.maximumLagOnFailover(),
            s.useRewind(),
            OffsetDateTime.now());
    Decision d = HaDecider.decide(in);
    if (actions.rewindFailed() && d.action() == Action.REWIND) {
      d =
          new Decision(
              Action.NONE,
              d.target(),
              "pg_rewind failed earlier: staying stopped; reinitialize this member");
    }
    LOG.info("{}", d.reason());
    String outcome = actions.execute(d, cluster, s);
    if (outcome != null) {
      LOG.info("{}", outcome);
    }
    PgState after = d.action() == Action.NONE || d.action() == Action.RENEW ? pgState : pg.state();
    String role = MemberData.role(after);
    String state = MemberData.state(after, actions.postmasterCrashed());
    if (cluster != null || storeError == null) {
      try {
        store.touchMember(
            id.name(),
            MemberData.build(id, after, role, state, cluster != null && cluster.paused()),
            s.ttl());
      } catch (StoreException e) {
        LOG.warn("could not refresh my member key: {}", e.getMessage());
      }
    }
    if (actions.keeper() != null) {
      actions.keeper().loopAlive();
    }
    status.set(
        new NodeStatus(
            id.name(),
            after,
            cluster,
            storeError,
            d,
            actions.lease().valid(),
            actions.lease().remainingMs(),
            Instant.now(),
            dcsLastSeen,
            role,
            state));
    return cluster;
  }

  private LocalPg localView(PgState p) {
    boolean wasPrimary =
        p.clusterState() != null
            && (p.clusterState().equals("in production") || p.clusterState().equals("shut down"));
    String following = pg.replicaTarget().map(t -> t.leaderName()).orElse(null);
    return new LocalPg(
        p.dataDirEmpty() || !p.dataDirExists(),
        p.running(),
        p.inRecovery(),
        p.timeline(),
        p.walPosition(),
        p.sysid(),
        wasPrimary,
        following,
        p.running() && p.acceptingConnections());
  }

  private void refreshSettings(Cluster c) {
    if (c.config().isEmpty()) {
      return;
    }
    try {
      HaSettings next =
          HaSettings.of(DynamicConfig.fromMap(c.config(), "store: config key"), localUseRewind);
      if (!next.dynamic().equals(settings.dynamic())) {
        LOG.info(
            "dynamic configuration changed (ttl {} s, loop_wait {} s, retry_timeout {} s)",
            next.dynamic().ttlSeconds(),
            next.dynamic().loopWaitSeconds(),
            next.dynamic().retryTimeoutSeconds());
        settings = next;
        actions.applyDynamicConfig(next.dynamic());
      }
    } catch (ConfigException e) {
      LOG.warn("ignoring the invalid dynamic configuration in the store: {}", e.getMessage());
    }
  }

  /**
   * Sleeps until loop_wait has passed since the loop started, waking early when the lock changes
   * hands or becomes free, or the failover key changes. Renewals by the same holder (several a
   * second) are not news: waking on them would spin every replica's loop.
   */
  private void waitForNextLoop(Cluster c, long startedNanos) {
    long left = settings.loopWait().toMillis() - (System.nanoTime() - startedNanos) / 1_000_000L;
    if (left <= 0 || !running) {
      return;
    }
    if (c == null) {
      sleep(left);
      return;
    }
    Keys k = store.keys();
    String leaderKey = k.key(Keys.LEADER);
    String holder = c.leader() == null ? null : c.leader().name();
    CompletableFuture<Long> leader = raft.watch(leaderKey, c.revision());
    CompletableFuture<Long> failover = raft.watch(k.key(Keys.FAILOVER), c.revision());
    long deadline = System.nanoTime() + left * 1_000_000L;
    try {
      while (running && !wakeRequested && !failover.isDone()) {
        if (leader.isDone()) {
          String now =
              raft.get(leaderKey, io.synod.store.ReadMode.LOCAL).map(e -> e.value()).orElse(null);
          if (!java.util.Objects.equals(now, holder)) {
            break;
          }
          leader = raft.watch(leaderKey, leader.join());
          continue;
        }
        long ms = (deadline - System.nanoTime()) / 1_000_000L;
        if (ms <= 0) {
          break;
        }
        try {
          CompletableFuture.anyOf(leader, failover).get(Math.min(ms, 50), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          // re-check the wake flag and the deadline
        }
      }
    } catch (Exception e) {
      sleep(Math.min(left, 50));
    } finally {
      wakeRequested = false;
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

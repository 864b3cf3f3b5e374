package io.synod.engine.ha;

import io.synod.config.DynamicConfig;
import io.synod.engine.postgres.PgControl;
import io.synod.engine.postgres.PgState;
import io.synod.engine.tls.ClientTls;
import io.synod.store.ReadMode;
import io.synod.store.StoreException;
import io.synod.store.cluster.Cluster;
import io.synod.store.cluster.ClusterStore;
import io.synod.store.cluster.Keys;
import io.synod.store.cluster.Member;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HA loop: every loop_wait, or at once when the leader or failover key changes, gather the
 * inputs, ask {@link HaDecider} what to do, log its reason, and have {@link HaActions} do it. It
 * decides nothing itself; besides reading, it only keeps the few durations the decision needs (how
 * long PostgreSQL has been down while leading, how long a standby has not streamed, how long the
 * lock has been free).
 */
public final class HaLoop implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger("io.synod.ha");

  private final NodeIdentity id;
  private final ClusterStore store;
  private final PgControl pg;
  private final HaActions actions;
  private final Leadership lead;
  private final Boolean localUseRewind;
  private final Consumer<DynamicConfig> onDynamicConfig;
  private final PeerProbe probe;
  private final AtomicReference<NodeStatus> status = new AtomicReference<>();
  private final WalClock walClock = new WalClock();
  private final ReasonLog reasons = new ReasonLog(LOG::info, LOG::debug);
  private final MemberKey memberKey;
  private final HaEvents events;
  private volatile boolean running = true;

  /** The live settings (config key, else bootstrap.dcs), shared with {@link Leadership}. */
  private final AtomicReference<HaSettings> live;

  private volatile Instant dcsLastSeen;
  private volatile boolean lastKnownPaused;

  /** Completed by {@link #wakeUp}; replaced once a wait has seen it. */
  private final java.util.concurrent.atomic.AtomicReference<CompletableFuture<Void>> wake =
      new java.util.concurrent.atomic.AtomicReference<>(new CompletableFuture<>());

  private volatile ManualRequests manual;
  private volatile Consumer<String> onFatal = msg -> {};
  private long leaderPgDownSince;

  /** The last PostgreSQL state read, shown while a background copy runs. */
  private volatile PgState lastState;

  private long notStreamingSince;
  private long unlockedSince;

  public HaLoop(
      NodeIdentity id,
      ClusterStore store,
      PgControl pg,
      HaActions actions,
      AtomicReference<HaSettings> live,
      Boolean localUseRewind,
      Consumer<DynamicConfig> onDynamicConfig) {
    this(
        id,
        store,
        pg,
        actions,
        live,
        localUseRewind,
        onDynamicConfig,
        new PeerProbe(ClientTls.NONE));
  }

  /**
   * @param probe how the leader race asks the other members (their REST API's TLS settings)
   */
  public HaLoop(
      NodeIdentity id,
      ClusterStore store,
      PgControl pg,
      HaActions actions,
      AtomicReference<HaSettings> live,
      Boolean localUseRewind,
      Consumer<DynamicConfig> onDynamicConfig,
      PeerProbe probe) {
    this.probe = probe;
    this.id = id;
    this.store = store;
    this.pg = pg;
    this.actions = actions;
    this.lead = actions.leadership();
    this.localUseRewind = localUseRewind;
    this.onDynamicConfig = onDynamicConfig;
    this.live = live;
    this.events = new HaEvents(id.name());
    this.memberKey = new MemberKey(id.name(), store);
  }

  /** This node's recent HA events (for GET /events and the web page). */
  public HaEvents events() {
    return events;
  }

  public NodeStatus status() {
    return status.get();
  }

  /** Restart/reinitialize/reload requests from the REST API, run at the start of each cycle. */
  public void setManualRequests(ManualRequests m) {
    this.manual = m;
  }

  /** Called when this node must not run on (another node uses its name). */
  public void onFatal(Consumer<String> handler) {
    this.onFatal = handler;
  }

  public HaSettings settings() {
    return live.get();
  }

  /** Runs one loop at once (REST actions such as restart or reload ask for it). */
  public void wakeUp() {
    wake.get().complete(null);
  }

  public void stop() {
    running = false;
    actions.shutdownBackground(); // a copy in progress is killed, not left writing after us
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
    long now = System.nanoTime();
    String background = actions.backgroundAction();
    if (background != null) {
      return whileInBackground(background, now);
    }
    PgState pgState = pg.state();
    lastState = pgState;
    StoreView view = loadCluster();
    Cluster cluster = view.cluster();
    String storeError = view.error();
    HaSettings s = live.get();
    actions.observe(cluster);
    LocalPg local = localView(pgState);
    track(cluster, local, now, s);
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
            lastKnownPaused,
            local,
            lead.valid(),
            lead.remainingMs(),
            peers,
            s,
            OffsetDateTime.now(),
            actions.rewindFailed(),
            ms(leaderPgDownSince, now),
            ms(notStreamingSince, now),
            ms(unlockedSince, now),
            false,
            Member.replicateFrom(id.tags()),
            Member.noStream(id.tags()),
            pg.canCloneWithoutLeader(),
            pg.removeDataOnDivergedTimelines());
    Decision d = HaDecider.decide(in);
    reasons.log(d.reason(), now);
    if (leavesPrimary(d.action()) && pgState.isPrimary()) {
      // Peers probing /patroni during the race must not see a primary that is stopping.
      publish(pgState, cluster, storeError, d, "demoted", "stopping");
    }
    String outcome = actions.execute(d, cluster, s, pgState);
    if (outcome != null) {
      LOG.info("{}", outcome);
    }
    events.record(
        d,
        outcome,
        cluster != null && cluster.isUnlocked(),
        cluster == null,
        ms(unlockedSince, System.nanoTime()));
    PgState after = d.action() == Action.NONE || d.action() == Action.RENEW ? pgState : pg.state();
    String role = MemberData.role(after);
    if ("replica".equals(role) && lead.valid() && s.dynamic().standby() != null) {
      role = MemberData.STANDBY_LEADER; // Patroni's role for a standby cluster's leader
    }
    String state = MemberData.state(after, actions.postmasterCrashed());
    if (cluster != null || storeError == null) {
      touchMember(after, role, state, cluster, s);
    }
    lead.loopAlive();
    publish(after, cluster, storeError, d, role, state);
    return cluster;
  }

  /**
   * A loop while a copy or a rewind runs in the background: no decision (the data directory is
   * being written), but the member key stays fresh, saying "creating replica" with the copy's
   * figures (or "stopped" during pg_rewind), so the member does not vanish from the cluster however
   * long it takes.
   */
  private Cluster whileInBackground(String what, long now) {
    StoreView view = loadCluster();
    Cluster cluster = view.cluster();
    String storeError = view.error();
    HaSettings s = live.get();
    actions.observe(cluster);
    String progress = pg.replicaProgress();
    Decision d =
        Decision.of(
            Action.NONE,
            "running in the background: " + what + (progress == null ? "" : ", " + progress));
    reasons.log(d.reason(), now);
    PgState last = lastState != null ? lastState : pg.state();
    String bgState = actions.backgroundState();
    String state = bgState != null ? bgState : MemberData.CREATING_REPLICA;
    String role =
        MemberData.CREATING_REPLICA.equals(state) ? "uninitialized" : MemberData.role(last);
    if (cluster != null || storeError == null) {
      Map<String, Object> data =
          MemberData.build(id, last, role, state, cluster != null && cluster.paused());
      if (progress != null) {
        data.put("progress", progress); // Synod's own field
      }
      refreshMember(data, cluster, s);
    }
    lead.loopAlive();
    publish(last, cluster, storeError, d, role, state);
    return cluster;
  }

  /** The cluster as the store shows it (null when it could not be read, {@code error} says why). */
  private record StoreView(Cluster cluster, String error) {}

  /** One linearizable read of the cluster; the settings follow the config key it carries. */
  private StoreView loadCluster() {
    try {
      Cluster c = store.load(ReadMode.LINEARIZABLE);
      dcsLastSeen = Instant.now();
      lastKnownPaused = c.paused();
      refreshSettings(c);
      return new StoreView(c, null);
    } catch (StoreException e) {
      return new StoreView(null, e.kind() + ": " + e.getMessage());
    }
  }

  private static boolean leavesPrimary(Action a) {
    return a == Action.STEP_DOWN || a == Action.DEMOTE || a == Action.RELEASE_LEASE;
  }

  private void publish(
      PgState pgState, Cluster cluster, String storeError, Decision d, String role, String state) {
    status.set(
        new NodeStatus(
            id.name(),
            pgState,
            cluster,
            storeError,
            d,
            lead.valid(),
            lead.remainingMs(),
            Instant.now(),
            dcsLastSeen,
            role,
            state,
            live.get().dynamic(),
            lead.counts()));
  }

  /** Refreshes this node's member key ({@link MemberKey}); a duplicate name stops the loop. */
  private void touchMember(PgState after, String role, String state, Cluster c, HaSettings s) {
    boolean paused = c != null && c.paused();
    refreshMember(MemberData.build(id, after, role, state, paused), c, s);
  }

  private void refreshMember(Map<String, Object> data, Cluster c, HaSettings s) {
    String fatal = memberKey.refresh(data, c == null || c.member(id.name()) != null, s.ttl());
    if (fatal != null) {
      running = false;
      onFatal.accept(fatal);
    }
  }

  /** The durations the decider needs, from this loop's observations. */
  private void track(Cluster c, LocalPg local, long now, HaSettings s) {
    boolean leading = c != null && c.leader() != null && c.leader().name().equals(id.name());
    // a standby cluster's leader serves as a standby: that is "up" for primary_start_timeout
    boolean primaryUp = local.isPrimary() || (s.dynamic().standby() != null && local.isStandby());
    leaderPgDownSince = leading && !primaryUp ? since(leaderPgDownSince, now) : 0;
    boolean standby = local.running() && local.inRecovery();
    notStreamingSince = standby && !local.streaming() ? since(notStreamingSince, now) : 0;
    if (c != null) {
      unlockedSince = c.isUnlocked() ? since(unlockedSince, now) : 0;
    }
  }

  private static long since(long start, long now) {
    return start == 0 ? now : start;
  }

  private static long ms(long since, long now) {
    return since == 0 ? 0 : (now - since) / 1_000_000L;
  }

  private LocalPg localView(PgState p) {
    String following = pg.replicaTarget().map(t -> t.leaderName()).orElse(null);
    boolean streaming = p.walReceiver() != null && "streaming".equals(p.walReceiver().status());
    java.util.List<SyncPlan.Standby> standbys = new java.util.ArrayList<>();
    long now = System.nanoTime();
    if (p.isPrimary()) {
      walClock.sample(now, p.walPosition());
    } else {
      walClock.clear();
    }
    for (PgState.ReplicationRow r : p.replication()) {
      if (r.applicationName() != null) {
        standbys.add(
            new SyncPlan.Standby(
                r.applicationName(),
                r.state(),
                r.syncState(),
                r.flushLsn(),
                r.replyAgeMs(),
                walClock.behindMs(r.flushLsn(), now)));
      }
    }
    return new LocalPg(
        p.dataDirEmpty() || !p.dataDirExists(),
        p.running(),
        p.inRecovery(),
        p.timeline(),
        p.walPosition(),
        p.sysid(),
        p.clusterState(),
        following,
        p.running() && p.acceptingConnections(),
        streaming,
        pg.synchronousStandbyNames(),
        pg.syncSetAt(),
        standbys);
  }

  private void refreshSettings(Cluster c) {
    HaSettings next = HaSettings.changedInStore(c, live.get(), localUseRewind);
    if (next != null) {
      live.set(next);
      // Store calls are bounded by retry_timeout; the keeper re-reads ttl on every tick.
      store.requestTimeout(next.retryTimeout());
      onDynamicConfig.accept(next.dynamic());
    }
  }

  /**
   * Sleeps until loop_wait has passed since the loop started, waking early when the lock changes
   * hands or becomes free, or the failover key changes. Renewals by the same holder (several a
   * second) are not news: waking on them would spin every replica's loop. Both watches are
   * cancelled on the way out, so a loop leaves nothing registered in the store.
   */
  private void waitForNextLoop(Cluster c, long startedNanos) {
    long left = live.get().loopWait().toMillis() - (System.nanoTime() - startedNanos) / 1_000_000L;
    if (left <= 0 || !running) {
      return;
    }
    if (c == null) {
      CompletableFuture<Void> woken = wake.get();
      try {
        woken.get(left, TimeUnit.MILLISECONDS);
        wake.compareAndSet(woken, new CompletableFuture<>());
      } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
        // the loop is due
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return;
    }
    String holder = c.leader() == null ? null : c.leader().name();
    CompletableFuture<Long> leader = store.watch(Keys.LEADER, c.revision());
    CompletableFuture<Long> failover = store.watch(Keys.FAILOVER, c.revision());
    long deadline = System.nanoTime() + left * 1_000_000L;
    CompletableFuture<Void> woken = wake.get();
    try {
      while (running && !woken.isDone() && !failover.isDone()) {
        if (leader.isDone()) {
          String now = currentHolder();
          if (!Objects.equals(now, holder)) {
            break;
          }
          leader = store.watch(Keys.LEADER, leader.join());
          continue;
        }
        long ms = (deadline - System.nanoTime()) / 1_000_000L;
        if (ms <= 0) {
          break;
        }
        try {
          // sleeps until one of the three happens or the loop is due: no polling at rest
          CompletableFuture.anyOf(leader, failover, woken).get(ms, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          // the loop is due
        }
      }
    } catch (Exception e) {
      sleep(Math.min(left, 50));
    } finally {
      leader.cancel(false);
      failover.cancel(false);
      if (woken.isDone()) {
        wake.compareAndSet(woken, new CompletableFuture<>()); // a wake seen is used up
      }
    }
  }

  private String currentHolder() {
    try {
      return store.leaderName(ReadMode.LOCAL);
    } catch (StoreException e) {
      return null;
    }
  }

  /** Sleeps, keeping an interrupt for the caller to see. */
  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

package io.synod.engine.ha;

import io.synod.config.DynamicConfig;
import io.synod.engine.postgres.PgException;
import io.synod.engine.postgres.PgState;
import io.synod.engine.postgres.Postgres;
import io.synod.engine.postgres.RewindResult;
import io.synod.engine.postgres.StopMode;
import io.synod.engine.watchdog.Watchdog;
import io.synod.store.StoreException;
import io.synod.store.cluster.Cluster;
import io.synod.store.cluster.ClusterStore;
import io.synod.store.cluster.FailoverRequest;
import io.synod.store.cluster.LeaseGrant;
import io.synod.store.cluster.Member;
import io.synod.store.kv.Expect;
import java.net.URI;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out HA decisions: the I/O half of the loop (store writes, PostgreSQL control). Each
 * method returns a short outcome line for the log, or null when there is nothing to add.
 */
public final class HaActions {
  private static final Logger LOG = LoggerFactory.getLogger("io.synod.ha");

  /** The watchdog fences this long before the lease deadline: time for an immediate shutdown. */
  static final long FENCE_MARGIN_MS = 300;

  private static final Duration REPLICA_START_WAIT = Duration.ofSeconds(10);

  private final NodeIdentity id;
  private final ClusterStore store;
  private final Postgres pg;
  private final Watchdog watchdog;
  private final DynamicConfig bootstrapDcs;
  private final Consumer<DynamicConfig> onDynamicConfig;
  private final LeaseState lease = new LeaseState();
  private LeaseKeeper keeper;
  private volatile boolean rewindFailed;
  private volatile boolean postmasterCrashed;
  private long primaryStartDeadline;
  private long lastTransferAttempt = System.nanoTime() - TRANSFER_BACKOFF_NANOS;
  private static final long TRANSFER_BACKOFF_NANOS = 5_000_000_000L;
  private final Map<String, Long> lastSeen = new java.util.concurrent.ConcurrentHashMap<>();

  public HaActions(
      NodeIdentity id,
      ClusterStore store,
      Postgres pg,
      Watchdog watchdog,
      DynamicConfig bootstrapDcs,
      Consumer<DynamicConfig> onDynamicConfig) {
    this.id = id;
    this.store = store;
    this.pg = pg;
    this.watchdog = watchdog;
    this.bootstrapDcs = bootstrapDcs;
    this.onDynamicConfig = onDynamicConfig;
  }

  LeaseState lease() {
    return lease;
  }

  /** Starts the lease keeper; the loop passes its live settings. */
  void startKeeper(java.util.function.Supplier<HaSettings> settings, Runnable wakeLoop) {
    keeper =
        new LeaseKeeper(
            id.name(),
            store,
            lease,
            watchdog,
            settings,
            () -> {
              fence();
              wakeLoop.run();
            });
  }

  LeaseKeeper keeper() {
    return keeper;
  }

  /** Lost the lock outside the loop: stop writes at once; the next loop completes the demotion. */
  private void fence() {
    lease.lose();
    watchdog.disarm();
    safeStop(StopMode.IMMEDIATE);
  }

  private void keep(boolean on) {
    if (keeper != null) {
      keeper.keep(on);
    }
  }

  boolean rewindFailed() {
    return rewindFailed;
  }

  boolean postmasterCrashed() {
    return postmasterCrashed;
  }

  /**
   * After a manual reinitialize: the fresh copy needs no rewind (used by {@link ManualActions}).
   */
  void clearRewindFailed() {
    rewindFailed = false;
  }

  void applyDynamicConfig(DynamicConfig d) {
    onDynamicConfig.accept(d);
  }

  /** Every loop, on every node: remember who was a member, so a new leader keeps their slots. */
  void observe(Cluster c) {
    if (c != null) {
      long now = System.nanoTime();
      c.members().keySet().forEach(m -> lastSeen.put(m, now));
    }
  }

  String execute(Decision d, Cluster c, HaSettings s) {
    try {
      return switch (d.action()) {
        case NONE -> null;
        case RENEW -> renew(c, s);
        case BOOTSTRAP -> bootstrap(s);
        case CLAIM_EXISTING ->
            store.initialize(pg.sysid())
                ? "claimed the cluster with system identifier " + pg.sysid()
                : null;
        case CLONE -> cloneFrom(c, d.target());
        case START_REPLICA -> startReplica(c, d.target());
        case REWIND -> rewind(c, d.target());
        case RESTART_PRIMARY -> restartPrimary(s);
        case PROMOTE -> promote(c, s);
        case TAKE_LEASE_AND_PROMOTE -> takeLeaseAndPromote(c, s);
        case TAKE_LEASE -> takeLease(s);
        case DEMOTE -> demote("lost the lease");
        case FOLLOW -> follow(c, d.target());
        case STEP_DOWN -> stepDown(c, d.target());
        case REJECT_FAILOVER -> {
          store.clearFailover(
              c.failover() == null ? Expect.ANY : Expect.revision(c.failover().revision()));
          yield renew(c, s);
        }
      };
    } catch (StoreException e) {
      // A failed store call: if that leaves us primary past our lease, fence now.
      if (pg.state().isPrimary() && !lease.valid()) {
        return demote("the store failed (" + e.getMessage() + ") and my lease ran out");
      }
      return "store call failed: " + e.getMessage();
    } catch (PgException e) {
      return d.action() + " failed: " + e.getMessage();
    }
  }

  // --- the leader's cycle ------------------------------------------------------------------

  private String renew(Cluster c, HaSettings s) {
    LeaseGrant g = store.renewLeader(id.name(), s.ttl());
    lease.update(g);
    if (!g.held()) {
      return demote("the lock now belongs to " + g.holder());
    }
    PgState st = pg.state();
    if (st.isPrimary()) {
      if (c.paused()) {
        // Maintenance mode (Patroni's pause): the engine may be stopped or restarted without
        // touching PostgreSQL, so no fence.
        watchdog.disarm();
      } else {
        watchdog.arm(g.remainingMs() - FENCE_MARGIN_MS);
      }
      keep(true);
      moveStoreLeadershipAway();
      primaryStartDeadline = 0;
      store.setStatus(st.currentLsn(), slotPositions(st));
      if (s.useSlots()) {
        pg.createOrUpdateSlots(slotMembers(s));
      }
    } else if (!st.running() || !st.acceptingConnections()) {
      if (primaryStartDeadline == 0) {
        primaryStartDeadline = System.nanoTime() + s.primaryStartTimeout().toNanos();
      } else if (System.nanoTime() - primaryStartDeadline > 0) {
        store.releaseLeader(id.name());
        lease.lose();
        return "PostgreSQL did not come up within primary_start_timeout: released the lease";
      }
    }
    return null;
  }

  private Map<String, Object> slotPositions(PgState st) {
    Map<String, Object> slots = new HashMap<>();
    for (PgState.ReplicationRow r : st.replication()) {
      if (r.applicationName() != null) {
        slots.put(Postgres.slotNameFor(r.applicationName()), r.flushLsn());
      }
    }
    return slots;
  }

  /**
   * Members that keep a slot: those with a member key now, and those seen within member_slots_ttl
   * (a replica busy cloning or restarting can miss its key refresh; its slot must hold the WAL).
   */
  private Set<String> slotMembers(HaSettings s) {
    long now = System.nanoTime();
    lastSeen.values().removeIf(t -> now - t > s.dynamic().memberSlotsTtl().toNanos());
    Set<String> names = new java.util.HashSet<>(lastSeen.keySet());
    names.remove(id.name());
    return names;
  }

  /**
   * Keeps the Raft leader off the PostgreSQL primary's node: if both die together, the store would
   * first elect a new leader, which then grants the dead lease a full TTL from its start.
   */
  private void moveStoreLeadershipAway() {
    long now = System.nanoTime();
    if (now - lastTransferAttempt < TRANSFER_BACKOFF_NANOS) {
      return;
    }
    lastTransferAttempt = now;
    String to = store.moveStoreLeadershipAway();
    if (to != null) {
      LOG.info(
          "asked Raft peer {} to lead the store, so it does not share a node with the primary", to);
    }
  }

  // --- bootstrap and replicas ----------------------------------------------------------------

  private String bootstrap(HaSettings s) {
    LeaseGrant g =
        lease.valid()
            ? store.renewLeader(id.name(), s.ttl())
            : store.takeLeader(id.name(), s.ttl());
    lease.update(g);
    if (!g.held()) {
      return g.holder() + " won the bootstrap race";
    }
    // Hold the lock through initdb (seconds; longer on a loaded host) without the loop renewing it.
    keep(true);
    if (keeper != null) {
      keeper.busyFor(Math.max(60_000, pg.settings().pgCtlTimeout().toMillis() * 3));
    }
    try {
      if (!pg.dataDirectoryEmpty()) {
        safeStop(StopMode.IMMEDIATE);
        pg.removeDataDirectory(); // an earlier attempt of ours that did not finish
      }
      pg.initdb();
      pg.configureAsPrimary();
      if (!pg.start()) {
        throw new PgException("PostgreSQL did not start after initdb; see " + pg.logFile());
      }
      watchdog.arm(lease.remainingMs() - FENCE_MARGIN_MS);
      pg.createUsers();
      int rc = pg.runPostBootstrap();
      if (rc != 0) {
        throw new PgException("post_bootstrap exited with " + rc);
      }
      store.setConfig(bootstrapDcs.toMap(), Expect.ABSENT);
      store.setInitialize(pg.sysid());
      pg.runCallback("on_start", "primary");
      return "bootstrapped a new cluster (system identifier " + pg.sysid() + ")";
    } catch (RuntimeException e) {
      LOG.error(
          "bootstrap failed: {}; removing the data directory and the lock so it can be retried",
          e.getMessage());
      keep(false);
      watchdog.disarm();
      safeStop(StopMode.IMMEDIATE);
      try {
        pg.removeDataDirectory();
      } finally {
        store.releaseLeader(id.name());
        lease.lose();
      }
      throw e;
    }
  }

  private String cloneFrom(Cluster c, String leader) {
    Member source = cloneSource(c, leader);
    URI u = URI.create(source.connUrl());
    pg.createReplica(u.getHost(), u.getPort());
    Member lm = c.member(leader);
    URI l = URI.create(lm.connUrl());
    pg.configureAsReplica(l.getHost(), l.getPort(), leader);
    pg.start(REPLICA_START_WAIT);
    pg.runCallback("on_start", "replica");
    return "cloned from " + source.name() + " and started as a replica of " + leader;
  }

  /** A running member tagged clonefrom, else the leader (Patroni's rule). */
  private static Member cloneSource(Cluster c, String leader) {
    for (Member m : c.members().values()) {
      Object cf = m.tags().get("clonefrom");
      if ((Boolean.TRUE.equals(cf) || "true".equals(String.valueOf(cf)))
          && "running".equals(m.state())
          && m.connUrl() != null) {
        return m;
      }
    }
    return c.member(leader);
  }

  private String startReplica(Cluster c, String leader) {
    Member lm = leader == null ? null : c.member(leader);
    if (lm != null && lm.connUrl() != null) {
      URI u = URI.create(lm.connUrl());
      pg.configureAsReplica(u.getHost(), u.getPort(), leader);
    } else {
      pg.configureAsStandby();
    }
    // A standby accepts connections only once consistent, which may need WAL from the leader;
    // do not hold the loop for it (the next loops see it "starting", then "running").
    boolean ok = pg.start(REPLICA_START_WAIT);
    postmasterCrashed = false;
    pg.runCallback("on_start", "replica");
    return (ok ? "started as a replica" : "starting as a replica (not accepting connections yet)")
        + (lm == null ? " (no leader yet)" : " of " + leader);
  }

  private String rewind(Cluster c, String leader) {
    Member lm = c.member(leader);
    if (lm == null || lm.connUrl() == null || !"running".equals(lm.state())) {
      return "waiting for leader " + leader + " to be running before rewinding against it";
    }
    URI u = URI.create(lm.connUrl());
    RewindResult r = pg.rewind(u.getHost(), u.getPort());
    switch (r.status()) {
      case REWOUND -> {
        return "pg_rewind against " + leader + " done; " + startReplica(c, leader);
      }
      case FAILED_DATA_REMOVED -> {
        return "pg_rewind failed ("
            + r.detail()
            + "); the data directory was removed and will be cloned again";
      }
      default -> {
        rewindFailed = true;
        return "pg_rewind failed: "
            + r.detail()
            + "; staying stopped (remove_data_directory_on_rewind_failure is off)";
      }
    }
  }

  private String follow(Cluster c, String leader) {
    Member lm = c.member(leader);
    if (lm == null || lm.connUrl() == null) {
      return "leader " + leader + " has no member key yet";
    }
    URI u = URI.create(lm.connUrl());
    if (pg.configureAsReplica(u.getHost(), u.getPort(), leader)) {
      pg.reload(); // primary_conninfo is reloadable since PostgreSQL 13
      pg.runCallback("on_role_change", "replica");
      return "now following " + leader;
    }
    return null;
  }

  // --- promotion ---------------------------------------------------------------------------

  private String restartPrimary(HaSettings s) {
    LeaseGrant g = store.renewLeader(id.name(), s.ttl());
    lease.update(g);
    if (!g.held()) {
      return "lost the lock while PostgreSQL was down; not restarting it as primary";
    }
    postmasterCrashed = true;
    pg.configureAsPrimary();
    Duration bound =
        s.primaryStartTimeout().isZero() ? Duration.ofSeconds(60) : s.primaryStartTimeout();
    // primary_start_timeout: hold the lease while crash recovery runs, no longer
    keep(true);
    if (keeper != null) {
      keeper.busyFor(bound.toMillis());
    }
    boolean ok = pg.start(bound);
    if (ok) {
      postmasterCrashed = false;
      watchdog.arm(lease.remainingMs() - FENCE_MARGIN_MS);
      pg.runCallback("on_restart", "primary");
      return "restarted the crashed postmaster in place; still the leader";
    }
    keep(false);
    return "PostgreSQL did not restart; see " + pg.logFile();
  }

  private String takeLeaseAndPromote(Cluster c, HaSettings s) {
    LeaseGrant g = store.takeLeader(id.name(), s.ttl());
    lease.update(g);
    if (!g.held()) {
      return "lost the leader race to " + g.holder();
    }
    return promote(c, s);
  }

  private String promote(Cluster c, HaSettings s) {
    if (!lease.valid()) {
      LeaseGrant g = store.renewLeader(id.name(), s.ttl());
      lease.update(g);
      if (!g.held()) {
        return "not promoting: the lock belongs to " + g.holder();
      }
    }
    // Hold the lease while pre_promote and the promotion run (the standby takes no writes yet).
    keep(true);
    if (keeper != null) {
      keeper.busyFor(pg.settings().pgCtlTimeout().toMillis());
    }
    int rc = pg.runPrePromote();
    if (rc != 0) {
      keep(false);
      store.releaseLeader(id.name());
      lease.lose();
      return "pre_promote exited with " + rc + ": promotion aborted and the lease released";
    }
    PgState before = pg.state();
    pg.promote(); // PostgreSQL removes standby.signal itself; removing it first makes promotion
    // fail
    // Arm the fence from a fresh renewal: a slow promotion must not leave it only milliseconds.
    LeaseGrant fresh = store.renewLeader(id.name(), s.ttl());
    lease.update(fresh);
    if (!fresh.held()) {
      return demote("the lock went to " + fresh.holder() + " while promoting");
    }
    watchdog.arm(fresh.remainingMs() - FENCE_MARGIN_MS);
    PgState after = pg.state();
    // pg_rewind reads the new timeline from pg_control, which only a checkpoint updates; without
    // it a former primary is told "no rewind required" and cannot follow (Patroni does the same).
    pg.execute("CHECKPOINT");
    // A standby's own timeline reading can be stale (last restartpoint); promotion adds exactly
    // one.
    appendHistory(c, Math.max(1, after.timeline() - 1), before.walPosition(), s);
    FailoverRequest f = c.failover();
    if (f != null) {
      store.clearFailover(Expect.revision(f.revision()));
    }
    store.setStatus(after.currentLsn(), Map.of());
    if (s.useSlots()) {
      pg.createOrUpdateSlots(
          slotMembers(s)); // the replicas reconnect to us right away; their slots must exist
    }
    pg.runCallback("on_role_change", "primary");
    return "promoted: now the primary on timeline " + after.timeline();
  }

  private void appendHistory(Cluster c, int oldTimeline, long lsn, HaSettings s) {
    List<List<Object>> h = new ArrayList<>(c.history());
    h.add(
        List.of(
            oldTimeline,
            lsn,
            "no recovery target specified",
            OffsetDateTime.now().toString(),
            id.name()));
    int keep = s.dynamic().maxTimelinesHistory();
    if (keep > 0 && h.size() > keep) {
      h = new ArrayList<>(h.subList(h.size() - keep, h.size()));
    }
    store.setHistory(h);
  }

  private String takeLease(HaSettings s) {
    LeaseGrant g = store.takeLeader(id.name(), s.ttl());
    lease.update(g);
    if (g.held()) {
      watchdog.arm(g.remainingMs() - FENCE_MARGIN_MS);
      keep(true);
      return "took the free lock: still the primary";
    }
    return demote("lost the leader race to " + g.holder());
  }

  // --- stepping down -----------------------------------------------------------------------

  /** Stops writes now. Immediate mode: another node may promote as soon as the lease expires. */
  String demote(String why) {
    keep(false);
    boolean wasPrimary = pg.state().isPrimary();
    safeStop(StopMode.IMMEDIATE);
    watchdog.disarm();
    if (lease.valid()) {
      store.releaseLeader(id.name());
    }
    lease.lose();
    pg.configureAsStandby();
    if (wasPrimary) {
      pg.runCallback("on_role_change", "replica");
    }
    return "demoted (" + why + "): PostgreSQL stopped; it rejoins as a replica";
  }

  private String stepDown(Cluster c, String candidate) {
    // A clean (fast) shutdown ships the final WAL to the standbys, so the candidate has it all.
    keep(false);
    watchdog.disarm();
    safeStop(StopMode.FAST);
    store.releaseLeader(id.name());
    lease.lose();
    Member cm = candidate == null ? null : c.member(candidate);
    if (cm != null && cm.connUrl() != null) {
      URI u = URI.create(cm.connUrl());
      pg.configureAsReplica(u.getHost(), u.getPort(), candidate);
    } else {
      pg.configureAsStandby();
    }
    pg.start(REPLICA_START_WAIT);
    pg.runCallback("on_role_change", "replica");
    return "stepped down for "
        + (candidate == null ? "the healthiest replica" : candidate)
        + "; running as a replica";
  }

  private void safeStop(StopMode mode) {
    try {
      if (pg.isRunning()) {
        pg.stop(mode);
      }
    } catch (PgException e) {
      LOG.error("stopping PostgreSQL ({}) failed: {}", mode, e.getMessage());
    }
  }

  /** Graceful node shutdown: a leader releases its lock so a replica takes over at once. */
  public void shutdown() {
    keep(false);
    if (keeper != null) {
      keeper.close();
    }
    watchdog.disarm();
    boolean leader = lease.valid();
    safeStop(StopMode.FAST);
    if (leader) {
      try {
        store.releaseLeader(id.name());
      } catch (StoreException e) {
        LOG.warn("could not release the leader lock on shutdown: {}", e.getMessage());
      }
    }
    lease.lose();
  }
}

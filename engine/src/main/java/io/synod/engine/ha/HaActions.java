package io.synod.engine.ha;

import io.synod.config.DynamicConfig;
import io.synod.config.StandbyCluster;
import io.synod.engine.postgres.ControlData;
import io.synod.engine.postgres.Lsn;
import io.synod.engine.postgres.PermanentSlots;
import io.synod.engine.postgres.PgControl;
import io.synod.engine.postgres.PgException;
import io.synod.engine.postgres.PgState;
import io.synod.engine.postgres.RewindResult;
import io.synod.engine.postgres.StopMode;
import io.synod.store.ReadMode;
import io.synod.store.StoreException;
import io.synod.store.cluster.Cluster;
import io.synod.store.cluster.ClusterStore;
import io.synod.store.cluster.FailoverRequest;
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
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out HA decisions: the I/O half of the loop (store writes, PostgreSQL control). It decides
 * nothing: every "whether" is {@link HaDecider}'s; this class only knows "how", including the order
 * of steps that keeps a promotion or a step-down safe. Each method returns a short outcome line for
 * the log, or null when there is nothing to add.
 *
 * <p>(Over ~600 lines on purpose: each action is one method whose steps must be read in order to
 * see why it is safe; splitting them by file would hide that order.)
 */
public final class HaActions {
  private static final Logger LOG = LoggerFactory.getLogger("io.synod.ha");
  private static final Duration REPLICA_START_WAIT = Duration.ofSeconds(10);

  /**
   * A custom bootstrap method restores a backup, which may take hours; Patroni sets no limit. The
   * bound only keeps a hung script from holding the bootstrap lock forever.
   */
  private static final Duration CUSTOM_BOOTSTRAP_TIMEOUT = Duration.ofHours(24);

  private static final long TRANSFER_BACKOFF_NANOS = 5_000_000_000L;

  private final NodeIdentity id;
  private final ClusterStore store;
  private final PgControl pg;
  private final Leadership lead;
  private final DynamicConfig bootstrapDcs;
  private volatile boolean rewindFailed;
  private volatile boolean postmasterCrashed;
  private volatile boolean paused;

  /** This node leads a standby cluster (its PostgreSQL is a standby of the remote primary). */
  private volatile boolean standbyLeading;

  private long lastTransferAttempt = System.nanoTime() - TRANSFER_BACKOFF_NANOS;
  private final Map<String, Long> lastSeen = new ConcurrentHashMap<>();
  private final Runnable wakeLoop;

  /**
   * Copying a database (a clone, a standby cluster's bootstrap) takes as long as the data is large:
   * it runs here, one at a time, while the loop goes on refreshing the member key and reporting
   * progress (Patroni's async executor). Its thread ends a few seconds after the work does: copies
   * are rare and a node lives for years.
   */
  private final java.util.concurrent.ExecutorService background = backgroundExecutor();

  private static java.util.concurrent.ThreadPoolExecutor backgroundExecutor() {
    java.util.concurrent.ThreadPoolExecutor e =
        new java.util.concurrent.ThreadPoolExecutor(
            1,
            1,
            5,
            java.util.concurrent.TimeUnit.SECONDS,
            new java.util.concurrent.LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "synod-background-action");
              t.setDaemon(true);
              return t;
            });
    e.allowCoreThreadTimeOut(true);
    return e;
  }

  private volatile String backgroundAction;
  private volatile String backgroundState;

  public HaActions(
      NodeIdentity id,
      ClusterStore store,
      PgControl pg,
      Leadership leadership,
      DynamicConfig bootstrapDcs,
      Runnable wakeLoop) {
    this.id = id;
    this.store = store;
    this.pg = pg;
    this.lead = leadership;
    this.bootstrapDcs = bootstrapDcs;
    this.wakeLoop = wakeLoop;
    leadership.onLost(
        why -> {
          fenceNow(why);
          wakeLoop.run();
        });
  }

  Leadership leadership() {
    return lead;
  }

  /**
   * The keeper lost the lock (or the required fence) between loops: stop writes at once, unless in
   * maintenance mode, where PostgreSQL is never touched automatically.
   */
  private void fenceNow(String why) {
    lead.lose();
    if (standbyLeading && !pg.state().isPrimary()) {
      // a standby cluster's leader takes no writes: nothing to fence, keep replicating
      standbyLeading = false;
      LOG.warn("{}; this standby leader keeps replicating as a plain standby", why);
      return;
    }
    if (paused) {
      LOG.warn("{}; paused, so PostgreSQL is left running", why);
      return;
    }
    LOG.warn("{}: stopping PostgreSQL now", why);
    safeStop(StopMode.IMMEDIATE);
    lead.disarmFence();
  }

  /** What runs in the background now (the loop decides nothing meanwhile); null when idle. */
  String backgroundAction() {
    return backgroundAction;
  }

  /** The member state to publish while {@link #backgroundAction()} runs (Patroni's names). */
  String backgroundState() {
    return backgroundState;
  }

  /**
   * Starts {@code work} beside the loop and returns at once; its outcome is logged when it ends and
   * the loop is woken to look at the result.
   */
  private String inBackground(String what, String state, java.util.function.Supplier<String> work) {
    if (backgroundAction != null) {
      return "still " + backgroundAction;
    }
    backgroundState = state;
    backgroundAction = what;
    try {
      background.execute(
          () -> {
            try {
              String out = work.get();
              if (out != null) {
                LOG.info("{}", out);
              }
            } catch (StoreException | PgException e) {
              LOG.error("{} failed: {}", what, e.getMessage());
            } catch (RuntimeException e) {
              LOG.error("{} failed", what, e);
            } finally {
              backgroundAction = null;
              wakeLoop.run();
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      backgroundAction = null;
      return what + ": not started (the node is stopping)";
    }
    return what + ": started beside the HA loop";
  }

  /**
   * Stops the background runner: the running action is interrupted, which kills its command (a copy
   * is not left writing into the data directory after the node stops).
   */
  void shutdownBackground() {
    background.shutdownNow();
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

  /**
   * Every loop, on every node: remember who was a member, so a new leader keeps their slots. A
   * witness never streams: a slot for it would hold WAL on the primary forever.
   */
  void observe(Cluster c) {
    if (c != null) {
      paused = c.paused();
      long now = System.nanoTime();
      c.members().values().stream()
          .filter(m -> !m.isWitness())
          .forEach(m -> lastSeen.put(m.name(), now));
    }
  }

  /**
   * @param st the PostgreSQL state the decision was made on (read once per loop)
   */
  String execute(Decision d, Cluster c, HaSettings s, PgState st) {
    try {
      return switch (d.action()) {
        case NONE -> replicaHousekeeping(c, s, st);
        case RENEW -> renew(c, s, st, d.sync());
        case BOOTSTRAP -> bootstrap(s);
        case CLAIM_EXISTING -> claimExisting();
        case CLONE ->
            inBackground(
                d.target() == null
                    ? "creating a replica without a leader"
                    : "creating a replica of " + d.target(),
                MemberData.CREATING_REPLICA,
                () -> cloneFrom(c, d.target()));
        case START_REPLICA -> startReplica(c, d.target());
        case REWIND ->
            inBackground("pg_rewind onto " + d.target(), "stopped", () -> rewind(c, d.target()));
        case REMOVE_DATA -> removeDivergedData();
        case RESTART_PRIMARY -> restartPrimary(s);
        case RELEASE_LEASE -> releaseLease(d.reason());
        case PROMOTE -> promote(c, s);
        case TAKE_LEASE_AND_PROMOTE -> takeLeaseAndPromote(c, s);
        case TAKE_LEASE -> takeLease(c);
        case DEMOTE -> demote("lost the lease");
        case FOLLOW -> follow(c, d.target());
        case STEP_DOWN -> stepDown(c, d.target(), s);
        case STANDBY_LEADER -> standbyLeader(c, s, st);
        case BOOTSTRAP_STANDBY ->
            inBackground(
                "bootstrapping the standby cluster from " + s.dynamic().standby().describe(),
                MemberData.CREATING_REPLICA,
                () -> bootstrapStandby(s));
        case REJECT_FAILOVER -> {
          FailoverRequest f = c.failover();
          store.clearFailover(f == null ? Expect.ANY : Expect.revision(f.revision()));
          yield renew(c, s, st, null);
        }
      };
    } catch (StoreException e) {
      // A failed store call: if that leaves us primary past our lease, stop writes now.
      if (!paused && pg.state().isPrimary() && !lead.valid()) {
        return demote("the store failed (" + e.getMessage() + ") and my lease ran out");
      }
      return "store call failed: " + e.getMessage();
    } catch (PgException e) {
      return d.action() + " failed: " + e.getMessage();
    }
  }

  // --- the leader's cycle ------------------------------------------------------------------

  private String renew(Cluster c, HaSettings s, PgState st, SyncPlan.Step sync) {
    if (!lead.renewFromLoop()) {
      return demote("the lock now belongs to " + lead.lastHolder());
    }
    lead.keep(true);
    if (!st.isPrimary()) {
      return null; // starting: the decider releases the lock after primary_start_timeout
    }
    if (c.paused()) {
      // Maintenance mode (Patroni's pause): the engine may be stopped or restarted without
      // touching PostgreSQL, so no fence.
      lead.disarmFence();
    } else if (!lead.fenceArmed() && !lead.armFence()) {
      return releaseLease("the fence cannot run and watchdog.mode is required");
    }
    moveStoreLeadershipAway();
    String synced = sync == null ? null : applySync(sync);
    PermanentSlots permanent = permanentSlots(s);
    publishStatus(c, st.currentLsn(), slotPositions(st, permanent));
    if (s.useSlots()) {
      pg.createOrUpdateSlots(slotMembers(s, c, id.name()), permanent);
    }
    return synced;
  }

  /**
   * The status key (optime and slot positions) is written when it changed: an idle primary does not
   * append the same value to the Raft log every loop.
   */
  private void publishStatus(Cluster c, long optime, Map<String, Object> slots) {
    if (c.optime() == optime && numbersEqual(c.slots(), slots)) {
      return;
    }
    store.setStatus(optime, slots);
  }

  /** JSON round trips turn longs into ints: compare slot positions by value. */
  private static boolean numbersEqual(Map<String, Object> a, Map<String, Object> b) {
    if (!a.keySet().equals(b.keySet())) {
      return false;
    }
    for (Map.Entry<String, Object> e : a.entrySet()) {
      Object o = b.get(e.getKey());
      if (!(e.getValue() instanceof Number x)
          || !(o instanceof Number y)
          || x.longValue() != y.longValue()) {
        return false;
      }
    }
    return true;
  }

  /** One step of synchronous replication, as {@link SyncPlan} ordered it. */
  private String applySync(SyncPlan.Step step) {
    switch (step.kind()) {
      case RECORD -> store.setSync(id.name(), step.voters(), step.quorum());
      case SET -> pg.setSynchronousStandbyNames(step.names());
      case DELETE -> store.deleteSync();
      case NONE -> {
        return null;
      }
    }
    return "synchronous replication: " + step.why();
  }

  /**
   * The status key's slots: each streaming member's flush position, and the permanent slots' (a
   * physical one's restart_lsn unless a member of that name streams, a logical one's
   * confirmed_flush_lsn), which replicas advance their copies to.
   */
  private Map<String, Object> slotPositions(PgState st, PermanentSlots permanent) {
    Map<String, Object> slots = new HashMap<>();
    for (PgState.ReplicationRow r : st.replication()) {
      if (r.applicationName() != null) {
        slots.put(io.synod.engine.postgres.Postgres.slotNameFor(r.applicationName()), r.flushLsn());
      }
    }
    try {
      pg.permanentSlotPositions(permanent).forEach(slots::putIfAbsent);
    } catch (PgException e) {
      LOG.debug("reading the permanent slots' positions failed: {}", e.getMessage());
    }
    return slots;
  }

  /** The dynamic configuration's permanent slots, none when use_slots is off. */
  static PermanentSlots permanentSlots(HaSettings s) {
    return s.useSlots()
        ? PermanentSlots.of(s.dynamic().slots(), s.dynamic().ignoreSlots())
        : PermanentSlots.NONE;
  }

  /**
   * Members that keep a slot: those with a member key now, and those seen within member_slots_ttl
   * (a replica busy cloning or restarting can miss its key refresh; its slot must hold the WAL).
   */
  private Set<String> slotMembers(HaSettings s, Cluster c, String leader) {
    long now = System.nanoTime();
    lastSeen.values().removeIf(t -> now - t > s.dynamic().memberSlotsTtl().toNanos());
    Set<String> names = new java.util.HashSet<>(lastSeen.keySet());
    names.remove(id.name());
    if (c != null) {
      names.removeIf(n -> !streamsHere(c, n, leader));
    }
    return names;
  }

  /**
   * Whether this node keeps {@code name}'s slot: the member streams from the leader (on a replica:
   * kept at the leader's position for after a failover) or from this node (cascading, the slot its
   * walreceiver uses). A nostream member streams from nobody and gets no slot; a member with no key
   * now (restarting, cloning) keeps its slot for member_slots_ttl; so does the leader, for when it
   * becomes a replica.
   */
  private boolean streamsHere(Cluster c, String name, String leader) {
    Member m = c.member(name);
    if (m == null || name.equals(leader)) {
      return true;
    }
    String up = Upstream.ofMember(c, m, leader);
    return up != null && (up.equals(leader) || up.equals(id.name()));
  }

  /**
   * A healthy replica keeps the other members' slots too, at the leader's positions, so that if it
   * is promoted they are in place before the replicas reconnect (Patroni does the same).
   */
  private String replicaHousekeeping(Cluster c, HaSettings s, PgState st) {
    if (c == null || !s.useSlots() || c.leader() == null || c.leader().name().equals(id.name())) {
      return null;
    }
    if (!st.running() || !st.acceptingConnections() || !st.inRecovery()) {
      return null;
    }
    Map<String, Long> positions = new HashMap<>();
    for (String m : slotMembers(s, c, c.leader().name())) {
      String slot = io.synod.engine.postgres.Postgres.slotNameFor(m);
      Object p = c.slots().get(slot);
      // the leader's own slot (for when it becomes a replica) follows the leader's optime
      long pos =
          m.equals(c.leader().name()) ? c.optime() : p instanceof Number n ? n.longValue() : 0L;
      positions.put(m, pos);
    }
    PermanentSlots permanent = permanentSlots(s);
    Map<String, Long> published = new HashMap<>();
    c.slots().forEach((k, v) -> published.put(k, v instanceof Number n ? n.longValue() : 0L));
    for (PermanentSlots.Slot p : permanent.physical()) {
      positions.putIfAbsent(p.name(), published.getOrDefault(p.name(), 0L));
    }
    try {
      pg.copySlotsFromLeader(positions, permanent);
    } catch (PgException e) {
      LOG.debug("keeping the members' slots on this replica failed: {}", e.getMessage());
    }
    if (permanent.logical().isEmpty()) {
      return null;
    }
    Member leader = c.leader() == null ? null : c.member(c.leader().name());
    URI u = leader == null || leader.connUrl() == null ? null : URI.create(leader.connUrl());
    try {
      return pg.keepLogicalSlotsOnReplica(
          permanent, published, u == null ? null : u.getHost(), u == null ? 0 : u.getPort());
    } catch (PgException e) {
      LOG.warn("keeping the permanent logical slots on this replica failed: {}", e.getMessage());
      return null;
    }
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
    String to = store.moveStoreLeadershipAway();
    if (to != null) {
      // The backoff counts from a transfer asked for, not from a loop that had nothing to move
      // (the store waits until every peer answers): a peer that just came back gets the Raft
      // leadership within a loop, not up to the backoff later.
      lastTransferAttempt = now;
      LOG.info(
          "asked Raft peer {} to lead the store, so it does not share a node with the primary", to);
    }
  }

  // --- standby cluster ----------------------------------------------------------------------

  /**
   * The standby leader's cycle: hold the lock (take it after a race), make the remote primary the
   * source, start PostgreSQL if needed. A primary holding the lock (demote-cluster) is first shut
   * down cleanly, so it ends on a checkpoint the remote's WAL can continue from; it is never fenced
   * afterwards, having nothing left to write.
   */
  private String standbyLeader(Cluster c, HaSettings s, PgState st) {
    StandbyCluster sc = s.dynamic().standby();
    boolean held = lead.valid();
    if (!(held ? lead.renew() : lead.take())) {
      if (st.isPrimary()) {
        return demote("the lock now belongs to " + lead.lastHolder());
      }
      return held
          ? "lost the lock to " + lead.lastHolder()
          : "lost the leader race to " + lead.lastHolder();
    }
    lead.keep(true);
    if (st.isPrimary()) {
      LOG.warn("demote-cluster: stopping the primary to restart it as the standby leader");
      lead.busyFor(pg.pgCtlTimeout().toMillis() * 2);
      pg.stop(StopMode.FAST, pg.pgCtlTimeout());
      lead.disarmFence();
      if (s.useRewind() && sc.host() != null) {
        // The remote was typically promoted from this cluster's WAL and went its own way: this
        // data continues its timeline only after pg_rewind ("no rewind required" otherwise),
        // which may take a while: beside the loop, which keeps the lock meanwhile.
        return inBackground(
            "pg_rewind onto " + sc.describe() + " (demote-cluster)",
            "stopped",
            () -> {
              RewindResult r = pg.rewind(sc.host(), sc.port());
              return "demoted the primary (demote-cluster); "
                  + (r.ok()
                      ? "pg_rewind against " + sc.describe() + " done; "
                      : "pg_rewind against "
                          + sc.describe()
                          + " failed ("
                          + r.detail()
                          + "): it may not be able to replicate; reinitialize it if so; ")
                  + startAsStandbyLeader(sc, true);
            });
      }
      return "demoted the primary (demote-cluster); " + startAsStandbyLeader(sc, true);
    }
    standbyLeading = true;
    boolean changed = pg.configureAsStandbyLeader(sc);
    if (!pg.isRunning()) {
      return startAsStandbyLeader(sc, false);
    }
    if (changed) {
      pg.reload();
      pg.runCallback("on_role_change", "standby_leader");
      return "now the standby leader, replicating from " + sc.describe();
    }
    // members cascade from the standby leader through their slots here; they read their lag from
    // its replay position, as from a primary's optime
    // a standby cannot create logical slots: it keeps the physical permanent ones (Patroni's rule)
    PermanentSlots permanent = permanentSlots(s).physicalOnly();
    publishStatus(c, st.walPosition(), slotPositions(st, permanent));
    if (s.useSlots()) {
      pg.createOrUpdateSlots(slotMembers(s, c, id.name()), permanent);
    }
    return null;
  }

  /** Starts PostgreSQL as the standby leader, replicating from the remote primary. */
  private String startAsStandbyLeader(StandbyCluster sc, boolean wasPrimary) {
    standbyLeading = true;
    pg.configureAsStandbyLeader(sc);
    lead.busyFor(REPLICA_START_WAIT.toMillis() + 5_000);
    boolean ok = pg.start(REPLICA_START_WAIT);
    pg.runCallback(wasPrimary ? "on_role_change" : "on_start", "standby_leader");
    return (ok ? "started" : "starting")
        + " as the standby leader, replicating from "
        + sc.describe();
  }

  /**
   * A standby cluster's bootstrap: under the lock, the remote primary is cloned (its
   * create_replica_methods, default pg_basebackup), this node becomes the standby leader, and the
   * initialize key records the remote's system identifier. No roles are created and post_bootstrap
   * does not run: the copy is read-only, and its roles are the remote's.
   */
  private String bootstrapStandby(HaSettings s) {
    StandbyCluster sc = s.dynamic().standby();
    if (!lead.acquire()) {
      return lead.lastHolder() + " won the bootstrap race";
    }
    lead.keep(true);
    lead.busyFor(CUSTOM_BOOTSTRAP_TIMEOUT.toMillis() + 60_000); // a clone of a large remote
    try {
      if (!pg.dataDirectoryEmpty()) {
        safeStop(StopMode.IMMEDIATE);
        pg.removeDataDirectory(); // an earlier attempt of ours that did not finish
      }
      pg.createReplica(sc.host(), sc.port(), sc.createReplicaMethods());
      pg.configureAsStandbyLeader(sc);
      if (!lead.renew()) {
        throw new PgException("lost the lock while cloning " + sc.describe());
      }
      standbyLeading = true;
      pg.start(REPLICA_START_WAIT);
      store.setConfig(bootstrapDcs.toMap(), Expect.ABSENT);
      recordInitialize(pg.sysid());
      pg.runCallback("on_start", "standby_leader");
      return "bootstrapped a standby cluster from "
          + sc.describe()
          + " (system identifier "
          + pg.sysid()
          + "); I am its standby leader";
    } catch (RuntimeException e) {
      if (initializedWith(pg.sysid())) {
        LOG.error(
            "standby cluster bootstrap step failed after the initialize key was written: {};"
                + " keeping the data directory",
            e.getMessage());
        return "bootstrapped a standby cluster from " + sc.describe();
      }
      LOG.error(
          "standby cluster bootstrap failed: {}; removing the data directory and the lock so it"
              + " can be retried",
          e.getMessage());
      standbyLeading = false;
      safeStop(StopMode.IMMEDIATE);
      try {
        pg.removeDataDirectory();
      } finally {
        lead.release();
      }
      throw e;
    }
  }

  // --- bootstrap and replicas ----------------------------------------------------------------

  /**
   * Claims an uninitialized cluster with this node's existing data. Under the lock, as a bootstrap
   * is: a node that bootstraps from empty and a node that claims must not both win.
   */
  private String claimExisting() {
    if (!lead.acquire()) {
      return lead.lastHolder() + " holds the lock; not claiming the cluster";
    }
    try {
      return store.initialize(pg.sysid())
          ? "claimed the cluster with system identifier " + pg.sysid()
          : "the cluster was initialized meanwhile; not claiming it";
    } finally {
      lead.release(); // the leader race comes next, as for any member with data
    }
  }

  private String bootstrap(HaSettings s) {
    if (!lead.acquire()) {
      return lead.lastHolder() + " won the bootstrap race";
    }
    boolean custom = pg.customBootstrapMethod();
    // Hold the lock through initdb (seconds; longer on a loaded host) or the restore without the
    // loop renewing.
    lead.keep(true);
    lead.busyFor(
        custom
            ? CUSTOM_BOOTSTRAP_TIMEOUT.toMillis() + 60_000
            : Math.max(60_000, pg.pgCtlTimeout().toMillis() * 3));
    try {
      if (!pg.dataDirectoryEmpty()) {
        safeStop(StopMode.IMMEDIATE);
        pg.removeDataDirectory(); // an earlier attempt of ours that did not finish
      }
      if (custom) {
        pg.customBootstrap(CUSTOM_BOOTSTRAP_TIMEOUT);
      } else {
        pg.initdb();
        pg.configureAsPrimary();
      }
      if (!lead.renew() || !lead.armFence()) {
        throw new PgException("lost the lock or the fence cannot run; not starting as primary");
      }
      if (custom) {
        pg.start(pg.pgCtlTimeout()); // accepts connections once consistent, maybe later
        awaitEndOfBootstrapRecovery();
        pg.finishBootstrapRecovery();
      } else if (!pg.start(pg.pgCtlTimeout())) {
        throw new PgException("PostgreSQL did not start after initdb; see " + pg.logFile());
      }
      pg.createUsers();
      int rc = pg.runPostBootstrap();
      if (rc != 0) {
        throw new PgException("post_bootstrap exited with " + rc);
      }
      store.setConfig(bootstrapDcs.toMap(), Expect.ABSENT);
      recordInitialize(pg.sysid());
      return bootstrapped(custom);
    } catch (RuntimeException e) {
      if (initializedWith(pg.sysid())) {
        // A write that timed out was applied after all: this data directory is the cluster now.
        // Removing it would leave every member waiting for a leader to clone from, forever.
        LOG.error(
            "bootstrap step failed after the cluster was recorded as initialized with system"
                + " identifier {}: {}; keeping the data directory and running as primary",
            pg.sysid(),
            e.getMessage());
        return bootstrapped(custom);
      }
      LOG.error(
          "bootstrap failed: {}; removing the data directory and the lock so it can be retried",
          e.getMessage());
      safeStop(StopMode.IMMEDIATE);
      lead.disarmFence();
      try {
        pg.removeDataDirectory();
      } finally {
        lead.release();
      }
      throw e;
    }
  }

  /** The end of a bootstrap whose initialize key is written: on_start, and the outcome line. */
  private String bootstrapped(boolean custom) {
    pg.runCallback("on_start", "primary");
    return (custom
            ? "bootstrapped the cluster from its restored data"
            : "bootstrapped a new cluster")
        + " (system identifier "
        + pg.sysid()
        + ")";
  }

  /**
   * Writes the initialize key, the point of no return of a bootstrap. A write that times out may
   * have been applied, so a failure is checked by reading the key back before it is retried.
   */
  private void recordInitialize(String sysid) {
    RuntimeException last = null;
    for (int attempt = 0; attempt < 5 && lead.keeping(); attempt++) {
      try {
        store.setInitialize(sysid);
        return;
      } catch (RuntimeException e) {
        last = e;
        LOG.warn(
            "writing the initialize key failed ({}); checking whether it landed", e.getMessage());
      }
      if (initializedWith(sysid)) {
        return;
      }
      HaLoop.sleep(200);
    }
    throw last != null
        ? last
        : new PgException("lost the lock before the initialize key was written");
  }

  /** True when the store says the cluster was initialized with {@code sysid} (false: unknown). */
  private boolean initializedWith(String sysid) {
    if (sysid == null) {
      return false;
    }
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
        return sysid.equals(store.load(ReadMode.LINEARIZABLE).initialize());
      } catch (RuntimeException e) {
        HaLoop.sleep(200);
      }
    }
    return false;
  }

  /**
   * Patroni's "waiting for end of recovery after bootstrap": the restored cluster replays what its
   * recovery settings fetch and is promoted by PostgreSQL itself (end of archive, or
   * recovery_target_action: promote). A target reached with recovery_target_action: pause is left
   * paused for the operator (pg_wal_replay_resume() finishes it), as PostgreSQL intends. The lock
   * is held meanwhile; losing it, or PostgreSQL stopping, fails the bootstrap.
   */
  /** How often a long recovery of a restored cluster says what it waits for. */
  private static final long RECOVERY_REPORT_NANOS = Duration.ofSeconds(15).toNanos();

  private void awaitEndOfBootstrapRecovery() {
    String lastPause = null;
    long nextReport = System.nanoTime() + RECOVERY_REPORT_NANOS;
    while (true) {
      lead.busyFor(60_000);
      if (!lead.keeping()) {
        throw new PgException("lost the lock while the restored cluster recovered");
      }
      PgState st = pg.state();
      if (!st.running()) {
        throw new PgException(
            "PostgreSQL stopped while the restored cluster recovered; see " + pg.logFile());
      }
      if (st.acceptingConnections() && !st.inRecovery()) {
        LOG.info("the restored cluster finished its recovery (timeline {})", st.timeline());
        return;
      }
      String err = st.error() == null ? "" : st.error();
      if (err.contains("password authentication failed") || err.contains("no pg_hba.conf entry")) {
        // The backup's roles keep the passwords they had: waiting would never end.
        throw new PgException(
            "cannot connect to the restored cluster ("
                + err
                + "): its superuser must have the password postgresql.authentication.superuser"
                + " gives");
      }
      if (System.nanoTime() > nextReport) {
        nextReport = System.nanoTime() + RECOVERY_REPORT_NANOS;
        LOG.info(
            "waiting for the restored cluster to finish its recovery: {}",
            !err.isEmpty() ? err : st.inRecovery() ? "still in recovery" : "not accepting yet");
      }
      String pause = st.acceptingConnections() ? pg.replayPauseState() : null;
      if ("paused".equals(pause) && !pause.equals(lastPause)) {
        LOG.warn(
            "the restored cluster's recovery is paused at its target (recovery_target_action:"
                + " pause); inspect it, then run SELECT pg_wal_replay_resume() to promote it and"
                + " finish the bootstrap");
      }
      lastPause = pause;
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new PgException("interrupted while the restored cluster recovered", e);
      }
    }
  }

  private String cloneFrom(Cluster c, String leader) {
    if (leader == null) {
      // no_leader methods only; the copy waits as a standby of nobody until a leader appears
      pg.createReplica(null, 0);
      pg.configureAsStandby();
      boolean ok = pg.start(REPLICA_START_WAIT);
      pg.runCallback("on_start", "replica");
      return "created a replica without a leader (no_leader method); "
          + (ok ? "started as a standby" : "starting as a standby (not accepting connections yet)");
    }
    Member source = cloneSource(c, leader);
    URI u = URI.create(source.connUrl());
    pg.createReplica(u.getHost(), u.getPort());
    String up = streamSource(c, leader);
    URI l = URI.create(c.member(up).connUrl());
    pg.configureAsReplica(l.getHost(), l.getPort(), up);
    pg.start(REPLICA_START_WAIT);
    pg.runCallback("on_start", "replica");
    return "cloned from "
        + source.name()
        + " and started as a replica of "
        + leader
        + (up.equals(leader) ? "" : ", streaming from " + up);
  }

  /**
   * The member this node streams from once its data is in place (after a clone or a rewind): the
   * decider's rule ({@link Upstream}) with this node's own tags. A nostream node names the leader.
   */
  private String streamSource(Cluster c, String leader) {
    String up =
        Upstream.forNode(
            c, id.name(), Member.replicateFrom(id.tags()), Member.noStream(id.tags()), leader);
    Member m = c.member(up);
    return m != null && m.connUrl() != null ? up : leader;
  }

  /** A running member tagged clonefrom (not this one), else the leader (Patroni's rule). */
  Member cloneSource(Cluster c, String leader) {
    for (Member m : c.members().values()) {
      Object cf = m.tags().get("clonefrom");
      boolean tagged = Boolean.TRUE.equals(cf) || "true".equalsIgnoreCase(String.valueOf(cf));
      if (tagged && !m.name().equals(id.name()) && m.isRunning() && m.connUrl() != null) {
        return m;
      }
    }
    return c.member(leader);
  }

  /**
   * @param source the member to stream from (the leader, or a replicatefrom member); null when no
   *     leader is known yet
   */
  private String startReplica(Cluster c, String source) {
    Member lm = source == null ? null : c.member(source);
    if (lm != null && lm.connUrl() != null) {
      URI u = URI.create(lm.connUrl());
      pg.configureAsReplica(u.getHost(), u.getPort(), source);
    } else {
      pg.configureAsStandby();
    }
    // A standby accepts connections only once consistent, which may need WAL from the leader;
    // do not hold the loop for it (the next loops see it "starting", then "running").
    boolean ok = pg.start(REPLICA_START_WAIT);
    postmasterCrashed = false;
    pg.runCallback("on_start", "replica");
    return (ok ? "started as a replica" : "starting as a replica (not accepting connections yet)")
        + (lm == null ? " (no leader yet)" : ", source " + source);
  }

  /** A diverged replica that cannot be rewound: its data goes, the next loops copy it again. */
  private String removeDivergedData() {
    safeStop(StopMode.IMMEDIATE);
    pg.removeDataDirectory();
    rewindFailed = false;
    return "removed the data directory of a diverged timeline; it will be copied again";
  }

  private String rewind(Cluster c, String leader) {
    Member lm = c.member(leader);
    if (lm == null || lm.connUrl() == null || !lm.isRunning()) {
      return "waiting for leader " + leader + " to be running before rewinding against it";
    }
    if (pg.isRunning()) {
      // a standby that received WAL past the fork point: pg_rewind needs it stopped (cleanly)
      pg.stop(StopMode.FAST, pg.pgCtlTimeout());
    }
    URI u = URI.create(lm.connUrl());
    RewindResult r = pg.rewind(u.getHost(), u.getPort());
    switch (r.status()) {
      case REWOUND -> {
        return "pg_rewind against " + leader + " done; " + startReplica(c, streamSource(c, leader));
      }
      case SOURCE_UNREACHABLE -> {
        return "pg_rewind could not reach " + leader + " (" + r.detail() + "); trying again";
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

  /** Repoints primary_conninfo at {@code source}: the leader, or a replicatefrom member. */
  private String follow(Cluster c, String source) {
    Member lm = c.member(source);
    if (lm == null || lm.connUrl() == null) {
      return source + " has no member key yet";
    }
    URI u = URI.create(lm.connUrl());
    if (pg.configureAsReplica(u.getHost(), u.getPort(), source)) {
      pg.reload(); // primary_conninfo is reloadable since PostgreSQL 13
      pg.runCallback("on_role_change", "replica");
      return "now following " + source;
    }
    return null;
  }

  // --- promotion ---------------------------------------------------------------------------

  private String restartPrimary(HaSettings s) {
    if (!lead.renew()) {
      return "lost the lock while PostgreSQL was down; not restarting it as primary";
    }
    postmasterCrashed = true;
    pg.configureAsPrimary();
    if (!lead.armFence()) {
      return releaseLease("the fence cannot run and watchdog.mode is required");
    }
    lead.keep(true);
    // Start without holding the loop long: primary_start_timeout is the decider's to enforce, on
    // later loops that see PostgreSQL still starting.
    Duration wait = s.loopWait().multipliedBy(4);
    lead.busyFor(wait.plus(pg.pgCtlTimeout()).toMillis());
    boolean ok = pg.start(wait);
    if (ok) {
      postmasterCrashed = false;
      pg.runCallback("on_restart", "primary");
      return "restarted the crashed postmaster in place; still the leader";
    }
    return "restarting the crashed postmaster in place (not accepting connections yet)";
  }

  /** primary_start_timeout passed (the decider said so): stop trying, let another node lead. */
  private String releaseLease(String why) {
    lead.keep(false);
    safeStop(StopMode.IMMEDIATE);
    lead.disarmFence();
    lead.release();
    pg.configureAsStandby();
    return "released the leader lock: " + why;
  }

  private String takeLeaseAndPromote(Cluster c, HaSettings s) {
    if (!lead.take()) {
      return "lost the leader race to " + lead.lastHolder();
    }
    return promote(c, s);
  }

  /**
   * Promotion, in the order that keeps it safe: hold the lease (keeper) through pre_promote; then
   * renew and arm the fence with that fresh lease <em>before</em> pg_promote, so that a primary
   * never takes writes unfenced, and a slow pre_promote never promotes on an expired lease.
   */
  private String promote(Cluster c, HaSettings s) {
    standbyLeading = false; // promote-cluster: from here on a primary, fenced like any other
    if (!lead.valid() && !lead.renew()) {
      return "not promoting: the lock belongs to " + lead.lastHolder();
    }
    lead.keep(true);
    lead.busyFor(pg.pgCtlTimeout().toMillis());
    int rc = pg.runPrePromote();
    if (rc != 0) {
      lead.release();
      return "pre_promote exited with " + rc + ": promotion aborted and the lease released";
    }
    if (!lead.renew()) {
      lead.lose();
      return "not promoting: the lock went to " + lead.lastHolder() + " while pre_promote ran";
    }
    if (!lead.armFence()) {
      lead.release();
      return "not promoting: the fence cannot run and watchdog.mode is required";
    }
    sealSync(s);
    PgState before = pg.state();
    pg.promote(); // PostgreSQL removes standby.signal itself; removing it first makes it fail
    if (!lead.renew()) {
      return demote("the lock went to " + lead.lastHolder() + " while promoting");
    }
    PgState after = pg.state();
    // pg_rewind reads the new timeline from pg_control, which only a checkpoint updates; without
    // it a former primary is told "no rewind required" and cannot follow (Patroni does the same).
    pg.execute("CHECKPOINT");
    appendHistory(c, after.timeline(), before.walPosition(), s);
    FailoverRequest f = c.failover();
    if (f != null) {
      store.clearFailover(Expect.revision(f.revision()));
    }
    store.setStatus(after.currentLsn(), Map.of());
    if (s.useSlots()) {
      // usually there (kept as a replica); a logical slot never copied is created afresh
      pg.createOrUpdateSlots(slotMembers(s, c, id.name()), permanentSlots(s));
    }
    pg.runCallback("on_role_change", "primary");
    return "promoted: now the primary on timeline " + after.timeline();
  }

  /**
   * Synchronous mode, before this node takes writes: the sync key names it and no voter (so no
   * failover can pick a standby that lacks what it acknowledges next), and in strict mode it waits
   * for any standby until the leader's loop names the synchronous ones.
   */
  private void sealSync(HaSettings s) {
    io.synod.config.DynamicConfig d = s.dynamic();
    if (d.synchronousMode() == io.synod.config.SynchronousMode.OFF) {
      return;
    }
    store.setSync(id.name(), List.of(), 1);
    pg.setSynchronousStandbyNames(
        d.synchronousModeStrict()
            ? io.synod.engine.postgres.SyncStandbyNames.STAR
            : io.synod.engine.postgres.SyncStandbyNames.ASYNC);
  }

  /**
   * Records the promotion in the history key: where the previous timeline ended, read from the new
   * timeline's history file (exact), else the WAL position this node had before promoting.
   */
  private void appendHistory(Cluster c, int newTimeline, long fallbackLsn, HaSettings s) {
    int parent = Math.max(1, newTimeline - 1);
    long lsn = fallbackLsn;
    String reason = "no recovery target specified";
    String lastLine =
        pg.timelineHistory(newTimeline)
            .map(h -> h.strip().lines().filter(l -> !l.isBlank() && !l.startsWith("#")))
            .flatMap(lines -> lines.reduce((a, b) -> b))
            .orElse(null);
    if (lastLine != null) {
      String[] f = lastLine.split("\t", 3);
      try {
        parent = Integer.parseInt(f[0].strip());
        lsn = Lsn.parse(f[1].strip());
        if (f.length > 2) {
          reason = f[2].strip();
        }
      } catch (RuntimeException e) {
        LOG.warn("unreadable timeline history line '{}': {}", lastLine, e.toString());
      }
    }
    List<List<Object>> h = new ArrayList<>(c.history());
    h.add(List.of(parent, lsn, reason, OffsetDateTime.now().toString(), id.name()));
    int keep = s.dynamic().maxTimelinesHistory();
    if (keep > 0 && h.size() > keep) {
      h = new ArrayList<>(h.subList(h.size() - keep, h.size()));
    }
    store.setHistory(h);
  }

  private String takeLease(Cluster c) {
    if (lead.take()) {
      lead.keep(true);
      if (!c.paused() && !lead.armFence()) {
        return releaseLease("the fence cannot run and watchdog.mode is required");
      }
      return "took the free lock: still the primary";
    }
    return demote("lost the leader race to " + lead.lastHolder());
  }

  // --- stepping down -----------------------------------------------------------------------

  /**
   * Stops writes now (immediate mode: another node may promote as soon as the lease expires). The
   * fence stays armed until PostgreSQL is stopped.
   */
  String demote(String why) {
    lead.keep(false);
    boolean wasPrimary = pg.state().isPrimary();
    safeStop(StopMode.IMMEDIATE);
    lead.disarmFence();
    if (lead.valid()) {
      lead.release();
    }
    lead.lose();
    pg.configureAsStandby();
    if (wasPrimary) {
      pg.runCallback("on_role_change", "replica");
    }
    return "demoted (" + why + "): PostgreSQL stopped; it rejoins as a replica";
  }

  /**
   * A planned switchover: a clean (fast) shutdown ships the final WAL to the standbys; the lock is
   * released only once PostgreSQL is really stopped, with the shutdown checkpoint published as the
   * optime the new primary must reach. The lease (and the fence) are held through the stop; if it
   * fails, the step-down is abandoned and this node stays the leader.
   */
  private String stepDown(Cluster c, String candidate, HaSettings s) {
    lead.busyFor(pg.pgCtlTimeout().plus(Duration.ofSeconds(5)).toMillis());
    try {
      int rc = pg.runBeforeStop();
      if (rc != 0) {
        LOG.warn("before_stop exited with {}", rc);
      }
      pg.stop(StopMode.FAST, pg.pgCtlTimeout());
    } catch (PgException e) {
      LOG.error("switchover: stopping PostgreSQL failed: {}", e.getMessage());
    }
    if (pg.isRunning()) {
      FailoverRequest f = c.failover();
      if (f != null) {
        store.clearFailover(Expect.revision(f.revision()));
      }
      pg.start(pg.pgCtlTimeout()); // a fast shutdown that timed out may have stopped half-way
      return "switchover abandoned: PostgreSQL did not stop within pg_ctl_timeout ("
          + pg.pgCtlTimeout().toSeconds()
          + " s); I stay the leader";
    }
    lead.keep(false);
    lead.disarmFence();
    long checkpoint = shutdownCheckpoint();
    if (checkpoint > 0) {
      store.setStatus(checkpoint, Map.of());
    }
    lead.release();
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
        + " (shutdown checkpoint "
        + (checkpoint > 0 ? Lsn.format(checkpoint) : "unknown")
        + "); running as a replica";
  }

  private long shutdownCheckpoint() {
    try {
      Map<String, String> cd = pg.controlData();
      return ControlData.cleanlyShutDown(cd)
          ? Lsn.parse(cd.get(ControlData.CHECKPOINT_LOCATION))
          : 0;
    } catch (RuntimeException e) {
      LOG.warn("cannot read the shutdown checkpoint: {}", e.toString());
      return 0;
    }
  }

  private void safeStop(StopMode mode) {
    try {
      if (pg.isRunning()) {
        pg.stop(mode, pg.pgCtlTimeout());
      }
    } catch (PgException e) {
      LOG.error("stopping PostgreSQL ({}) failed: {}", mode, e.getMessage());
    }
  }

  /**
   * Node shutdown. A leader releases its lock so a replica takes over at once; in maintenance mode
   * (pause) PostgreSQL keeps running and the lock is left to expire on purpose, as in Patroni.
   */
  public void shutdown() {
    lead.keep(false);
    lead.close();
    if (paused) {
      lead.disarmFence();
      LOG.info("paused: leaving PostgreSQL running and the leader lock to expire");
      lead.lose();
      return;
    }
    boolean leader = lead.valid();
    safeStop(StopMode.FAST);
    lead.disarmFence();
    if (leader) {
      lead.release();
    }
    lead.lose();
  }
}

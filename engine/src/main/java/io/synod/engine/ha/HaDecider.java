package io.synod.engine.ha;

import io.synod.config.StandbyCluster;
import io.synod.store.cluster.Cluster;
import io.synod.store.cluster.FailoverRequest;
import io.synod.store.cluster.Member;

/**
 * The HA decision, Patroni's ha.py run_cycle as a pure function: (cluster, local PostgreSQL, own
 * lease, a few durations the loop tracks) to (action, reason). No I/O, no clock reads: everything
 * arrives in {@link HaInput}. Every rule that decides what the node does lives here or in the small
 * pure helpers it calls ({@link LeaderRace}, {@link Timelines}), each with table tests.
 *
 * <p>Safety rests on two rules the store guarantees (see raft-store's package docs) and one the
 * engine keeps: a node that cannot renew its lease knows it before anyone else can take it; taking
 * the lock is a create-if-absent CAS, so at most one node believes it holds it; and a primary is
 * fenced ({@link Leadership}) before it can take writes, so it stops on its own clock when its
 * lease runs out.
 */
public final class HaDecider {
  private HaDecider() {}

  public static Decision decide(HaInput in) {
    if (in.witness()) {
      return witness(in);
    }
    LocalPg pg = in.pg();
    Cluster c = in.cluster();
    if (c == null) {
      return storeUnreachable(in);
    }
    String leader = c.leader() == null ? null : c.leader().name();
    boolean iLead = in.me().equals(leader);

    if (c.initialize() == null) {
      return uninitialized(in, c, leader, iLead);
    }
    if (c.initialize().isEmpty() && leader == null) {
      return Decision.of(Action.NONE, "waiting: another node is bootstrapping the cluster");
    }
    if (!pg.dataDirEmpty()
        && pg.sysid() != null
        && !c.initialize().isEmpty()
        && !c.initialize().equals(pg.sysid())) {
      return Decision.of(
          Action.NONE,
          "refusing to run: my data directory has system identifier "
              + pg.sysid()
              + " but the cluster's is "
              + c.initialize()
              + "; reinitialize this member");
    }
    if (pg.dataDirEmpty()) {
      return emptyDataDir(in, c, leader, iLead);
    }
    if (!pg.running()) {
      return stopped(in, c, leader, iLead);
    }
    if (!pg.accepting()) {
      return starting(in, c, leader, iLead);
    }
    if (pg.isPrimary()) {
      return primary(in, c, leader, iLead);
    }
    return standby(in, c, leader, iLead);
  }

  /**
   * A witness holds no database: it votes in the Raft group that keeps the lock, and nothing else.
   * Whatever the cluster looks like (no initialize key, a free lock, a failover key naming it) it
   * never bootstraps, clones, starts PostgreSQL or takes the lock, so its decision is always NONE;
   * the reason says so in the words the loop logs. (Its loop, {@link WitnessLoop}, has no way to
   * act on anything else: it holds no {@link Leadership} and no PostgreSQL.)
   */
  static Decision witness(HaInput in) {
    String me = "I am " + in.me() + ", a witness (Raft voter, no database)";
    Cluster c = in.cluster();
    if (c == null) {
      return Decision.of(
          Action.NONE, "store unreachable (" + in.storeError() + "); " + me + ": waiting");
    }
    String leader = c.leader() == null ? null : c.leader().name();
    FailoverRequest f = c.failover();
    if (f != null && in.me().equals(f.candidate())) {
      return Decision.of(
          Action.NONE,
          leader,
          "no action: " + me + "; a switchover/failover names me, but a witness never leads");
    }
    return Decision.of(Action.NONE, leader, "no action: " + me);
  }

  private static Decision storeUnreachable(HaInput in) {
    String why = "store unreachable (" + in.storeError() + ")";
    if (in.pg().isPrimary()) {
      if (in.lastKnownPaused()) {
        return Decision.of(
            Action.NONE, "paused: " + why + "; the primary keeps running (pause never demotes)");
      }
      if (in.leaseValid()) {
        return Decision.of(
            Action.NONE,
            why + "; keeping the primary while my lease lasts (" + in.leaseRemainingMs() + " ms)");
      }
      return Decision.of(Action.DEMOTE, "demoting: " + why + " and my lease has run out");
    }
    return Decision.of(Action.NONE, why + "; waiting");
  }

  private static Decision uninitialized(HaInput in, Cluster c, String leader, boolean iLead) {
    LocalPg pg = in.pg();
    // The bootstrap race is won by taking the leader lock (its value names the winner, so a write
    // that timed out but was applied is still recognised as ours on the next loop).
    if (c.paused()) {
      return Decision.of(
          Action.NONE, "paused: the cluster is not initialized and I will not bootstrap it");
    }
    if (leader != null && !iLead) {
      return Decision.of(
          Action.NONE, leader, "waiting: " + leader + " is bootstrapping the cluster");
    }
    if (in.noFailover() && !iLead) {
      return Decision.of(
          Action.NONE,
          "waiting for a failover candidate to bootstrap the cluster: I have nofailover");
    }
    if (pg.dataDirEmpty() && !iLead) {
      // A member that brought a data directory will claim the cluster: initdb would race it.
      for (Member m : c.members().values()) {
        Object sysid = m.data().get("sysid");
        if (!m.name().equals(in.me()) && sysid != null && !m.noFailover()) {
          return Decision.of(
              Action.NONE,
              "waiting: "
                  + m.name()
                  + " has a data directory (system identifier "
                  + sysid
                  + ") and will claim the cluster with it");
        }
      }
      long graceMs = in.settings().ttl().toMillis();
      if (c.member(in.me()) == null || in.unlockedMs() < graceMs) {
        // Members started with us register meanwhile; one may bring data (above), and a claim
        // of existing data beats an initdb.
        return Decision.of(
            Action.NONE,
            "registering: waiting "
                + graceMs
                + " ms for members that bring a data directory before the bootstrap race");
      }
    }
    StandbyCluster sc = in.settings().dynamic().standby();
    if ((pg.dataDirEmpty() || iLead) && sc != null) {
      return Decision.of(
          Action.BOOTSTRAP_STANDBY,
          "bootstrapping a standby cluster: cloning "
              + sc.describe()
              + (iLead ? " again (my earlier attempt did not finish)" : ""));
    }
    if (pg.dataDirEmpty() || iLead) {
      return Decision.of(
          Action.BOOTSTRAP,
          iLead
              ? "I hold the lock of an unfinished bootstrap: bootstrapping again from an empty data"
                  + " directory"
              : "bootstrapping a new cluster: no initialize key and my data directory is empty");
    }
    return Decision.of(
        Action.CLAIM_EXISTING,
        "no initialize key: claiming the cluster with my existing data (system identifier "
            + pg.sysid()
            + ")");
  }

  private static Decision emptyDataDir(HaInput in, Cluster c, String leader, boolean iLead) {
    if (leader == null) {
      if (in.cloneWithoutLeader() && !c.paused()) {
        // Patroni's "bootstrap (without leader)": a backup restore needs no running leader.
        return Decision.of(
            Action.CLONE,
            null,
            "no leader to clone from and my data directory is empty: creating a replica with the"
                + " create_replica_methods that need no leader (no_leader)");
      }
      return Decision.of(
          Action.NONE, "waiting for a leader to clone from: my data directory is empty");
    }
    if (iLead) {
      return Decision.of(
          Action.NONE,
          "my data directory is empty but the leader key still names me; waiting for it to expire");
    }
    Member lm = c.leaderMember();
    if (lm == null || !lm.isRunning()) {
      return Decision.of(
          Action.NONE,
          leader,
          "waiting for leader " + leader + " to be running before cloning from it");
    }
    return Decision.of(
        Action.CLONE, leader, "cloning from leader " + leader + ": my data directory is empty");
  }

  /** No postmaster. */
  private static Decision stopped(HaInput in, Cluster c, String leader, boolean iLead) {
    LocalPg pg = in.pg();
    if (iLead && in.leaseValid()) {
      if (c.paused()) {
        return Decision.of(
            Action.NONE, "paused: PostgreSQL is stopped and stays so (I hold the lock)");
      }
      Decision release = primaryStartTimedOut(in, c, "is not running");
      if (release != null) {
        return release;
      }
      StandbyCluster sc = in.settings().dynamic().standby();
      if (sc != null) {
        return Decision.of(
            Action.STANDBY_LEADER,
            "postmaster is not running; starting it as the standby leader, replicating from "
                + sc.describe());
      }
      return Decision.of(
          Action.RESTART_PRIMARY,
          "postmaster is not running; restarting it in place while I hold the lease ("
              + in.leaseRemainingMs()
              + " ms left)");
    }
    if (c.paused()) {
      return Decision.of(Action.NONE, "paused: PostgreSQL is stopped and stays so");
    }
    if (leader != null && !iLead) {
      if (Timelines.wasPrimary(pg) && in.settings().useRewind()) {
        if (in.rewindFailed()) {
          if (in.removeOnDivergedTimelines()) {
            return Decision.of(
                Action.REMOVE_DATA,
                leader,
                "pg_rewind failed earlier: removing my data directory to copy it again"
                    + " (remove_data_directory_on_diverged_timelines)");
          }
          return Decision.of(
              Action.NONE,
              leader,
              "pg_rewind failed earlier: staying stopped; reinitialize this member");
        }
        return Decision.of(
            Action.REWIND,
            leader,
            "my data last ran as a primary and "
                + leader
                + " leads now: pg_rewind, then follow it");
      }
      String up = source(in, c, leader);
      return Decision.of(
          Action.START_REPLICA,
          up,
          "starting PostgreSQL as a replica of " + leader + sourceNote(in, up, leader));
    }
    return Decision.of(
        Action.START_REPLICA, null, "starting PostgreSQL as a replica; no leader yet");
  }

  /** A postmaster that does not accept connections yet (starting, or in crash recovery). */
  private static Decision starting(HaInput in, Cluster c, String leader, boolean iLead) {
    if (iLead && in.leaseValid()) {
      Decision release =
          c.paused() ? null : primaryStartTimedOut(in, c, "is not accepting connections");
      if (release != null) {
        return release;
      }
      return Decision.of(
          Action.RENEW,
          "PostgreSQL is starting; holding the lease meanwhile ("
              + in.leaseRemainingMs()
              + " ms left)");
    }
    return Decision.of(Action.NONE, leader, "waiting for PostgreSQL to accept connections");
  }

  /**
   * Patroni's primary_start_timeout: a leader whose PostgreSQL has not served as primary for that
   * long lets another member take over, if one could (0 = at once). Null: keep trying.
   */
  private static Decision primaryStartTimedOut(HaInput in, Cluster c, String state) {
    long limit = in.settings().primaryStartTimeout().toMillis();
    if (in.leaderPgDownMs() < limit) {
      return null;
    }
    String candidate = LeaderRace.anyFailoverCandidate(c, in.me());
    if (candidate == null) {
      return null;
    }
    return Decision.of(
        Action.RELEASE_LEASE,
        "PostgreSQL "
            + state
            + " for "
            + in.leaderPgDownMs()
            + " ms, past primary_start_timeout ("
            + limit
            + " ms): releasing the lock so "
            + candidate
            + " or another member can take over");
  }

  private static Decision primary(HaInput in, Cluster c, String leader, boolean iLead) {
    LocalPg pg = in.pg();
    StandbyCluster sc = in.settings().dynamic().standby();
    if (iLead && sc != null && !c.paused()) {
      return Decision.of(
          Action.STANDBY_LEADER,
          "demote-cluster: this is a standby cluster now; stopping the primary and restarting it"
              + " as the standby leader, replicating from "
              + sc.describe());
    }
    if (iLead) {
      return LeaderRace.leaderCycle(in, c);
    }
    if (leader == null) {
      int clusterTl = Timelines.clusterTimeline(c.history());
      if (pg.timeline() < clusterTl) {
        return Decision.of(
            Action.DEMOTE,
            "demoting: I run as primary on timeline "
                + pg.timeline()
                + " but the cluster has moved to timeline "
                + clusterTl);
      }
      return Decision.of(
          Action.TAKE_LEASE,
          "I run as primary and nobody holds the lock: taking it (or demoting if I lose)");
    }
    if (c.paused()) {
      return Decision.of(
          Action.NONE,
          leader,
          "paused: I run as primary but " + leader + " holds the lock; not demoting (pause)");
    }
    return Decision.of(Action.DEMOTE, leader, "demoting: " + leader + " holds the lease, not me");
  }

  /**
   * The member this replica streams from: the leader, or its replicatefrom member while that one
   * can serve ({@link Upstream}). A nostream replica streams from nobody; it is still configured
   * with the leader's name (in the log and its recovery settings' comment).
   */
  private static String source(HaInput in, Cluster c, String leader) {
    return Upstream.forNode(c, in.me(), in.replicateFrom(), in.noStream(), leader);
  }

  private static String sourceNote(HaInput in, String up, String leader) {
    if (in.noStream()) {
      return ", replaying WAL from the archive (nostream)";
    }
    return up.equals(leader) ? "" : ", streaming from " + up + " (replicatefrom)";
  }

  /**
   * The standby leader's loop: keep the lock and replicate from the remote primary. A switchover or
   * failover request inside a standby cluster is dropped with the reason (not supported yet).
   */
  private static Decision standbyLeader(HaInput in, Cluster c, StandbyCluster sc) {
    FailoverRequest f = c.failover();
    if (f != null && !c.paused()) {
      return Decision.of(
          Action.REJECT_FAILOVER,
          "rejecting the switchover/failover request: not supported in a standby cluster yet"
              + " (promote-cluster first)");
    }
    LocalPg pg = in.pg();
    String source = sc.describe();
    if (!source.equals(pg.following())) {
      return Decision.of(
          Action.STANDBY_LEADER,
          "I hold the lease in a standby cluster: replicating from "
              + source
              + " as its standby"
              + " leader");
    }
    String health =
        pg.streaming() || sc.host() == null
            ? ""
            : ", not streaming for " + in.notStreamingMs() + " ms";
    return Decision.of(
        Action.STANDBY_LEADER,
        "no action: I am "
            + in.me()
            + ", the standby leader with the lease, replicating from "
            + source
            + health);
  }

  /** A running standby that accepts connections. */
  private static Decision standby(HaInput in, Cluster c, String leader, boolean iLead) {
    LocalPg pg = in.pg();
    String me = in.me();
    StandbyCluster sc = in.settings().dynamic().standby();
    if (iLead && sc != null) {
      return standbyLeader(in, c, sc);
    }
    if (iLead) {
      return Decision.of(Action.PROMOTE, "I hold the lease and run as a standby: promoting");
    }
    if (leader == null) {
      Decision d = LeaderRace.race(in, c);
      if (sc != null && d.action() == Action.TAKE_LEASE_AND_PROMOTE) {
        // a standby cluster's new leader replicates from the remote primary; nothing promotes
        return Decision.of(
            Action.STANDBY_LEADER,
            d.reason() + " as the standby leader (standby cluster: no promotion)");
      }
      return d;
    }
    String up = source(in, c, leader);
    if (!up.equals(pg.following())) {
      String was = pg.following() == null ? "" : " (was following " + pg.following() + ")";
      String why;
      if (!up.equals(leader)) {
        why = "streaming from " + up + ", my replicatefrom, a replica of " + leader + was;
      } else if (in.replicateFrom() != null
          && !in.noStream()
          && !in.replicateFrom().equals(leader)) {
        why =
            "following the leader "
                + leader
                + ": "
                + in.replicateFrom()
                + ", my replicatefrom, is not a running replica"
                + was;
      } else {
        why = "following the new leader " + leader + was;
      }
      return Decision.of(Action.FOLLOW, up, why);
    }
    if (pg.streaming()) {
      return Decision.of(
          Action.NONE,
          leader,
          "no action: I am "
              + me
              + ", a healthy replica streaming from "
              + (up.equals(leader) ? leader : up + " (replicatefrom; " + leader + " leads)"));
    }
    long grace = Math.max(in.settings().ttl().toMillis(), 2 * in.settings().loopWait().toMillis());
    if (in.notStreamingMs() >= grace
        && Timelines.diverged(c.history(), pg.timeline(), pg.walPosition())) {
      long fork = Timelines.forkPoint(c.history(), pg.timeline());
      String why =
          "I am on timeline "
              + pg.timeline()
              + " with WAL up to "
              + pg.walPosition()
              + ", past where the cluster left it ("
              + fork
              + "): I cannot follow "
              + leader;
      if (!in.settings().useRewind() || in.rewindFailed()) {
        String cannot =
            !in.settings().useRewind() ? "use_pg_rewind is off" : "pg_rewind failed earlier";
        if (in.removeOnDivergedTimelines()) {
          return Decision.of(
              Action.REMOVE_DATA,
              leader,
              why
                  + "; "
                  + cannot
                  + ": removing my data directory to copy it again"
                  + " (remove_data_directory_on_diverged_timelines)");
        }
        return Decision.of(Action.NONE, leader, why + "; " + cannot + ": reinitialize this member");
      }
      return Decision.of(Action.REWIND, leader, why + ": pg_rewind, then follow it");
    }
    return Decision.of(
        Action.NONE,
        leader,
        "no action: I am "
            + me
            + ", a replica of "
            + leader
            + (in.noStream()
                ? " replaying WAL from the archive (nostream)"
                : ", not streaming for " + in.notStreamingMs() + " ms"));
  }
}

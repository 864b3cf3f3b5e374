package io.synod.engine.ha;

import io.synod.store.cluster.Cluster;
import io.synod.store.cluster.FailoverRequest;
import io.synod.store.cluster.Member;
import java.util.List;

/**
 * The HA decision, Patroni's ha.py run_cycle as a pure function: (cluster, local PostgreSQL, own
 * lease) to (action, reason). No I/O, no clock reads: everything arrives in {@link HaInput}.
 *
 * <p>Safety rests on two rules the store guarantees (see raft-store's package docs): a node that
 * cannot renew its lease knows it before anyone else can take it, and taking the lock is a
 * create-if-absent CAS, so at most one node believes it holds it.
 */
public final class HaDecider {
  private HaDecider() {}

  public static Decision decide(HaInput in) {
    LocalPg pg = in.pg();
    String me = in.me();
    Cluster c = in.cluster();

    if (c == null) {
      if (pg.isPrimary()) {
        if (in.leaseValid()) {
          return Decision.of(
              Action.NONE,
              "store unreachable ("
                  + in.storeError()
                  + "); keeping the primary while my lease lasts ("
                  + in.leaseRemainingMs()
                  + " ms left)");
        }
        return Decision.of(
            Action.DEMOTE,
            "demoting: the store is unreachable ("
                + in.storeError()
                + ") and my lease has run out");
      }
      return Decision.of(Action.NONE, "store unreachable (" + in.storeError() + "); waiting");
    }

    String leader = c.leader() == null ? null : c.leader().name();
    boolean iLead = me.equals(leader);

    if (c.initialize() == null) {
      // The bootstrap race is won by taking the leader lock (its value names the winner, so a
      // write that timed out but was applied is still recognised as ours on the next loop).
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
      if (pg.dataDirEmpty() || iLead) {
        return Decision.of(
            Action.BOOTSTRAP,
            iLead
                ? "I hold the lock of an unfinished bootstrap: bootstrapping again from an empty data directory"
                : "bootstrapping a new cluster: no initialize key and my data directory is empty");
      }
      return Decision.of(
          Action.CLAIM_EXISTING,
          "no initialize key: claiming the cluster with my existing data (system identifier "
              + pg.sysid()
              + ")");
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
      if (leader == null) {
        return Decision.of(
            Action.NONE, "waiting for a leader to clone from: my data directory is empty");
      }
      if (iLead) {
        return Decision.of(
            Action.NONE,
            "my data directory is empty but the leader key still names me; waiting for it to expire");
      }
      Member lm = c.leaderMember();
      if (lm == null || !"running".equals(lm.state())) {
        return Decision.of(
            Action.NONE,
            leader,
            "waiting for leader " + leader + " to be running before cloning from it");
      }
      return Decision.of(
          Action.CLONE, leader, "cloning from leader " + leader + ": my data directory is empty");
    }

    if (!pg.running()) {
      if (iLead && in.leaseValid()) {
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
        if (pg.wasPrimary() && in.useRewind()) {
          return Decision.of(
              Action.REWIND,
              leader,
              "my data last ran as a primary and "
                  + leader
                  + " leads now: pg_rewind, then follow it");
        }
        return Decision.of(
            Action.START_REPLICA, leader, "starting PostgreSQL as a replica of " + leader);
      }
      return Decision.of(
          Action.START_REPLICA, null, "starting PostgreSQL as a replica; no leader yet");
    }

    if (!pg.accepting()) {
      if (iLead && in.leaseValid()) {
        return Decision.of(
            Action.RENEW,
            "PostgreSQL is starting; holding the lease meanwhile ("
                + in.leaseRemainingMs()
                + " ms left)");
      }
      return Decision.of(Action.NONE, leader, "waiting for PostgreSQL to accept connections");
    }

    if (pg.isPrimary()) {
      if (iLead) {
        return leaderCycle(in, c);
      }
      if (leader == null) {
        int clusterTl = clusterTimeline(c.history());
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
      return Decision.of(Action.DEMOTE, leader, "demoting: " + leader + " holds the lease, not me");
    }

    // a running standby
    if (iLead) {
      return Decision.of(Action.PROMOTE, "I hold the lease and run as a standby: promoting");
    }
    if (leader != null) {
      if (!leader.equals(pg.following())) {
        return Decision.of(
            Action.FOLLOW,
            leader,
            "following the new leader "
                + leader
                + (pg.following() == null ? "" : " (was following " + pg.following() + ")"));
      }
      return Decision.of(
          Action.NONE, leader, "no action: I am " + me + ", a healthy replica following " + leader);
    }
    return race(in, c);
  }

  /** This node holds the lock (by the store) and runs as primary. */
  private static Decision leaderCycle(HaInput in, Cluster c) {
    String me = in.me();
    String lease =
        in.leaseValid()
            ? "the leader with the lease"
            : "the leader; renewing the lock the store still gives me";
    FailoverRequest f = c.failover();
    if (f == null || (c.paused() && f.candidate() == null)) {
      // In maintenance mode only a switchover to a named candidate is carried out (as Patroni).
      return Decision.of(
          Action.RENEW, "no action: I am " + me + ", " + lease + (c.paused() ? " (paused)" : ""));
    }
    if (f.leader() != null && !f.leader().equals(me)) {
      return Decision.of(
          Action.REJECT_FAILOVER,
          "dropping a switchover request for leader " + f.leader() + ": I am the leader");
    }
    if (f.scheduledAt() != null && f.scheduledAt().isAfter(in.now())) {
      return Decision.of(
          Action.RENEW,
          "no action: I am " + me + ", " + lease + "; switchover scheduled at " + f.scheduledAt());
    }
    String cand = f.candidate();
    if (cand != null) {
      if (cand.equals(me)) {
        return Decision.of(Action.REJECT_FAILOVER, "dropping a switchover request to myself");
      }
      Member m = c.member(cand);
      if (m == null || !"running".equals(m.state()) || m.noFailover()) {
        return Decision.of(
            Action.REJECT_FAILOVER,
            cand,
            "dropping the switchover: candidate " + cand + " is not a healthy member");
      }
      return Decision.of(Action.STEP_DOWN, cand, "switchover: stepping down for " + cand);
    }
    boolean anyHealthy =
        c.members().values().stream()
            .anyMatch(m -> !m.name().equals(me) && "running".equals(m.state()) && !m.noFailover());
    if (!anyHealthy) {
      return Decision.of(
          Action.REJECT_FAILOVER, "dropping the switchover: no healthy replica could take over");
    }
    return Decision.of(
        Action.STEP_DOWN, "switchover: stepping down; the healthiest replica takes over");
  }

  /** The lock is free and this node runs a standby: should it take the lead? */
  private static Decision race(HaInput in, Cluster c) {
    String me = in.me();
    LocalPg pg = in.pg();
    FailoverRequest f = c.failover();
    if (f != null && f.candidate() != null) {
      if (f.candidate().equals(me)) {
        return Decision.of(
            Action.TAKE_LEASE_AND_PROMOTE,
            "the lock is free and a switchover/failover names me: taking the lease");
      }
      if (c.member(f.candidate()) != null) {
        return Decision.of(
            Action.NONE,
            f.candidate(),
            "waiting for the requested candidate " + f.candidate() + " to take over");
      }
    }
    if (c.paused()) {
      return Decision.of(Action.NONE, "paused: the lock is free but no automatic failover happens");
    }
    if (in.noFailover()) {
      return Decision.of(
          Action.NONE,
          "the lock is free but I am not a failover candidate (nofailover or failover_priority <= 0)");
    }
    long lag = c.optime() - pg.walPosition();
    if (c.optime() > 0 && lag > in.maximumLagOnFailover()) {
      return Decision.of(
          Action.NONE,
          "the lock is free but my lag of "
              + lag
              + " bytes exceeds maximum_lag_on_failover ("
              + in.maximumLagOnFailover()
              + "): not promoting");
    }
    if (in.peers() == null) {
      return Decision.of(Action.NONE, "the lock is free: asking the other members before racing");
    }
    for (PeerStatus p : in.peers().values()) {
      if (!p.reachable() || p.name().equals(me)) {
        continue;
      }
      if (p.running() && p.primary()) {
        return Decision.of(
            Action.NONE,
            p.name(),
            "the lock is free but " + p.name() + " still runs as primary: not racing it");
      }
      if (p.noFailover()) {
        continue;
      }
      if (p.walPosition() > pg.walPosition()) {
        return Decision.of(
            Action.NONE,
            p.name(),
            "the lock is free but "
                + p.name()
                + " is ahead of me (WAL "
                + p.walPosition()
                + " > "
                + pg.walPosition()
                + "): leaving the race to it");
      }
      if (p.walPosition() == pg.walPosition() && p.failoverPriority() > in.failoverPriority()) {
        return Decision.of(
            Action.NONE,
            p.name(),
            "the lock is free; "
                + p.name()
                + " is as far as me and has a higher failover_priority");
      }
    }
    return Decision.of(
        Action.TAKE_LEASE_AND_PROMOTE,
        "the lock is free and I am the healthiest member (WAL "
            + pg.walPosition()
            + "): taking the lease");
  }

  /** The timeline the cluster runs on now: one past the last promotion recorded in history. */
  static int clusterTimeline(List<List<Object>> history) {
    int max = 0;
    for (List<Object> h : history) {
      if (!h.isEmpty() && h.get(0) instanceof Number n) {
        max = Math.max(max, n.intValue());
      }
    }
    return max == 0 ? 0 : max + 1;
  }
}

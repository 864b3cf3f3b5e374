package io.synod.engine.ha;

import io.synod.config.SynchronousMode;
import io.synod.store.cluster.Cluster;
import io.synod.store.cluster.FailoverRequest;
import io.synod.store.cluster.Member;
import io.synod.store.cluster.SyncState;
import java.util.ArrayList;
import java.util.List;

/**
 * Who leads next: the leader's handling of switchover/failover requests, and a standby's decision
 * to race for a free lock (Patroni's is_healthiest_node). Pure.
 */
final class LeaderRace {
  private LeaderRace() {}

  /** This node holds the lock (by the store) and runs as primary. */
  static Decision leaderCycle(HaInput in, Cluster c) {
    String me = in.me();
    String lease =
        in.leaseValid()
            ? "the leader with the lease"
            : "the leader; renewing the lock the store still gives me";
    FailoverRequest f = c.failover();
    if (f == null || (c.paused() && f.candidate() == null)) {
      // In maintenance mode only a switchover to a named candidate is carried out (as Patroni).
      return renew(in, c, "no action: I am " + me + ", " + lease + (c.paused() ? " (paused)" : ""));
    }
    if (f.leader() != null && !f.leader().equals(me)) {
      return Decision.of(
          Action.REJECT_FAILOVER,
          "dropping a switchover request for leader " + f.leader() + ": I am the leader");
    }
    if (f.scheduledAt() != null && f.scheduledAt().isAfter(in.now())) {
      return renew(
          in,
          c,
          "no action: I am " + me + ", " + lease + "; switchover scheduled at " + f.scheduledAt());
    }
    String cand = f.candidate();
    if (cand != null) {
      if (cand.equals(me)) {
        return Decision.of(Action.REJECT_FAILOVER, "dropping a switchover request to myself");
      }
      String unfit = unfit(in, c, c.member(cand));
      if (unfit != null) {
        return Decision.of(
            Action.REJECT_FAILOVER, cand, "dropping the switchover to " + cand + ": " + unfit);
      }
      return Decision.of(Action.STEP_DOWN, cand, "switchover: stepping down for " + cand);
    }
    for (Member m : c.members().values()) {
      if (!m.name().equals(me) && unfit(in, c, m) == null) {
        return Decision.of(
            Action.STEP_DOWN, "switchover: stepping down; the healthiest replica takes over");
      }
    }
    return Decision.of(
        Action.REJECT_FAILOVER, "dropping the switchover: no healthy replica could take over");
  }

  /** RENEW, carrying the leader's next synchronous-replication step, if any. */
  static Decision renew(HaInput in, Cluster c, String text) {
    SyncPlan.Step step = syncStep(in, c);
    if (step == null || step.kind() == SyncPlan.Step.Kind.NONE) {
      return Decision.of(Action.RENEW, text);
    }
    return new Decision(Action.RENEW, null, text + "; " + step.why(), step);
  }

  static SyncPlan.Step syncStep(HaInput in, Cluster c) {
    io.synod.config.DynamicConfig d = in.settings().dynamic();
    LocalPg pg = in.pg();
    if (d.synchronousMode() == SynchronousMode.OFF && pg.syncNames() == null && c.sync() == null) {
      return null;
    }
    return SyncPlan.next(
        new SyncPlan.In(
            in.me(),
            d.synchronousMode(),
            d.synchronousModeStrict(),
            d.synchronousNodeCount(),
            d.maximumLagOnSyncnode(),
            pg.syncNames(),
            pg.syncSetAt(),
            pg.walPosition(),
            pg.standbys(),
            c.members(),
            c.sync()));
  }

  /** The sync key that governs failover now, or null when synchronous mode does not apply. */
  static SyncState governingSync(HaInput in, Cluster c) {
    if (in.settings().dynamic().synchronousMode() == SynchronousMode.OFF) {
      return null;
    }
    return c.sync();
  }

  /** Why {@code m} cannot take over from this leader now, or null when it can. */
  static String unfit(HaInput in, Cluster c, Member m) {
    if (m == null) {
      return "it is not a member";
    }
    if (m.isWitness()) {
      return "it is a witness (a Raft voter without a database)";
    }
    if (!m.isRunning()) {
      return "it is not running (state " + m.state() + ")";
    }
    if (m.noFailover()) {
      return "it has nofailover (or failover_priority <= 0)";
    }
    SyncState sync = governingSync(in, c);
    if (sync != null && in.me().equals(sync.leader())) {
      if (!sync.failoverPossible()) {
        return "synchronous mode: no standby is known to have every acknowledged commit yet";
      }
      if (!sync.syncStandby().contains(m.name())) {
        return "synchronous mode: it is not a synchronous standby (" + sync.syncStandby() + ")";
      }
      return null; // a synchronous standby has every acknowledged commit: its lag is no concern
    }
    long lag = in.pg().walPosition() - m.xlogLocation();
    if (lag > in.settings().maximumLagOnFailover()) {
      return "it lags by "
          + lag
          + " bytes, more than maximum_lag_on_failover ("
          + in.settings().maximumLagOnFailover()
          + ")";
    }
    return null;
  }

  /** A running member other than {@code me} that may be promoted, or null. */
  static String anyFailoverCandidate(Cluster c, String me) {
    for (Member m : c.members().values()) {
      if (!m.name().equals(me) && !m.isWitness() && m.isRunning() && !m.noFailover()) {
        return m.name();
      }
    }
    return null;
  }

  /**
   * How long a switchover may leave the lock free before the members race as after any failure (the
   * candidate died or never caught up): the old primary may then race again too.
   */
  static long switchoverGraceMs(HaInput in) {
    return Math.max(10_000, 3 * in.settings().ttl().toMillis());
  }

  /** The lock is free and this node runs a standby: should it take the lead? */
  static Decision race(HaInput in, Cluster c) {
    String me = in.me();
    LocalPg pg = in.pg();
    FailoverRequest f = c.failover();
    boolean active = f != null && in.unlockedMs() < switchoverGraceMs(in);
    // A switchover's old primary wrote its shutdown checkpoint as the optime before releasing the
    // lock: a new primary must have received it, or the writes before it would be lost.
    String stepped = active ? f.leader() : null;
    if (active) {
      if (me.equals(stepped)) {
        return Decision.of(
            Action.NONE, "I stepped down for this switchover: not racing for the lock I released");
      }
      if (me.equals(f.candidate())) {
        Decision wait = awaitCheckpoint(in, c, stepped);
        return wait != null
            ? wait
            : Decision.of(
                Action.TAKE_LEASE_AND_PROMOTE,
                "the lock is free and a switchover/failover names me: taking the lease");
      }
      // A request naming a witness (refused by the REST API, but the key may come from a
      // mirror) has no candidate that will ever take over: race as if it named none.
      Member requested = f.candidate() == null ? null : c.member(f.candidate());
      if (requested != null && !requested.isWitness()) {
        return Decision.of(
            Action.NONE,
            f.candidate(),
            "waiting for the requested candidate " + f.candidate() + " to take over");
      }
    } else if (f != null && f.candidate() != null && f.candidate().equals(me)) {
      return Decision.of(
          Action.TAKE_LEASE_AND_PROMOTE,
          "the lock is free and a failover names me: taking the lease");
    }
    if (c.paused()) {
      return Decision.of(Action.NONE, "paused: the lock is free but no automatic failover happens");
    }
    if (in.noFailover()) {
      return Decision.of(
          Action.NONE,
          "the lock is free but I am not a failover candidate (nofailover or failover_priority <="
              + " 0)");
    }
    int clusterTl = Timelines.clusterTimeline(c.history());
    if (in.settings().dynamic().checkTimeline() && clusterTl > 0 && pg.timeline() < clusterTl) {
      return Decision.of(
          Action.NONE,
          "the lock is free but my timeline "
              + pg.timeline()
              + " is behind the cluster's ("
              + clusterTl
              + "): not racing (check_timeline)");
    }
    Decision wait = awaitCheckpoint(in, c, stepped);
    if (wait != null) {
      return wait;
    }
    SyncState sync = governingSync(in, c);
    if (sync != null) {
      return syncRace(in, c, sync, stepped);
    }
    long lag = c.optime() - pg.walPosition();
    if (c.optime() > 0 && lag > in.settings().maximumLagOnFailover()) {
      return Decision.of(
          Action.NONE,
          "the lock is free but my lag of "
              + lag
              + " bytes exceeds maximum_lag_on_failover ("
              + in.settings().maximumLagOnFailover()
              + "): not promoting");
    }
    if (in.peers() == null) {
      return Decision.of(Action.NONE, "the lock is free: asking the other members before racing");
    }
    for (PeerStatus p : in.peers().values()) {
      if (!p.reachable() || p.name().equals(me) || p.name().equals(stepped)) {
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
        return aheadOfMe("", p, pg.walPosition());
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

  /**
   * Synchronous mode: only a voter of the sync key may take over, and only when it sees the key's
   * quorum of voters (itself included) and none of them is ahead: then it has every acknowledged
   * commit. No maximum_lag_on_failover check: that bound is for asynchronous loss.
   *
   * <p>The key's leader may take over too (Patroni's {@code sync.matches(name, check_leader)}):
   * only a lock holder writes the key, so every commit acknowledged since it was written was
   * acknowledged by that leader's own PostgreSQL. Without this, a new primary that sealed the key
   * (no voters) and lost the lock before promoting would leave no member allowed to promote, ever.
   */
  private static Decision syncRace(HaInput in, Cluster c, SyncState sync, String stepped) {
    String me = in.me();
    LocalPg pg = in.pg();
    boolean keyLeader = me.equals(sync.leader());
    if (!keyLeader && !sync.failoverPossible()) {
      return Decision.of(
          Action.NONE,
          "synchronous mode: the lock is free but no standby is known to have every acknowledged"
              + " commit (sync key: voters "
              + sync.syncStandby()
              + ", quorum "
              + sync.quorum()
              + "): not promoting");
    }
    if (!keyLeader && !sync.syncStandby().contains(me)) {
      return Decision.of(
          Action.NONE,
          "synchronous mode: the lock is free but I am not a synchronous standby (voters "
              + sync.syncStandby()
              + ")");
    }
    if (in.peers() == null) {
      return Decision.of(Action.NONE, "the lock is free: asking the other members before racing");
    }
    List<String> seen = new ArrayList<>(List.of(me));
    for (PeerStatus p : in.peers().values()) {
      if (!p.reachable() || p.name().equals(me) || p.name().equals(stepped)) {
        continue;
      }
      if (p.running() && p.primary()) {
        return Decision.of(
            Action.NONE,
            p.name(),
            "the lock is free but " + p.name() + " still runs as primary: not racing it");
      }
      if (!sync.syncStandby().contains(p.name()) && !p.name().equals(sync.leader())) {
        continue;
      }
      seen.add(p.name());
      if (p.walPosition() > pg.walPosition()) {
        return aheadOfMe("synchronous mode: ", p, pg.walPosition());
      }
    }
    if (keyLeader) {
      return Decision.of(
          Action.TAKE_LEASE_AND_PROMOTE,
          "synchronous mode: the lock is free and the sync key names me as its leader, so every"
              + " commit acknowledged since is in my WAL ("
              + pg.walPosition()
              + "); no voter I see "
              + seen
              + " is ahead: taking the lease");
    }
    if (seen.size() < sync.quorum()) {
      return Decision.of(
          Action.NONE,
          "synchronous mode: the lock is free but I see only "
              + seen
              + " of the voters "
              + sync.syncStandby()
              + "; "
              + sync.quorum()
              + " are needed to be sure of every acknowledged commit");
    }
    return Decision.of(
        Action.TAKE_LEASE_AND_PROMOTE,
        "synchronous mode: the lock is free and I am the most advanced of the voters I see "
            + seen
            + " (quorum "
            + sync.quorum()
            + "): taking the lease");
  }

  /** During a switchover from {@code stepped}: wait until this node has its shutdown checkpoint. */
  private static Decision awaitCheckpoint(HaInput in, Cluster c, String stepped) {
    if (stepped == null || c.optime() <= 0 || in.pg().walPosition() > c.optime()) {
      return null;
    }
    return Decision.of(
        Action.NONE,
        stepped,
        "switchover from "
            + stepped
            + ": waiting for my WAL ("
            + in.pg().walPosition()
            + ") to pass its shutdown checkpoint ("
            + c.optime()
            + ")");
  }

  private static Decision aheadOfMe(String prefix, PeerStatus p, long mine) {
    return Decision.of(
        Action.NONE,
        p.name(),
        prefix
            + "the lock is free but "
            + p.name()
            + " is ahead of me (WAL "
            + p.walPosition()
            + " > "
            + mine
            + "): leaving the race to it");
  }
}

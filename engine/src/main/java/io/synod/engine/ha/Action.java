package io.synod.engine.ha;

/** What the HA loop does this cycle. The executor ({@link HaActions}) maps each to I/O. */
public enum Action {
  /** Nothing to change (a replica in place, paused, waiting, or an ineligible candidate). */
  NONE,
  /** The leader holds a valid lease and stays: renew it, refresh status and slots. */
  RENEW,
  /** No cluster yet and an empty data dir: win the initialize race, initdb, take the lease. */
  BOOTSTRAP,
  /** No cluster key but data on disk: claim the cluster with this data's system identifier. */
  CLAIM_EXISTING,
  /** Empty data dir, a leader exists: pg_basebackup from it (or the clonefrom member). */
  CLONE,
  /**
   * PostgreSQL is stopped and this node is not the leader: start it as a standby of {@code target}.
   */
  START_REPLICA,
  /**
   * This node's data diverged from {@code target}'s timeline (it last ran as a primary, or it
   * received WAL past the fork point): stop, pg_rewind, then follow.
   */
  REWIND,
  /**
   * This replica's timeline diverged and pg_rewind cannot be used (off, or it failed) and
   * remove_data_directory_on_diverged_timelines is set: stop PostgreSQL and remove the data
   * directory, so the next loops copy it again.
   */
  REMOVE_DATA,
  /** This node holds the lease but its postmaster is gone: restart it in place as primary. */
  RESTART_PRIMARY,
  /**
   * This node holds the lock but its PostgreSQL cannot serve as primary (primary_start_timeout
   * passed): stop it and release the lock so another member takes over.
   */
  RELEASE_LEASE,
  /** This node holds the lease and PostgreSQL is a standby: promote it. */
  PROMOTE,
  /** The lock is free and this node is the best candidate: take the lease, then promote. */
  TAKE_LEASE_AND_PROMOTE,
  /** A running primary without a lock: try to take the lease; demote if someone else gets it. */
  TAKE_LEASE,
  /** A primary that lost (or never had) the lease: stop writes now, then follow the leader. */
  DEMOTE,
  /** A standby following the wrong upstream: repoint primary_conninfo at {@code target}. */
  FOLLOW,
  /** A planned switchover away from this leader: shut down cleanly, release the lease, follow. */
  STEP_DOWN,
  /**
   * A standby cluster's leader (its standby leader): take or renew the lock, replicate from the
   * remote primary (standby_cluster), start PostgreSQL if it is stopped, and never promote. A
   * running primary is first stopped cleanly (demote-cluster).
   */
  STANDBY_LEADER,
  /**
   * A standby cluster with no data yet: win the initialize race and clone the remote primary
   * (standby_cluster.create_replica_methods) instead of running initdb.
   */
  BOOTSTRAP_STANDBY,
  /**
   * The leader drops a switchover/failover request it cannot honour (bad or unhealthy candidate),
   * and renews.
   */
  REJECT_FAILOVER
}

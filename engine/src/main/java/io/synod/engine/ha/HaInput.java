package io.synod.engine.ha;

import io.synod.store.cluster.Cluster;
import java.time.OffsetDateTime;
import java.util.Map;

/**
 * Everything one HA decision depends on: the cluster as the store shows it, the local PostgreSQL,
 * this node's own view of its lease, and the few durations the loop keeps track of. Built by the
 * loop; consumed by a pure function.
 *
 * @param cluster null when the store could not be read this loop ({@code storeError} says why)
 * @param lastKnownPaused the pause flag of the last cluster view read (for a store outage)
 * @param leaseValid this node holds the lock by its own clock (deadline from the last renewal not
 *     passed)
 * @param peers the other members' /patroni answers; null when not fetched (only for a race)
 * @param rewindFailed pg_rewind failed earlier and the data was kept: do not try again by itself
 * @param leaderPgDownMs while this node holds the lock: how long PostgreSQL has not been running as
 *     an accepting primary (0 when it is)
 * @param notStreamingMs a standby following a leader: how long its WAL receiver has not been
 *     streaming (0 when it is)
 * @param unlockedMs how long the lock has been free, as this node saw it (0 when held)
 * @param witness this node is a witness: a Raft voter without a database ({@link
 *     HaDecider#witness})
 * @param replicateFrom this node's tags.replicatefrom (cascading; {@link Upstream}), or null
 * @param noStream this node's tags.nostream: it replays WAL from the archive only
 * @param cloneWithoutLeader a create_replica_methods entry has no_leader: an empty member may
 *     create its data while no leader runs (restoring a backup)
 * @param removeOnDivergedTimelines remove_data_directory_on_diverged_timelines: a replica that
 *     diverged and cannot be rewound removes its data to be copied again
 */
public record HaInput(
    String me,
    boolean noFailover,
    int failoverPriority,
    Cluster cluster,
    String storeError,
    boolean lastKnownPaused,
    LocalPg pg,
    boolean leaseValid,
    long leaseRemainingMs,
    Map<String, PeerStatus> peers,
    HaSettings settings,
    OffsetDateTime now,
    boolean rewindFailed,
    long leaderPgDownMs,
    long notStreamingMs,
    long unlockedMs,
    boolean witness,
    String replicateFrom,
    boolean noStream,
    boolean cloneWithoutLeader,
    boolean removeOnDivergedTimelines) {

  /** A database node's input, streaming from the leader. */
  public HaInput(
      String me,
      boolean noFailover,
      int failoverPriority,
      Cluster cluster,
      String storeError,
      boolean lastKnownPaused,
      LocalPg pg,
      boolean leaseValid,
      long leaseRemainingMs,
      Map<String, PeerStatus> peers,
      HaSettings settings,
      OffsetDateTime now,
      boolean rewindFailed,
      long leaderPgDownMs,
      long notStreamingMs,
      long unlockedMs) {
    this(
        me,
        noFailover,
        failoverPriority,
        cluster,
        storeError,
        lastKnownPaused,
        pg,
        leaseValid,
        leaseRemainingMs,
        peers,
        settings,
        now,
        rewindFailed,
        leaderPgDownMs,
        notStreamingMs,
        unlockedMs,
        false,
        null,
        false,
        false,
        false);
  }

  /**
   * A witness's input: the cluster as the store shows it (null with {@code storeError}); it has no
   * PostgreSQL, no lease and no race to run.
   */
  public static HaInput witness(
      String me, Cluster cluster, String storeError, HaSettings settings, OffsetDateTime now) {
    return new HaInput(
        me,
        true,
        0,
        cluster,
        storeError,
        cluster != null && cluster.paused(),
        LocalPg.empty(),
        false,
        0,
        null,
        settings,
        now,
        false,
        0,
        0,
        0,
        true,
        null,
        false,
        false,
        false);
  }
}

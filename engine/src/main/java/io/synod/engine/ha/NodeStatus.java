package io.synod.engine.ha;

import io.synod.engine.postgres.PgState;
import io.synod.store.cluster.Cluster;
import java.time.Instant;

/**
 * What the last HA loop saw and did, published for the REST API and metrics (read-only, immutable).
 *
 * @param cluster null when the store was unreachable that loop
 * @param lastLoop when the loop finished (for /liveness)
 * @param dynamic the dynamic configuration this loop ran with (the config key as last read, else
 *     bootstrap.dcs): published once here for everyone else
 */
public record NodeStatus(
    String name,
    PgState pg,
    Cluster cluster,
    String storeError,
    Decision decision,
    boolean leaseHeld,
    long leaseRemainingMs,
    Instant lastLoop,
    Instant dcsLastSeen,
    String role,
    String state,
    io.synod.config.DynamicConfig dynamic,
    LeaseCounts leaseCounts) {

  /**
   * Lease renewals of a held lock since the engine started, and the late ones (under a quarter of
   * the lease left when the renewal landed).
   */
  public record LeaseCounts(long renewals, long late) {
    public static final LeaseCounts NONE = new LeaseCounts(0, 0);
  }

  public NodeStatus(
      String name,
      PgState pg,
      Cluster cluster,
      String storeError,
      Decision decision,
      boolean leaseHeld,
      long leaseRemainingMs,
      Instant lastLoop,
      Instant dcsLastSeen,
      String role,
      String state,
      io.synod.config.DynamicConfig dynamic) {
    this(
        name,
        pg,
        cluster,
        storeError,
        decision,
        leaseHeld,
        leaseRemainingMs,
        lastLoop,
        dcsLastSeen,
        role,
        state,
        dynamic,
        LeaseCounts.NONE);
  }

  /** Without the settings in force (tests; the REST API then assumes bootstrap.dcs). */
  public NodeStatus(
      String name,
      PgState pg,
      Cluster cluster,
      String storeError,
      Decision decision,
      boolean leaseHeld,
      long leaseRemainingMs,
      Instant lastLoop,
      Instant dcsLastSeen,
      String role,
      String state) {
    this(
        name,
        pg,
        cluster,
        storeError,
        decision,
        leaseHeld,
        leaseRemainingMs,
        lastLoop,
        dcsLastSeen,
        role,
        state,
        null);
  }

  public boolean isLeader() {
    return cluster != null
        && cluster.leader() != null
        && name.equals(cluster.leader().name())
        && leaseHeld;
  }
}

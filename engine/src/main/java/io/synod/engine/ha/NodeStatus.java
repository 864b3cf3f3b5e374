package io.synod.engine.ha;

import io.synod.engine.postgres.PgState;
import io.synod.store.cluster.Cluster;
import java.time.Instant;

/**
 * What the last HA loop saw and did, published for the REST API and metrics (read-only, immutable).
 *
 * @param cluster null when the store was unreachable that loop
 * @param lastLoop when the loop finished (for /liveness)
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
    String state) {

  public boolean isLeader() {
    return cluster != null
        && cluster.leader() != null
        && name.equals(cluster.leader().name())
        && leaseHeld;
  }
}

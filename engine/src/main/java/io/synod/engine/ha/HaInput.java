package io.synod.engine.ha;

import io.synod.store.cluster.Cluster;
import java.time.OffsetDateTime;
import java.util.Map;

/**
 * Everything one HA decision depends on: the cluster as the store shows it, the local PostgreSQL,
 * and this node's own view of its lease. Built by the loop; consumed by a pure function.
 *
 * @param cluster null when the store could not be read this loop ({@code storeError} says why)
 * @param leaseValid this node holds the lock by its own clock (deadline from the last renewal not
 *     passed)
 * @param peers the other members' /patroni answers; null when not fetched (only fetched for a race)
 */
public record HaInput(
    String me,
    boolean noFailover,
    int failoverPriority,
    Cluster cluster,
    String storeError,
    LocalPg pg,
    boolean leaseValid,
    long leaseRemainingMs,
    Map<String, PeerStatus> peers,
    long maximumLagOnFailover,
    boolean useRewind,
    OffsetDateTime now) {}

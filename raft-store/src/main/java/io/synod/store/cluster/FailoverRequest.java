package io.synod.store.cluster;

import java.time.OffsetDateTime;

/**
 * The failover key: a manual switchover (leader set) or failover (candidate only), maybe scheduled.
 * JSON as Patroni: {"leader": ..., "member": ..., "scheduled_at": ISO-8601}.
 */
public record FailoverRequest(
    String leader, String candidate, OffsetDateTime scheduledAt, long revision) {}

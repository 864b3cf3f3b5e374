package io.synod.bridges;

/**
 * Tuning of one mirror. The defaults suit a cluster of a handful of nodes.
 *
 * @param ttlMs TTL for the target's session when it is fixed at connect time (ZooKeeper, Consul):
 *     the cluster's {@code ttl}; TTL'd keys in etcd use each key's own TTL
 * @param nodeName names this node's session in the target
 * @param pollMs how often the writer role and the watch are re-checked; a new Raft leader starts
 *     writing within it
 * @param requestTimeoutMs bound on every call to the target
 * @param queueCapacity distinct keys that may wait; beyond, the mirror resyncs in full
 * @param backoffMinMs first retry delay after a failure; doubles up to {@code backoffMaxMs}
 * @param acceptRequests {@code bridge.accept_requests}: failover/config keys written by tooling are
 *     applied
 * @param requestPollMs how often the writer looks for such keys
 * @param fullResyncMs how often the writer compares the whole target with the store even without a
 *     failure, so a key edited or deleted in the target by hand is put back
 */
public record MirrorOptions(
    long ttlMs,
    String nodeName,
    long pollMs,
    long requestTimeoutMs,
    int queueCapacity,
    long backoffMinMs,
    long backoffMaxMs,
    boolean acceptRequests,
    long requestPollMs,
    long fullResyncMs) {

  public static MirrorOptions defaults(long ttlMs, String nodeName, boolean acceptRequests) {
    return new MirrorOptions(
        ttlMs, nodeName, 100, 2000, 1024, 100, 2000, acceptRequests, 500, 30_000);
  }

  public MirrorOptions withQueueCapacity(int capacity) {
    return new MirrorOptions(
        ttlMs,
        nodeName,
        pollMs,
        requestTimeoutMs,
        capacity,
        backoffMinMs,
        backoffMaxMs,
        acceptRequests,
        requestPollMs,
        fullResyncMs);
  }

  public MirrorOptions withFullResyncMs(long ms) {
    return new MirrorOptions(
        ttlMs,
        nodeName,
        pollMs,
        requestTimeoutMs,
        queueCapacity,
        backoffMinMs,
        backoffMaxMs,
        acceptRequests,
        requestPollMs,
        ms);
  }
}

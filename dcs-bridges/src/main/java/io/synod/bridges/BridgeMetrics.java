package io.synod.bridges;

/**
 * What a bridge reports, for {@code /metrics} and logs.
 *
 * @param target {@code etcd3}, {@code zookeeper} or {@code consul}
 * @param up the last call to the target (write, keepalive or probe) succeeded: {@code
 *     synod_bridge_up}
 * @param lagSeconds how long the oldest change of the Raft store not yet in the target has waited;
 *     0 when caught up, and 0 on nodes that are not the mirror writer: {@code
 *     synod_bridge_lag_seconds}
 * @param writer this node is the Raft leader and so the one that writes the mirror
 * @param writes keys written or deleted in the target since start
 * @param errors failed calls to the target since start
 * @param resyncs full resyncs (after becoming writer, reconnecting, a lost lease/session or a
 *     conflict)
 * @param lastError the last error seen, or null
 */
public record BridgeMetrics(
    String target,
    boolean up,
    double lagSeconds,
    boolean writer,
    long writes,
    long errors,
    long resyncs,
    String lastError) {}

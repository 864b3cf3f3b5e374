package io.synod.engine.api;

import io.synod.config.DynamicConfig;
import io.synod.config.Tags;
import io.synod.engine.ha.NodeStatus;
import io.synod.engine.postgres.PgState;
import io.synod.store.cluster.Cluster;

/**
 * What the REST API knows about this node at one moment: the last HA loop's status and this node's
 * settings. Immutable; health checks, /patroni and /metrics are computed from it and nothing else.
 *
 * @param status the last HA loop's status (never null)
 * @param state the node's state as /patroni reports it: the loop's, or "restarting" / "creating
 *     replica" while a manual action runs
 * @param tags this node's tags
 * @param dynamic the dynamic configuration in force (the store's as of the last loop, else
 *     bootstrap.dcs)
 */
record NodeView(NodeStatus status, String state, Tags tags, DynamicConfig dynamic) {

  boolean running() {
    return "running".equals(state);
  }

  /** A witness: a Raft voter that serves no database. */
  boolean witness() {
    return "witness".equals(status.role());
  }

  /**
   * Patroni's is_leader: this node holds the leader lock. While the store is unreachable the last
   * loop cannot see the lock, but the node's own lease still counts (the HA engine keeps the
   * primary running until it runs out), so a Raft election does not take the primary out of
   * HAProxy.
   */
  boolean holdsLock() {
    return status.isLeader() || (status.cluster() == null && status.leaseHeld());
  }

  /** A synchronous standby (synchronous_mode on): listed in the sync key. */
  boolean isSync() {
    Cluster c = status.cluster();
    return c != null && "sync_standby".equals(c.syncRole(status.name()));
  }

  /** A quorum standby (synchronous_mode quorum): one of the sync key's voters. */
  boolean isQuorum() {
    Cluster c = status.cluster();
    return c != null && "quorum_standby".equals(c.syncRole(status.name()));
  }

  /**
   * /patroni's replication_state: "streaming" or "in archive recovery" on a replica that accepts
   * connections, else null.
   */
  String replicationState() {
    PgState pg = status.pg();
    if (!pg.running() || !pg.acceptingConnections()) {
      return null;
    }
    if (pg.isStreaming()) {
      return "streaming";
    }
    return pg.inRecovery() ? "in archive recovery" : null;
  }
}

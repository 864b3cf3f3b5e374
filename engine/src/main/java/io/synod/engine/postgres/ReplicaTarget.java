package io.synod.engine.postgres;

import io.synod.config.StandbyCluster;
import java.util.Objects;

/**
 * Where this node replicates from, as last set by {@link Postgres#configureAsReplica} (a member) or
 * {@link Postgres#configureAsStandbyLeader} (the remote primary of a standby cluster); rendered
 * into primary_conninfo. leaderName names the source in logs and the decider's view (a member's
 * name, or {@link StandbyCluster#describe()}) and may be null.
 *
 * @param host null only for a remote that is reached through restore_command alone
 * @param remote the standby cluster's settings when the source is its remote primary, else null
 */
public record ReplicaTarget(String host, int port, String leaderName, StandbyCluster remote) {
  public ReplicaTarget {
    if (remote == null) {
      Objects.requireNonNull(host, "host");
    }
    if (host != null && (port <= 0 || port > 65535)) {
      throw new IllegalArgumentException("bad port " + port);
    }
  }

  /** A member of this cluster as the source. */
  public ReplicaTarget(String host, int port, String leaderName) {
    this(host, port, leaderName, null);
  }

  /** The remote primary of a standby cluster. */
  public static ReplicaTarget remote(StandbyCluster sc) {
    return new ReplicaTarget(sc.host(), sc.port(), sc.describe(), sc);
  }
}

package io.synod.engine.postgres;

import java.util.Objects;

/**
 * Where this node replicates from, as last set by {@link Postgres#configureAsReplica}; rendered
 * into primary_conninfo. leaderName is informational (logs, state) and may be null.
 */
public record ReplicaTarget(String host, int port, String leaderName) {
  public ReplicaTarget {
    Objects.requireNonNull(host, "host");
    if (port <= 0 || port > 65535) {
      throw new IllegalArgumentException("bad port " + port);
    }
  }
}

package io.synod.bench;

import io.synod.bench.cluster.SynodCluster;
import io.synod.bench.drill.Drills;

/**
 * Gives the Failover and Switchover benchmarks their real 3-node Synod cluster. Normally each JMH
 * trial forms its own and closes it; with {@code -Dsynod.bench.shareCluster=true} (the CI smoke,
 * which runs every benchmark in one JVM) they share one, closed by {@link #closeShared()}.
 */
public final class ClusterHolder {
  private static SynodCluster shared;

  private ClusterHolder() {}

  static boolean sharing() {
    return Boolean.getBoolean("synod.bench.shareCluster");
  }

  public static synchronized SynodCluster acquire() throws Exception {
    if (sharing() && shared != null) {
      return shared;
    }
    SynodCluster c = new SynodCluster("");
    try {
      c.startAll();
      c.awaitHealthy(Drills.HEALTHY);
    } catch (Exception | Error e) {
      c.close();
      throw e;
    }
    if (sharing()) {
      shared = c;
    }
    return c;
  }

  public static synchronized void release(SynodCluster c) {
    if (c != null && c != shared) {
      c.close();
    }
  }

  public static synchronized void closeShared() {
    if (shared != null) {
      shared.close();
      shared = null;
    }
  }
}

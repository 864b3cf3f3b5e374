package io.synod.bridges;

import io.synod.bridges.testing.LocalRaft;
import io.synod.bridges.testing.Pulse;
import io.synod.store.cluster.RaftClusterStore;
import io.synod.store.testing.Ports;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Manual measurement, not run by the build (no *Test/*IT name): CPU used by two bridges whose
 * targets are dead, against a baseline without them. Run with -Dtest=CpuCheckManual. It found a
 * busy loop in the watcher while a resync was pending (11.7 s CPU in 15 s; 1.4 s after the fix, the
 * same as the baseline).
 */
class CpuCheckManual {
  static long cpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  @Test
  void measure() throws Exception {
    try (LocalRaft raft = LocalRaft.start(1)) {
      RaftClusterStore cs = raft.cluster(0, "cpu");
      Pulse p = new Pulse(cs, Duration.ofSeconds(2));
      p.member("node1", Pulse.memberJson("node1", "primary", 1));
      p.leader("node1");
      Thread.sleep(3000);
      long c0 = cpu();
      Thread.sleep(15000);
      long base = cpu() - c0;
      MirrorSource src = new RaftMirrorSource(raft.peer(0), cs);
      MirrorOptions o = MirrorOptions.defaults(2000, "node1", false);
      Mirror e =
          new Mirror(
              src,
              new EtcdTarget(
                  new EtcdSettings(
                      List.of("http://127.0.0.1:" + Ports.free()), null, null, null, null, null),
                  cs.keys(),
                  o),
              o);
      Mirror z =
          new Mirror(
              src,
              new ZooKeeperTarget(
                  new ZooKeeperSettings(List.of("127.0.0.1:" + Ports.free())), cs.keys(), o),
              o);
      e.start();
      z.start();
      Thread.sleep(3000);
      c0 = cpu();
      Thread.sleep(15000);
      long with = cpu() - c0;
      System.out.println(
          "CPU over 15 s: baseline "
              + base / 1_000_000
              + " ms, with two bridges to dead targets "
              + with / 1_000_000
              + " ms; threads "
              + Thread.activeCount());
      System.out.println(e.metrics() + "\n" + z.metrics());
      e.stop();
      z.stop();
      p.close();
    }
  }
}

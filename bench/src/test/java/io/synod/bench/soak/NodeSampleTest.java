package io.synod.bench.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeSampleTest {
  @Test
  void readsHeapInUseFromJcmdOutput() {
    String serial =
        """
        12345:
         def new generation   total 9792K, used 3120K [0x00000000e8000000, 0x00000000e8aa0000, 0x00000000f0000000)
          eden space 8704K,  30% used [0x00000000e8000000, 0x00000000e829c3d8, 0x00000000e8880000)
         tenured generation   total 21548K, used 14210K [0x00000000f0000000, 0x00000000f150b000, 0x0000000100000000)
         Metaspace       used 31000K, committed 31500K, reserved 1114112K
        """;
    assertEquals(3120 + 14210, NodeSample.heapUsedKb(serial));
    String g1 =
        """
         garbage-first heap   total 262144K, used 41234K [0x0000000600000000, 0x0000000800000000)
          region size 1024K, 12 young (12288K), 2 survivors (2048K)
         Metaspace       used 31000K, committed 31500K, reserved 1114112K
        """;
    assertEquals(41234, NodeSample.heapUsedKb(g1));
    assertEquals(-1, NodeSample.heapUsedKb("12345: no such process"));
  }

  @Test
  void readsGaugesFromPrometheusText() {
    String m =
        "# HELP synod_store_watches x\nsynod_store_watches 7\n"
            + "synod_raft_term{scope=\"bench\",name=\"node1\"} 3\n";
    assertEquals(7, NodeSample.metric(m, "synod_store_watches"));
    assertEquals(3, NodeSample.metric(m, "synod_raft_term"));
    assertEquals(-1, NodeSample.metric(m, "synod_absent"));
    assertEquals(-1, NodeSample.metric(null, "synod_store_watches"));
  }

  @Test
  void reportsLeaderChangesAndTrends() {
    NodeSample a = new NodeSample(0, 200 * 1024, 60, 1000, 30 * 1024, 5, 2);
    NodeSample b = new NodeSample(100_000_000_000L, 210 * 1024, 61, 1500, 40 * 1024, 5, 2);
    String r =
        Soak.report(
            List.of(
                new Soak.Phase(
                    "idle",
                    100,
                    1,
                    2,
                    List.of("node1", "node2"),
                    Map.of("node1", List.of(a, b)),
                    List.of())));
    assertTrue(r.contains("1 unplanned leader change(s), 2 poll(s) without a leader"), r);
    // 500 ticks of CPU over 100 s = 5 % of a core
    assertTrue(
        r.contains("| node1 | 5.0 | 30 → 40 (30–40) | 60 → 61 (61) | 200 → 210 | 5 → 5 | 2 → 2 |"),
        r);
  }
}

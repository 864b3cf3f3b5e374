package io.synod.bench.idle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IdleCostTest {

  @Test
  void readsCpuTicksAfterTheBracketedCommand() {
    // a thread name with spaces and a bracket must not shift the fields
    String stat =
        "4242 (JRaft-Vote) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 25 17 0 0 20 0 1 0 1 0 0";
    assertEquals(42, ProcessLook.ticks(stat));
  }

  @Test
  void groupsAPoolsThreadsUnderOneName() {
    assertEquals("JRaft-RPC-Processor-N", IdleCost.group("JRaft-RPC-Processor-12"));
    assertEquals("?", IdleCost.group(null));
  }

  @Test
  void costsComeFromTheDifferenceOverTheWindow() throws Exception {
    ProcessLook a =
        new ProcessLook(
            0,
            1000,
            100_000,
            30,
            4096,
            Map.of(1L, 500L, 2L, 500L),
            Map.of(1L, "synod-ha-loop", 2L, "worker-1"));
    ProcessLook b =
        new ProcessLook(
            10_000_000_000L,
            1010,
            102_400,
            31,
            4096 + 10 * 1024,
            Map.of(1L, 508L, 2L, 501L, 3L, 1L),
            Map.of(1L, "synod-ha-loop", 2L, "worker-1", 3L, "worker-2"));
    IdleCost.NodeCost c = IdleCost.cost("node1", a, b, 100, 110, 1000, 2000, -1);
    assertEquals(1.0, c.cpuPercent(), 1e-9); // 10 ticks = 0.1 s in 10 s
    assertEquals(100.0, c.rssMb(), 1e-9);
    assertEquals(1.0, c.diskWriteKbPerSec(), 1e-9);
    assertEquals(3600, c.raftEntriesPerHour());
    assertEquals(360_000, c.raftBytesPerHour());
    assertEquals(0.8, c.cpuByThread().get("synod-ha-loop"), 1e-9);
    assertEquals(0.2, c.cpuByThread().get("worker-N"), 1e-9);
    assertEquals(2, c.threadsByName().get("worker-N"));
    String text = IdleCost.report(3, 10, List.of(c));
    assertTrue(text.contains("| node1 | 1.00 | 100 | 31 |"), text);
  }

  @Test
  void badOptionsNameTheOption() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> IdleCost.run(new String[] {"idle", "--seconds", "x"}, Path.of("/tmp"), null));
    assertTrue(e.getMessage().contains("--seconds"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> IdleCost.run(new String[] {"idle", "--nodes", "12"}, Path.of("/tmp"), null));
    assertTrue(e.getMessage().contains("--nodes"), e.getMessage());
  }
}

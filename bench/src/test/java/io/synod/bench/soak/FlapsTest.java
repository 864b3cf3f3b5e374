package io.synod.bench.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FlapsTest {

  @Test
  void timingsBecomeBootstrapDcsLines() {
    Map<String, String> dcs = new LinkedHashMap<>();
    dcs.put("ttl", Flaps.seconds("--ttl", "1.5"));
    dcs.put("loop_wait", Flaps.seconds("--loop-wait", "0.4"));
    assertEquals("    ttl: 1.5\n    loop_wait: 0.4\n", Flaps.dcsYaml(dcs));
  }

  @Test
  void badOptionsNameTheOption() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Flaps.seconds("--ttl", "fast"));
    assertTrue(e.getMessage().contains("--ttl"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Flaps.seconds("--ttl", "0"));
    assertTrue(e.getMessage().contains("above 0"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Flaps.run(new String[] {"flaps", "--hogs", "-1"}, Path.of("/tmp"), null));
    assertTrue(e.getMessage().contains("--hogs"), e.getMessage());
  }

  @Test
  void reportCountsChangesAndLateRenewals() {
    Soak.Phase p =
        new Soak.Phase(
            "flaps",
            600,
            1,
            1,
            List.of("node1", "node2"),
            Map.of(),
            List.of("+312 s: node1 leader/stopped, node2 replica/streaming"));
    Map<String, long[]> r = new LinkedHashMap<>();
    r.put("node1", new long[] {2400, 3, 2});
    String text = Flaps.report(p, r, 2, "stress-ng --cpu 2", 2, Map.of());
    assertTrue(text.contains("1 unplanned leader change(s), 1 poll(s) without a leader"), text);
    assertTrue(text.contains("| node1 | 2400 | 3 | -1 → 2 |"), text);
    assertTrue(text.contains("- +312 s: node1 leader/stopped, node2 replica/streaming"), text);
  }

  @Test
  void aPollWithoutALeaderSaysWhatItSaw() {
    Map<String, String[]> m = new LinkedHashMap<>();
    m.put("node1", new String[] {"leader", "stopped"});
    m.put("node2", new String[] {"replica", "streaming"});
    assertEquals("node1 leader/stopped, node2 replica/streaming", Soak.seen(m));
    assertEquals("no node answered GET /cluster", Soak.seen(Map.of()));
  }
}

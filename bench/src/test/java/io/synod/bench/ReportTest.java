package io.synod.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.bench.drill.Report;
import io.synod.bench.drill.Report.Series;
import io.synod.bench.drill.Stats;
import io.synod.bench.drill.TrialResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Statistics, the side-by-side table and the files a drill writes (CSV, JSON, SVG). */
class ReportTest {
  static Series series(String drill, String system, String label, double... ms) {
    List<TrialResult> t = new java.util.ArrayList<>();
    for (int i = 0; i < ms.length; i++) {
      t.add(
          new TrialResult(
              i + 1, ms[i], Map.of("write_gap_ms", ms[i] / 2, "detection_ms", ms[i] * 0.8)));
    }
    return new Series(drill, system, label, Map.of("ttl", 2), Map.of(), t);
  }

  @Test
  void statsUseLinearInterpolation() {
    Stats s = Stats.of(List.of(4.0, 1.0, 3.0, 2.0, 5.0));
    assertEquals(1.0, s.min());
    assertEquals(3.0, s.median());
    assertEquals(4.8, s.p95(), 1e-9);
    assertEquals(5.0, s.max());
    assertEquals(0, Stats.of(List.of(Double.NaN)).n(), "failed trials do not count");
  }

  @Test
  void tableHasRatiosToSynod(@TempDir Path dir) throws Exception {
    List<Series> all =
        List.of(
            series("failover", "patroni", "Patroni (ttl 30)", 26000, 24000, 28000),
            series("switchover", "patroni", "Patroni (ttl 30)", 1600, 1500),
            series("failover", "synod", "Synod (ttl 2)", 2000, 1800, 2200),
            series("switchover", "synod", "Synod (ttl 2)", 400, 500));
    String table = DrillMain.table(all);
    assertTrue(table.contains("13.0x"), table);
    assertTrue(table.contains("1.0x"), table);
    List<Path> files =
        Report.write(
            dir, "r1", "bin/synod bench compare", Map.of("cores", 2), all, DrillMain.EXTRA_STATS);
    assertEquals(3, files.size());
    String csv = Files.readString(files.get(0));
    assertEquals(1 + 10, csv.lines().count(), csv);
    assertTrue(Files.readString(files.get(1)).contains("\"median_ms\" : 26000.0"));
    String svg = Files.readString(files.get(2));
    assertTrue(
        svg.startsWith("<svg") && svg.contains("log scale") && svg.trim().endsWith("</svg>"), svg);
  }
}

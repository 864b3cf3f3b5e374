package io.synod.bench.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.synod.bench.cluster.Procs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * One short round of the fault campaign in synchronous mode: the primary's host isolated, then the
 * primary's engine process group frozen. Asserts on safety only (no timing): no overlap window, no
 * acknowledged write lost, and the cluster converged after each fault. Needs root and {@code ip
 * netns}; skipped otherwise.
 */
class ChaosSmokeIT {
  @Test
  void isolationAndAFrozenEngineGroupNeverGiveTwoWritersInSyncMode() throws Exception {
    Namespaces.installTools();
    String why = Namespaces.unavailable();
    assumeTrue(why == null, "network namespaces unavailable: " + why);
    Path out = Files.createTempDirectory("chaos-smoke-");
    ChaosOptions opts =
        ChaosOptions.parse(
            new String[] {"chaos", "--scenario", "isolate-primary,stop-group", "--sync", "--quick"},
            out);
    ChaosMain.Outcome o;
    try {
      o = ChaosMain.execute(opts, System.out);
      System.out.println(Files.readString(o.md()));
    } finally {
      Procs.deleteRecursively(out); // the report files; the cluster removed its own dirs
    }
    assertEquals(2, o.rounds().size(), "one round of each scenario ran");
    for (Round r : o.rounds()) {
      String what = ChaosMain.line(r);
      assertNotNull(r.convergeMs(), "converged: " + what);
      assertEquals(0, r.overlaps().size(), "overlap windows: " + what);
      assertEquals(0, r.lost(), "lost acknowledged writes: " + what);
      assertTrue(r.acked() > 0, "the prober wrote: " + what);
    }
    assertEquals(0, o.exitCode(), "exit code (3: overlap or loss; 1: a round failed)");
  }
}

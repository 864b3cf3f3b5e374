package io.synod.bench.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.bench.checker.DurabilityDrill.Outcome;
import io.synod.bench.checker.DurabilityDrill.Round;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The short version of {@code bin/synod bench durability}: a real three-node cluster in {@code
 * synchronous_mode: on}, the write checker plus one pgbench client, two crash failovers (kill -9 of
 * the primary's engine and postmaster) and one switchover (the full drill runs more: bin/synod
 * bench durability). It asserts on what was lost, never on how long anything took: every
 * acknowledged row must be on the final primary, none twice.
 */
class DurabilitySmokeIT {
  @Test
  void crashFailoversInSynchronousModeLoseNoAcknowledgedWrite() throws Exception {
    Outcome r =
        new DurabilityDrill(new DurabilityDrill.Options("on", 2, 1, 7, 1), System.out).run();
    CheckResult c = r.check();
    System.out.println("durability smoke (on): " + c.line());
    // the rounds happened: each failover and the switchover moved the writes to another member
    for (Round x : r.rounds()) {
      assertTrue(x.ok(), DurabilityDrill.describe(x));
    }
    assertEquals(2, r.okCount("failover"), "crash failovers done");
    assertEquals(1, r.okCount("switchover"), "switchovers done");
    assertTrue(c.acknowledged() > 0, "the checker wrote");
    assertEquals(
        List.of(), r.lostByRound(), "acknowledged writes lost (logs: " + r.keptLogs() + ")");
    assertEquals(Map.of(), c.duplicates(), "rows written once, found more than once");
    assertEquals(List.of(), c.unknownRows(), "rows found that were never written");
  }
}

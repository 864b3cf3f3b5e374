package io.synod.bench.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChaosOptionsTest {
  private static final Path OUT = Path.of("bench/results");

  private static ChaosOptions parse(String... rest) {
    String[] args = new String[rest.length + 1];
    args[0] = "chaos";
    System.arraycopy(rest, 0, args, 1, rest.length);
    return ChaosOptions.parse(args, OUT);
  }

  private static String error(String... rest) {
    return assertThrows(IllegalArgumentException.class, () -> parse(rest)).getMessage();
  }

  @Test
  void defaultsRunEveryScenarioOnceAsync() {
    ChaosOptions o = parse();
    assertEquals(List.of(Scenario.values()), o.scenarios());
    assertEquals(1, o.rounds());
    assertFalse(o.sync());
    assertFalse(o.quick());
    assertEquals(50, o.killCycles());
    assertEquals(OUT, o.out());
    assertEquals(60_000, o.flapMs());
  }

  @Test
  void quickShortensKillCyclesAndFlappingUnlessGiven() {
    assertEquals(5, parse("--quick").killCycles());
    assertEquals(20_000, parse("--quick").flapMs());
    assertEquals(7, parse("--quick", "--kill-cycles", "7").killCycles());
  }

  @Test
  void scenariosAreNamedInOrderWithoutDuplicates() {
    ChaosOptions o =
        parse("--scenario", "stop-group,isolate-primary,stop-group", "--sync", "--rounds", "3");
    assertEquals(List.of(Scenario.STOP_GROUP, Scenario.ISOLATE_PRIMARY), o.scenarios());
    assertTrue(o.sync());
    assertFalse(o.keepLogs());
    assertTrue(parse("--keep-logs").keepLogs());
    assertEquals(3, o.rounds());
    assertEquals(List.of(Scenario.values()), parse("--scenario", "all").scenarios());
    assertEquals(Path.of("/tmp/x"), parse("--out", "/tmp/x").out());
  }

  @Test
  void badValuesNameTheOption() {
    assertTrue(error("--rounds", "0").startsWith("--rounds"));
    assertTrue(error("--rounds", "x").startsWith("--rounds"));
    assertTrue(error("--kill-cycles", "-1").startsWith("--kill-cycles"));
    assertTrue(error("--seed", "abc").startsWith("--seed"));
    assertTrue(error("--scenario", "isolate-everything").startsWith("--scenario"));
    assertTrue(error("--rounds").startsWith("--rounds"));
    assertTrue(error("--out", "--sync").startsWith("--out"));
    assertTrue(error("--fast").contains("--fast"));
  }
}

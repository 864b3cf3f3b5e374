package io.synod.bench.soak;

import static org.junit.jupiter.api.Assertions.*;

import io.synod.bench.BenchOptions;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SoakArgsTest {
  @Test
  void aBadNumberNamesTheOption() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> BenchOptions.count("--idle-minutes", "ten", 0));
    assertTrue(e.getMessage().contains("--idle-minutes"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> BenchOptions.count("--sample-seconds", "0", 1));
    assertTrue(e.getMessage().contains("--sample-seconds must be at least 1"), e.getMessage());
    assertEquals(30, BenchOptions.count("--load-minutes", "30", 0));
  }

  @Test
  void unknownOptionsAndMissingValuesAreRefusedBeforeAnythingStarts() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            Soak.run(
                new String[] {"soak", "--bogus", "1"}, java.nio.file.Path.of("x"), System.out));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Soak.run(new String[] {"soak", "--out"}, java.nio.file.Path.of("x"), System.out));
    assertTrue(e.getMessage().contains("--out needs a value"), e.getMessage());
  }

  @Test
  void optionsComeInPairsAndAMissingValueNamesTheOption() {
    assertEquals(
        Map.of("--idle-minutes", "5", "--out", "/tmp/x"),
        BenchOptions.pairs(new String[] {"soak", "--idle-minutes", "5", "--out", "/tmp/x"}));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> BenchOptions.pairs(new String[] {"soak", "--idle-minutes"}));
    assertEquals("--idle-minutes needs a value", e.getMessage());
  }
}

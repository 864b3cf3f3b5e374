package io.synod.bench.soak;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class SoakArgsTest {
  @Test
  void aBadNumberNamesTheOption() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Soak.count("--idle-minutes", "ten", 0));
    assertTrue(e.getMessage().contains("--idle-minutes"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Soak.count("--sample-seconds", "0", 1));
    assertTrue(e.getMessage().contains("--sample-seconds must be at least 1"), e.getMessage());
    assertEquals(30, Soak.count("--load-minutes", "30", 0));
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
}

package io.synod.engine.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LsnTest {
  @Test
  void parsesAndFormats() {
    assertEquals(0x3000060L, Lsn.parse("0/3000060"));
    assertEquals((0x1AL << 32) | 0xFFL, Lsn.parse("1A/FF"));
    assertEquals(0xFFFFFFFFFFFFFFFFL, Lsn.parse("FFFFFFFF/FFFFFFFF"));
    assertEquals(0, Lsn.parse(null));
    assertEquals(0, Lsn.parse(" "));
    assertEquals("0/3000060", Lsn.format(0x3000060L));
    assertEquals("1A/FF", Lsn.format(Lsn.parse("1a/ff")));
    assertEquals("FFFFFFFF/FFFFFFFF", Lsn.format(-1L));
    assertEquals("0/0", Lsn.format(0));
  }

  @Test
  void rejectsGarbage() {
    assertThrows(IllegalArgumentException.class, () -> Lsn.parse("3000060"));
    assertThrows(IllegalArgumentException.class, () -> Lsn.parse("0/"));
    assertThrows(IllegalArgumentException.class, () -> Lsn.parse("x/1"));
    assertThrows(IllegalArgumentException.class, () -> Lsn.parse("100000000/0"));
  }
}

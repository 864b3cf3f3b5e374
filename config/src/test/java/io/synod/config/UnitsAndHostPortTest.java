package io.synod.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class UnitsAndHostPortTest {

  @Test
  void bytes() {
    assertEquals(1048576L, Units.parseBytes("1048576"));
    assertEquals(16L << 20, Units.parseBytes("16MB"));
    assertEquals(16L << 20, Units.parseBytes("16 mb"));
    assertEquals(64L << 10, Units.parseBytes("64kB"));
    assertEquals(1L << 30, Units.parseBytes("1GB"));
    assertEquals(3L << 39, Units.parseBytes("1.5TB"));
    assertEquals(100L, Units.parseBytes("100B"));
    assertEquals(-1L, Units.parseBytes("-1"));
    assertEquals(
        "\"lots\" is not a size",
        assertThrows(IllegalArgumentException.class, () -> Units.parseBytes("lots")).getMessage());
    assertThrows(IllegalArgumentException.class, () -> Units.parseBytes("99999999TB"));
  }

  @Test
  void seconds() {
    assertEquals(2.5, Units.parseSeconds("2.5"));
    assertEquals(0.5, Units.parseSeconds("500ms"));
    assertEquals(1800.0, Units.parseSeconds("30min"));
    assertEquals(1800.0, Units.parseSeconds("30m"));
    assertEquals(7200.0, Units.parseSeconds("2h"));
    assertEquals(86400.0, Units.parseSeconds("1d"));
    assertEquals(
        "unknown time unit \"fortnights\" (use ms, s, min, h or d)",
        assertThrows(IllegalArgumentException.class, () -> Units.parseSeconds("2fortnights"))
            .getMessage());
  }

  @Test
  void hostPort() {
    assertEquals(new HostPort("10.0.0.1", 8008), HostPort.parse("10.0.0.1:8008"));
    assertEquals(new HostPort("db.example.com", 5432), HostPort.parse("db.example.com:5432"));
    assertEquals(new HostPort("::1", 8008), HostPort.parse("[::1]:8008"));
    assertEquals("[::1]:8008", HostPort.parse("[::1]:8008").toString());
    assertTrue(HostPort.parse("0.0.0.0:1").isWildcard());
    assertFalse(HostPort.parse("127.0.0.1:1").isWildcard());
    assertEquals(
        "\"abc\" is not host:port",
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("abc")).getMessage());
    assertEquals(
        "\"h:0\": port 0 is out of range 1-65535",
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("h:0")).getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> HostPort.parse(":8008"), "host required to connect");
    assertThrows(IllegalArgumentException.class, () -> HostPort.parse("a b:1"));
    assertThrows(IllegalArgumentException.class, () -> HostPort.parse("h:port"));
    assertEquals(new HostPort("", 8008), HostPort.parse(":8008", null, true));
  }
}

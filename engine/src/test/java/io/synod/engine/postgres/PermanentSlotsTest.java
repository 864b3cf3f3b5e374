package io.synod.engine.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pure parts of permanent slots: reading the configuration, ignore_slots, WAL file names. */
class PermanentSlotsTest {
  @TempDir Path tmp;

  @Test
  void slotsWithoutATypeArePhysicalAndLogicalOnesKeepDatabaseAndPlugin() {
    Map<String, Object> slots = new LinkedHashMap<>();
    slots.put("bare", null);
    slots.put("typed", Map.of("type", "physical"));
    slots.put("cdc", Map.of("type", "logical", "database", "app", "plugin", "pgoutput"));
    PermanentSlots p = PermanentSlots.of(slots, List.of());
    assertEquals(
        List.of(
            new PermanentSlots.Slot("bare", false, null, null),
            new PermanentSlots.Slot("typed", false, null, null)),
        p.physical());
    assertEquals(List.of(new PermanentSlots.Slot("cdc", true, "app", "pgoutput")), p.logical());
  }

  @Test
  void anIgnoreEntryMatchesOnEveryAttributeItGivesAndOnlyThose() {
    List<Object> ignore =
        List.of(
            Map.of("name", "debezium"),
            Map.of("type", "logical", "database", "reports"),
            Map.of("plugin", "wal2json", "type", "logical"));
    PermanentSlots p = PermanentSlots.of(Map.of(), ignore);
    assertTrue(p.ignored("debezium", "logical", "app", "pgoutput"), "by name alone");
    assertTrue(p.ignored("debezium", "physical", null, null));
    assertTrue(p.ignored("any", "logical", "reports", "pgoutput"), "type and database");
    assertFalse(p.ignored("any", "physical", null, null), "a physical slot has no database");
    assertFalse(p.ignored("any", "logical", "app", "pgoutput"));
    assertTrue(p.ignored("any", "logical", "app", "wal2json"));
    assertFalse(p.ignored("any", "physical", null, "wal2json"), "type must match too");
    assertFalse(PermanentSlots.NONE.ignored("debezium", "logical", "app", "pgoutput"));
  }

  @Test
  void aPermanentSlotMatchingIgnoreSlotsIsNeverWanted() {
    PermanentSlots p =
        PermanentSlots.of(
            Map.of(
                "cdc",
                Map.of("type", "logical", "database", "app", "plugin", "pgoutput"),
                "keep",
                Map.of("type", "physical")),
            List.of(Map.of("database", "app")));
    assertEquals(List.of(new PermanentSlots.Slot("keep", false, null, null)), p.wanted());
  }

  @Test
  void walSegmentNamesFollowPostgresql() throws Exception {
    long seg16 = 16L * 1024 * 1024;
    // 0/3000028 is in segment 3 of log 0; 1/A2000000 in segment 0xA2 of log 1
    assertEquals("0000000000000003", LogicalSlots.segmentSuffix(Lsn.parse("0/3000028"), seg16));
    assertEquals("00000001000000A2", LogicalSlots.segmentSuffix(Lsn.parse("1/A2000000"), seg16));
    assertEquals(
        "0000000000000030", LogicalSlots.segmentSuffix(Lsn.parse("0/3000028"), 1024 * 1024));

    Files.createFile(tmp.resolve("000000020000000000000003"));
    Files.createFile(tmp.resolve("00000002.history"));
    assertTrue(LogicalSlots.hasSegment(tmp, Lsn.parse("0/3FFFFFF"), seg16), "any timeline");
    assertFalse(LogicalSlots.hasSegment(tmp, Lsn.parse("0/2FFFFFF"), seg16));
    assertFalse(LogicalSlots.hasSegment(tmp.resolve("missing"), 0, seg16));
  }

  @Test
  void aCopyIsTakenOnlyWhenThisServerHasItsWalAndItIsNewerThanTheOneHere() throws Exception {
    long seg16 = 16L * 1024 * 1024;
    Files.createFile(tmp.resolve("000000010000000000000005"));
    PermanentSlots.Slot cdc = new PermanentSlots.Slot("cdc", true, "app", "pgoutput");
    LogicalSlots.Copy old = new LogicalSlots.Copy("cdc", Lsn.parse("0/4000100"), new byte[0]);
    LogicalSlots.Copy fresh = new LogicalSlots.Copy("cdc", Lsn.parse("0/5000100"), new byte[0]);
    List<LogicalSlots.Need> missing = List.of(new LogicalSlots.Need(cdc, 0));
    Map<String, Long> none = Map.of();
    assertEquals(List.of(), LogicalSlots.usable(List.of(old), missing, tmp, seg16, none), "no WAL");
    assertEquals(List.of(fresh), LogicalSlots.usable(List.of(fresh), missing, tmp, seg16, none));
    List<LogicalSlots.Need> stuck = List.of(new LogicalSlots.Need(cdc, Lsn.parse("0/5000100")));
    assertEquals(
        List.of(), LogicalSlots.usable(List.of(fresh), stuck, tmp, seg16, none), "nothing newer");
    assertEquals(
        List.of(),
        LogicalSlots.usable(
            List.of(fresh), missing, tmp, seg16, Map.of("cdc", Lsn.parse("0/5000100"))),
        "written before and not loaded: no second restart for the same copy");
  }
}

package io.synod.bridges;

import static org.junit.jupiter.api.Assertions.*;

import io.synod.store.cluster.Keys;
import io.synod.store.kv.KvEntry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotTest {
  final Keys keys = new Keys("/service", "batman");

  KvEntry kv(String rel, String value, long ttl) {
    return new KvEntry(keys.key(rel), value, 1, 1, ttl, null);
  }

  @Test
  void patroniKeysVerbatimTtlKeptLegacyOptimeDerived() {
    Snapshot s =
        Snapshot.of(
            7,
            List.of(
                kv("leader", "node1", 2000),
                kv("members/node1", "{\"role\":\"primary\"}", 2000),
                kv("config", "{\"ttl\":2}", 0),
                kv("status", "{\"optime\":67108960,\"slots\":{\"node2\":67108960}}", 0),
                kv("initialize", "7312345678901234567", 0),
                kv("something/else", "x", 0),
                new KvEntry("/service/robin/leader", "other", 1, 1, 2000, null)),
            keys);
    assertEquals(7, s.revision());
    assertEquals(
        List.of("config", "initialize", "leader", "members/node1", "optime/leader", "status"),
        List.copyOf(s.entries().keySet()));
    assertEquals(new MirrorEntry("leader", "node1", 2000), s.entries().get("leader"));
    assertTrue(s.entries().get("members/node1").ephemeral());
    assertFalse(s.entries().get("config").ephemeral());
    assertEquals("67108960", s.entries().get("optime/leader").value());
    assertFalse(s.entries().get("optime/leader").ephemeral());
  }

  @Test
  void patroniKeySet() {
    for (String k :
        List.of(
            "initialize",
            "config",
            "leader",
            "status",
            "history",
            "sync",
            "failover",
            "failsafe",
            "optime/leader",
            "members/node1")) {
      assertTrue(Snapshot.isPatroniKey(k), k);
    }
    for (String k : List.of("members/", "members/a/b", "optime/other", "leaderx", "members")) {
      assertFalse(Snapshot.isPatroniKey(k), k);
    }
  }

  @Test
  void diffPutsChangedAndNewDeletesRemoved() {
    Snapshot a =
        new Snapshot(
            1,
            Map.of(
                "leader", new MirrorEntry("leader", "n1", 2000),
                "members/n1", new MirrorEntry("members/n1", "{}", 2000),
                "config", new MirrorEntry("config", "{}", 0)));
    Snapshot b =
        new Snapshot(
            2,
            Map.of(
                "leader", new MirrorEntry("leader", "n1", 2000),
                "members/n1", new MirrorEntry("members/n1", "{\"x\":1}", 2000),
                "history", new MirrorEntry("history", "[]", 0)));
    assertEquals(
        List.of(
            new Snapshot.Change("history", b.entries().get("history")),
            new Snapshot.Change("members/n1", b.entries().get("members/n1")),
            new Snapshot.Change("config", null)),
        Snapshot.diff(a, b));
    assertEquals(List.of(), Snapshot.diff(b, b));
  }
}

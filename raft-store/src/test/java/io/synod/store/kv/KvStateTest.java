package io.synod.store.kv;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KvStateTest {
  private final KvState s = new KvState();
  private final List<WatchEvent> ev = new ArrayList<>();
  private long idx = 1;

  private CommandResult apply(Command c) {
    return s.apply(c, idx++, ev);
  }

  @Test
  void putGetAndRevisionsAreLogIndexes() {
    CommandResult r = apply(Command.put("/a", "1", 0, null, Expect.ANY));
    assertTrue(r.succeeded());
    assertEquals(1, r.current().modRevision());
    CommandResult r2 = apply(Command.put("/a", "2", 0, null, Expect.ANY));
    assertEquals(2, r2.current().modRevision());
    assertEquals(1, r2.current().createRevision());
    assertEquals("2", s.get("/a").value());
    assertEquals(2, s.appliedIndex());
    assertEquals(2, ev.size());
  }

  @Test
  void createIfAbsentFailsWhenPresentAndReportsCurrent() {
    apply(Command.put("/leader", "node1", 3000, "node1", Expect.ABSENT));
    CommandResult r = apply(Command.put("/leader", "node2", 3000, "node2", Expect.ABSENT));
    assertFalse(r.succeeded());
    assertEquals("node1", r.current().value());
    assertEquals("node1", s.get("/leader").value());
  }

  @Test
  void casOnValueAndRevision() {
    apply(Command.put("/leader", "node1", 3000, "node1", Expect.ABSENT));
    assertFalse(
        apply(Command.put("/leader", "node1", 3000, "node2", Expect.value("node2"))).succeeded());
    CommandResult ok = apply(Command.put("/leader", "node1", 3000, "node1", Expect.value("node1")));
    assertTrue(ok.succeeded());
    long rev = ok.current().modRevision();
    assertFalse(
        apply(Command.put("/config", "{}", 0, null, Expect.revision(rev))).succeeded(),
        "absent key fails a revision CAS");
    assertFalse(apply(Command.put("/leader", "x", 0, null, Expect.revision(rev - 1))).succeeded());
    assertTrue(apply(Command.put("/leader", "x", 0, null, Expect.revision(rev))).succeeded());
    assertTrue(
        apply(Command.put("/config", "{}", 0, null, Expect.revision(0))).succeeded(),
        "revision 0 means create");
  }

  @Test
  void deleteWithCas() {
    apply(Command.put("/leader", "node1", 3000, "node1", Expect.ANY));
    assertFalse(apply(Command.delete("/leader", Expect.value("node2"))).succeeded());
    assertNotNull(s.get("/leader"));
    assertTrue(apply(Command.delete("/leader", Expect.value("node1"))).succeeded());
    assertNull(s.get("/leader"));
    assertFalse(
        apply(Command.delete("/leader", Expect.ANY)).succeeded(),
        "deleting a missing key is not a success");
  }

  @Test
  void expireOnlyDeletesTheRevisionThatExpired() {
    CommandResult first = apply(Command.put("/leader", "node1", 3000, "node1", Expect.ANY));
    // a renewal lands between the leader deciding to expire and the expiry being applied
    apply(Command.put("/leader", "node1", 3000, "node1", Expect.value("node1")));
    assertFalse(apply(Command.expire("/leader", first.current().modRevision())).succeeded());
    assertNotNull(s.get("/leader"), "the renewal wins over a stale expiry");
    long rev = s.get("/leader").modRevision();
    CommandResult gone = apply(Command.expire("/leader", rev));
    assertTrue(gone.succeeded());
    assertNull(s.get("/leader"));
    assertEquals(WatchEvent.Type.EXPIRE, ev.get(ev.size() - 1).type());
  }

  @Test
  void keysNeverDisappearWithoutACommand() throws InterruptedException {
    apply(Command.put("/leader", "node1", 1, "node1", Expect.ANY)); // 1 ms TTL
    Thread.sleep(20);
    assertNotNull(
        s.get("/leader"), "the state machine has no clock: only EXPIRE removes a leased key");
  }

  @Test
  void listAndDeletePrefix() {
    apply(Command.put("/service/c/members/a", "{}", 0, null, Expect.ANY));
    apply(Command.put("/service/c/members/b", "{}", 0, null, Expect.ANY));
    apply(Command.put("/service/c2/members/z", "{}", 0, null, Expect.ANY));
    assertEquals(2, s.list("/service/c/").size());
    apply(Command.deletePrefix("/service/c/"));
    assertEquals(0, s.list("/service/c/").size());
    assertEquals(1, s.list("/service/").size());
  }

  @Test
  void snapshotRoundTrip() throws IOException {
    apply(Command.put("/a", "1", 0, null, Expect.ANY));
    apply(Command.put("/leader", "node1", 2500, "node1", Expect.ANY));
    byte[] img = s.toSnapshot();
    KvState copy = new KvState();
    copy.loadSnapshot(img);
    assertEquals(s.appliedIndex(), copy.appliedIndex());
    assertEquals(s.get("/leader"), copy.get("/leader"));
    assertEquals(s.list(""), copy.list(""));
    assertEquals(1, copy.leased().size());
  }

  @Test
  void corruptSnapshotIsRejectedAndStateKept() {
    apply(Command.put("/a", "1", 0, null, Expect.ANY));
    assertThrows(
        IOException.class, () -> s.loadSnapshot("{not json".getBytes(StandardCharsets.UTF_8)));
    assertThrows(
        IOException.class,
        () ->
            s.loadSnapshot(
                "{\"appliedIndex\":3,\"entries\":[{\"key\":null}]}"
                    .getBytes(StandardCharsets.UTF_8)));
    assertEquals("1", s.get("/a").value());
  }
}

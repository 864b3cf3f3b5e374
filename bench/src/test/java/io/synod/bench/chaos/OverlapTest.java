package io.synod.bench.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.synod.bench.chaos.Overlap.Ack;
import io.synod.bench.chaos.Overlap.Window;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OverlapTest {
  private static long ms(long v) {
    return v * 1_000_000L;
  }

  private static Ack ack(long id, String node, long atMs, int tl) {
    return new Ack(id, node, ms(atMs) - ms(2), ms(atMs), tl);
  }

  @Test
  void aCleanFailoverHasNoWindow() {
    List<Ack> acks =
        List.of(
            ack(1, "node1", 0, 1),
            ack(2, "node1", 20, 1),
            ack(3, "node2", 3000, 2),
            ack(4, "node2", 3020, 2));
    assertEquals(List.of(), Overlap.windows(acks));
  }

  @Test
  void theOldPrimaryWritingAfterTheNewOnesFirstWriteIsOneWindow() {
    List<Ack> acks =
        new ArrayList<>(
            List.of(
                ack(1, "node1", 0, 1),
                ack(2, "node2", 1000, 2),
                ack(3, "node1", 1010, 1),
                ack(4, "node2", 1020, 2),
                ack(5, "node1", 1500, 1)));
    java.util.Collections.reverse(acks); // order of the input does not matter
    List<Window> ws = Overlap.windows(acks);
    assertEquals(1, ws.size());
    Window w = ws.get(0);
    assertEquals("node1", w.staleNode());
    assertEquals("node2", w.newNode());
    assertEquals(1, w.staleTimeline());
    assertEquals(2, w.newTimeline());
    assertEquals(500.0, w.ms(), 1e-9);
    assertEquals(2, w.writes());
    assertEquals(2, w.sentAfter());
    assertEquals(500.0, Overlap.maxMs(ws), 1e-9);
    assertEquals(2, Overlap.writes(ws));
  }

  @Test
  void aWriteAnsweredLateButSentBeforeIsStillCountedAndMarked() {
    List<Ack> acks =
        List.of(
            ack(1, "node1", 0, 1),
            ack(2, "node2", 1000, 2),
            new Ack(3, "node1", ms(900), ms(1001), 1));
    Window w = Overlap.windows(acks).get(0);
    assertEquals(1, w.writes());
    assertEquals(0, w.sentAfter());
  }

  @Test
  void twoNodesOnOneTimelineOverlap() {
    List<Ack> acks = List.of(ack(1, "node1", 0, 2), ack(2, "node3", 100, 2));
    List<Window> ws = Overlap.windows(acks);
    assertEquals(1, ws.size());
    assertEquals("node3", ws.get(0).staleNode());
    assertEquals("node1", ws.get(0).newNode());
  }

  @Test
  void aNodeThatRejoinedAndIsPromotedAgainIsNoOverlap() {
    List<Ack> acks =
        List.of(
            ack(1, "node1", 0, 1),
            ack(2, "node2", 3000, 2),
            ack(3, "node1", 60000, 3),
            ack(4, "node3", 90000, 4),
            ack(5, "node3", 90020, 4));
    assertEquals(List.of(), Overlap.windows(acks));
  }

  @Test
  void windowsAreKeptPerPairOfNodesAndTimelines() {
    List<Ack> acks =
        List.of(
            ack(1, "node1", 0, 1),
            ack(2, "node2", 1000, 2),
            ack(3, "node1", 1100, 1),
            ack(4, "node3", 2000, 3),
            ack(5, "node2", 2100, 2),
            ack(6, "node1", 2200, 1));
    List<Window> ws = Overlap.windows(acks);
    assertEquals(3, ws.size());
    assertEquals(3, Overlap.writes(ws)); // node1 against node2, node2 and node1 against node3
  }
}

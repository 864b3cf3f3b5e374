package io.synod.bench.chaos;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Overlap windows: periods in which two different nodes acknowledged writes at once. Each
 * acknowledged write carries the PostgreSQL timeline it was written on; a promotion starts a new,
 * higher timeline. A write is an overlap write when it was acknowledged after another node's first
 * acknowledged write on a higher timeline (the old primary still writing after the new one began),
 * or on a timeline another node already wrote on (two promotions onto one timeline).
 *
 * <p>Pure: the input is what the prober recorded, in any order.
 */
public final class Overlap {
  private Overlap() {}

  /** One acknowledged write: ids are the prober's, times System.nanoTime at send and at the ack. */
  public record Ack(long id, String node, long sentNanos, long nanos, int timeline) {}

  /**
   * One window: {@code staleNode} kept acknowledging writes after {@code newNode}'s first
   * acknowledged write at {@code fromNanos}, the last of them at {@code toNanos}. {@code
   * sentAfter}: how many of them were even sent after {@code fromNanos} (no clock doubt at all).
   */
  public record Window(
      String staleNode,
      String newNode,
      int staleTimeline,
      int newTimeline,
      long fromNanos,
      long toNanos,
      int writes,
      int sentAfter) {
    public double ms() {
      return (toNanos - fromNanos) / 1e6;
    }
  }

  public static List<Window> windows(List<Ack> acks) {
    List<Ack> sorted = new ArrayList<>(acks);
    sorted.sort(Comparator.comparingLong(Ack::nanos));
    Map<Integer, Ack> firstOnTimeline = new HashMap<>();
    Ack newest = null; // the first ack on the highest timeline seen so far
    Map<String, Window> open = new LinkedHashMap<>();
    for (Ack a : sorted) {
      Ack owner = firstOnTimeline.get(a.timeline());
      Ack against = null;
      if (owner != null && !owner.node().equals(a.node())) {
        against = owner;
      } else if (newest != null
          && a.timeline() < newest.timeline()
          && !newest.node().equals(a.node())) {
        against = newest;
      }
      if (owner == null) {
        firstOnTimeline.put(a.timeline(), a);
      }
      if (newest == null || a.timeline() > newest.timeline()) {
        newest = a;
      }
      if (against == null) {
        continue;
      }
      String key = a.node() + "/" + a.timeline() + "/" + against.node() + "/" + against.timeline();
      Window w = open.get(key);
      int sentAfter = a.sentNanos() > against.nanos() ? 1 : 0;
      open.put(
          key,
          w == null
              ? new Window(
                  a.node(),
                  against.node(),
                  a.timeline(),
                  against.timeline(),
                  against.nanos(),
                  a.nanos(),
                  1,
                  sentAfter)
              : new Window(
                  w.staleNode(),
                  w.newNode(),
                  w.staleTimeline(),
                  w.newTimeline(),
                  w.fromNanos(),
                  a.nanos(),
                  w.writes() + 1,
                  w.sentAfter() + sentAfter));
    }
    return new ArrayList<>(open.values());
  }

  /** The longest window in ms, 0 when there is none. */
  public static double maxMs(List<Window> ws) {
    return ws.stream().mapToDouble(Window::ms).max().orElse(0);
  }

  /** Writes acknowledged inside overlap windows. */
  public static int writes(List<Window> ws) {
    return ws.stream().mapToInt(Window::writes).sum();
  }
}

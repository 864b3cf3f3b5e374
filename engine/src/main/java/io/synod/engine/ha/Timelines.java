package io.synod.engine.ha;

import java.util.List;

/**
 * Timeline arithmetic on the cluster's history key ({@code [[timeline, lsn, reason, time, leader],
 * ...]}, one entry per promotion: "timeline {@code timeline} ended at {@code lsn}"). Pure.
 */
final class Timelines {
  private Timelines() {}

  /** The timeline the cluster runs on now: one past the last promotion recorded in history. */
  static int clusterTimeline(List<List<Object>> history) {
    int max = 0;
    for (List<Object> h : history) {
      if (!h.isEmpty() && h.get(0) instanceof Number n) {
        max = Math.max(max, n.intValue());
      }
    }
    return max == 0 ? 0 : max + 1;
  }

  /**
   * Where timeline {@code timeline} was left for the next one (the switchpoint LSN), or -1 when the
   * history does not say (the cluster never left that timeline, or the entry is unreadable).
   */
  static long forkPoint(List<List<Object>> history, long timeline) {
    for (List<Object> h : history) {
      if (h.size() >= 2 && h.get(0) instanceof Number n && n.longValue() == timeline) {
        Object lsn = h.get(1);
        if (lsn instanceof Number l) {
          return l.longValue();
        }
      }
    }
    return -1;
  }

  /**
   * A node on an older timeline that holds WAL past the point where the cluster left that timeline
   * cannot follow the leader: PostgreSQL refuses ("new timeline forked off current database system
   * timeline before current recovery point"). It needs pg_rewind (or a new copy).
   */
  static boolean diverged(List<List<Object>> history, long myTimeline, long myWal) {
    int current = clusterTimeline(history);
    if (myTimeline <= 0 || current == 0 || myTimeline >= current) {
      return false;
    }
    long fork = forkPoint(history, myTimeline);
    return fork >= 0 && myWal > fork;
  }

  /**
   * pg_control says this data last ran as a primary (it crashed, or was shut down as one): if
   * another node leads now, its timeline may have diverged and it must be rewound before following.
   */
  static boolean wasPrimary(LocalPg pg) {
    String s = pg.controlState();
    return s != null && (s.equals("in production") || s.equals("shut down"));
  }
}

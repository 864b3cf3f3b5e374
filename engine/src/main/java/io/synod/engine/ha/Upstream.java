package io.synod.engine.ha;

import io.synod.store.cluster.Cluster;
import io.synod.store.cluster.Member;
import java.util.HashSet;
import java.util.Set;

/**
 * Whom a replica streams WAL from: the leader, or with Patroni's {@code tags.replicatefrom} another
 * replica (cascading replication). A pure function of the cluster, so the replica choosing its
 * source and the nodes keeping slots for it reach the same answer from the same view.
 *
 * <p>The named member is used only while its key says it runs PostgreSQL as a streaming replica
 * (not nostream: it would lag by whole WAL files), or it is the leader; otherwise the replica
 * streams from the leader until it is back, so a dead or rebuilding upstream never leaves a replica
 * without a source. Patroni falls back only when the member's key is gone; falling back also while
 * it is stopped keeps the replica current meanwhile. Members that name each other in a loop would
 * all wait on each other: each of them streams from the leader instead.
 */
final class Upstream {
  private Upstream() {}

  /**
   * The member {@code me} streams from, or null when there is no leader (nor a usable named
   * member).
   *
   * @param replicateFrom {@code me}'s own replicatefrom tag (its key may not be written yet)
   */
  static String of(Cluster c, String me, String replicateFrom, String leader) {
    if (leader == null || replicateFrom == null || replicateFrom.equals(leader)) {
      return leader;
    }
    if (!usable(c, me, replicateFrom, leader)) {
      return leader;
    }
    // Walk up the chain: a loop back to me means nobody in it reaches the leader.
    Set<String> seen = new HashSet<>(Set.of(me));
    String cur = replicateFrom;
    while (cur != null && !cur.equals(leader)) {
      if (!seen.add(cur)) {
        return cur.equals(me) ? leader : replicateFrom; // a loop above me is not mine to break
      }
      Member m = c.member(cur);
      String next = m == null ? null : m.replicateFrom();
      cur = next != null && usable(c, cur, next, leader) ? next : null;
    }
    return replicateFrom;
  }

  /**
   * The member a node configures as its source, given its own tags: {@link #of}, or the leader for
   * a nostream node (it streams nothing; the leader's name labels its recovery settings).
   */
  static String forNode(
      Cluster c, String me, String replicateFrom, boolean noStream, String leader) {
    return noStream ? leader : of(c, me, replicateFrom, leader);
  }

  /** Whom a member (by its key's tags) streams from; null for a nostream member or no leader. */
  static String ofMember(Cluster c, Member m, String leader) {
    return m.noStream() ? null : of(c, m.name(), m.replicateFrom(), leader);
  }

  /**
   * {@code name} can serve WAL to {@code who}: not who itself, running, a replica or the leader.
   */
  private static boolean usable(Cluster c, String who, String name, String leader) {
    if (name.equals(who)) {
      return false;
    }
    if (name.equals(leader)) {
      return true;
    }
    Member m = c.member(name);
    return m != null && m.isRunning() && "replica".equals(m.role()) && !m.noStream();
  }
}

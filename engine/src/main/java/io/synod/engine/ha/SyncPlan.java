package io.synod.engine.ha;

import io.synod.config.SynchronousMode;
import io.synod.engine.postgres.SyncStandbyNames;
import io.synod.store.cluster.Member;
import io.synod.store.cluster.SyncState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The leader's next step in synchronous replication, as a pure function (Patroni's sync handler and
 * quorum state resolver). Two pieces of state must agree:
 *
 * <ul>
 *   <li>PostgreSQL's synchronous_standby_names: which standbys, and how many of them ({@code k}),
 *       must confirm a commit before it is acknowledged;
 *   <li>the sync key: the voters {@code V} and the quorum {@code q}: a failover candidate must see
 *       {@code q} of the voters (itself included) and be the most advanced of them.
 * </ul>
 *
 * <p>The invariant is that every set of standbys that can acknowledge a commit meets every set of
 * {@code q} voters: the standbys are among the voters and {@code k + q > |V|}; or {@code q > |V|},
 * which forbids any failover. Every step keeps it for the commits acknowledged before the step and
 * after it, which is why the order matters: voters are added (with q raised as much) before
 * PostgreSQL waits for them; q is raised before PostgreSQL waits for fewer; and voters are dropped
 * (q lowered) only once every remaining standby has confirmed the WAL written up to the change. One
 * step per loop.
 */
public final class SyncPlan {
  private SyncPlan() {}

  /** What to do this loop. */
  public record Step(
      Kind kind, SyncStandbyNames names, List<String> voters, int quorum, String why) {
    public enum Kind {
      NONE,
      /** Write the sync key (voters, quorum). */
      RECORD,
      /** Set synchronous_standby_names ({@code names}; null: not managed any more). */
      SET,
      /** Synchronous mode is off and PostgreSQL no longer waits: drop the sync key. */
      DELETE
    }

    static Step none(String why) {
      return new Step(Kind.NONE, null, List.of(), 0, why);
    }

    static Step record(List<String> voters, int quorum, String why) {
      return new Step(Kind.RECORD, null, voters, quorum, why);
    }

    static Step set(SyncStandbyNames names, String why) {
      return new Step(Kind.SET, names, List.of(), 0, why);
    }
  }

  /**
   * A standby as the primary's pg_stat_replication shows it.
   *
   * @param replyAgeMs how long ago it last replied (-1: unknown)
   * @param behindMs how long the primary has had WAL this standby has not flushed (0: none)
   */
  public record Standby(
      String name, String state, String syncState, long flushLsn, long replyAgeMs, long behindMs) {
    public Standby(String name, String state, String syncState, long flushLsn) {
      this(name, state, syncState, flushLsn, -1, 0);
    }

    /**
     * Behind and silent: a standby whose host was cut off still shows "streaming" until
     * wal_sender_timeout, while every commit waits for it. A healthy one flushes and replies within
     * milliseconds of new WAL, so both must exceed {@code silentMs}: bytes behind alone is a commit
     * caught between its flush and our query, and an old reply alone is an idle cluster.
     */
    boolean unresponsive(long silentMs) {
      return behindMs > silentMs && replyAgeMs > silentMs;
    }
  }

  /** How long a lagging standby may stay silent before it counts as gone. */
  static final long SILENT_MS = 1000;

  /**
   * @param current what PostgreSQL runs with (null: not managed by Synod)
   * @param syncSetAt the primary's LSN when {@code current} took effect
   * @param key the sync key (null: none, or written by another leader)
   */
  public record In(
      String me,
      SynchronousMode mode,
      boolean strict,
      int nodeCount,
      long maximumLagOnSyncnode,
      SyncStandbyNames current,
      long syncSetAt,
      long currentLsn,
      List<Standby> standbys,
      Map<String, Member> members,
      SyncState key) {}

  public static Step next(In in) {
    SyncState key = in.key() != null && in.me().equals(in.key().leader()) ? in.key() : null;
    if (in.mode() == SynchronousMode.OFF) {
      return off(in, key);
    }
    if (key == null) {
      return Step.record(
          List.of(), 1, "taking over the sync key: no failover until a standby is synchronous");
    }
    Set<String> voters = new LinkedHashSet<>(key.syncStandby());
    int q = key.quorum();
    SyncStandbyNames cur = in.current() == null ? SyncStandbyNames.ASYNC : in.current();
    SyncStandbyNames target = target(in);

    // A: every standby PostgreSQL waits for (now or next) is a voter; q rises with each one added.
    Set<String> missing = new LinkedHashSet<>(cur.names());
    missing.addAll(target.names());
    missing.removeAll(voters);
    if (!missing.isEmpty()) {
      List<String> v = new ArrayList<>(voters);
      v.addAll(missing);
      return Step.record(v, q + missing.size(), "adding " + missing + " to the sync key's voters");
    }
    // B: PostgreSQL moves to the target, once the key covers it (raise q first if needed).
    if (!target.equals(cur) || (in.syncSetAt() <= 0 && target.required() > 0)) {
      int needed = minimalQuorum(voters.size(), target);
      if (q < needed) {
        return Step.record(
            List.copyOf(voters),
            needed,
            "raising the sync key's quorum to " + needed + " before waiting for fewer standbys");
      }
      return Step.set(target, "synchronous_standby_names: " + cur + " -> " + target);
    }
    // C: drop voters and lower q once the standbys confirmed the WAL up to the last change.
    int minimal = minimalQuorum(target.names().size(), target);
    if (!voters.equals(new LinkedHashSet<>(target.names())) || q != minimal) {
      if (target.required() > 0 && target.kind() != SyncStandbyNames.Kind.STAR) {
        for (String n : target.names()) {
          Standby s = standby(in, n);
          if (s == null || !confirmed(s, in.syncSetAt())) {
            return Step.none("waiting for " + n + " to confirm the WAL up to the last change");
          }
        }
      }
      return Step.record(
          target.names(), minimal, "sync key: voters " + target.names() + ", quorum " + minimal);
    }
    return Step.none("synchronous standbys " + target.names() + " in place");
  }

  /** Turning synchronous mode off: the key forbids failover, PostgreSQL stops waiting, key goes. */
  private static Step off(In in, SyncState key) {
    boolean managed = in.current() != null;
    if (managed) {
      if (key != null && key.failoverPossible()) {
        return Step.record(
            key.syncStandby(),
            key.syncStandby().size() + 1,
            "synchronous mode off: sealing the sync key");
      }
      return Step.set(
          null, "synchronous mode off: synchronous_standby_names back to the configuration");
    }
    if (in.key() != null) {
      return new Step(
          Step.Kind.DELETE, null, List.of(), 0, "synchronous mode off: dropping the sync key");
    }
    return Step.none("synchronous mode off");
  }

  /**
   * The q that makes every acknowledging set meet every quorum for {@code names} over {@code
   * voters} voters: {@code voters - k + 1}; more than the voters when nothing is known (async, *).
   */
  static int minimalQuorum(int voters, SyncStandbyNames names) {
    int k = names.kind() == SyncStandbyNames.Kind.STAR ? 0 : names.required();
    return k == 0 ? voters + 1 : voters - k + 1;
  }

  /** What synchronous_standby_names should be now. */
  static SyncStandbyNames target(In in) {
    List<String> eligible = eligible(in);
    if (eligible.isEmpty()) {
      return in.strict() ? SyncStandbyNames.STAR : SyncStandbyNames.ASYNC;
    }
    int n = Math.max(1, in.nodeCount());
    if (in.mode() == SynchronousMode.QUORUM) {
      return SyncStandbyNames.any(Math.min(n, eligible.size()), eligible);
    }
    List<String> chosen = eligible.subList(0, Math.min(n, eligible.size()));
    return SyncStandbyNames.first(chosen.size(), chosen);
  }

  /**
   * Streaming standbys that are running members (never a witness: it acknowledges no WAL) without
   * nosync (or sync_priority 0), within maximum_lag_on_syncnode; highest sync_priority first, then
   * the ones already synchronous (no needless churn), then the least lagging.
   */
  static List<String> eligible(In in) {
    Set<String> now = in.current() == null ? Set.of() : Set.copyOf(in.current().names());
    List<Standby> ok = new ArrayList<>();
    for (Standby s : in.standbys()) {
      Member m = in.members().get(s.name());
      if (m == null
          || s.name().equals(in.me())
          || m.isWitness()
          || !m.isRunning()
          || !"streaming".equals(s.state())
          || s.unresponsive(SILENT_MS)) {
        continue;
      }
      if (flag(m, "nosync") || flag(m, "nostream") || syncPriority(m) <= 0) {
        continue;
      }
      long lag = in.currentLsn() - s.flushLsn();
      if (in.maximumLagOnSyncnode() >= 0 && lag > in.maximumLagOnSyncnode()) {
        continue;
      }
      ok.add(s);
    }
    ok.sort(
        Comparator.comparingInt((Standby s) -> -syncPriority(in.members().get(s.name())))
            .thenComparing(s -> !now.contains(s.name()))
            .thenComparingLong(s -> in.currentLsn() - s.flushLsn())
            .thenComparing(Standby::name));
    return ok.stream().map(Standby::name).toList();
  }

  static boolean confirmed(Standby s, long syncSetAt) {
    return "streaming".equals(s.state())
        && ("sync".equals(s.syncState()) || "quorum".equals(s.syncState()))
        && s.flushLsn() >= syncSetAt;
  }

  private static Standby standby(In in, String name) {
    return in.standbys().stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
  }

  private static boolean flag(Member m, String tag) {
    Object v = m.tags().get(tag);
    return Boolean.TRUE.equals(v) || "true".equalsIgnoreCase(String.valueOf(v));
  }

  /** Patroni 4.1's sync_priority (default 1; 0 or less: never synchronous). */
  static int syncPriority(Member m) {
    Object p = m == null ? null : m.tags().get("sync_priority");
    if (p instanceof Number n) {
      return n.intValue();
    }
    try {
      return p == null ? 1 : Integer.parseInt(p.toString().trim());
    } catch (NumberFormatException e) {
      return 1;
    }
  }
}

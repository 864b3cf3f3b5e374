package io.synod.engine.ha;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small bounded ring of this node's HA events, newest last: what the HA loop did and why
 * (promotions, demotions, switchovers, rewinds, clones, leader-race decisions, store loss), for the
 * web page ({@code GET /ui}) and {@code GET /events}. Nothing is persisted or shared through the
 * store: each node keeps its own ring, and the node serving the page gathers the members' rings
 * over their REST APIs. An event that repeats (same kind, same text apart from numbers) is counted
 * on the last entry instead of filling the ring.
 *
 * <p>A promotion carries {@code unlocked_to_primary_ms}: from the first HA loop on this node that
 * saw the leader lock free (the old lease expired or was released) to PostgreSQL promoted and
 * writable here. That is the failover time as this node measures it.
 */
public final class HaEvents {
  static final int CAPACITY = 200;

  /**
   * One event.
   *
   * @param unlockedToPrimaryMs promotions only, -1 when not measured (the lock was never seen free:
   *     e.g. a promotion while already holding it): see the class comment
   * @param count how many times in a row it happened (the last time is {@code lastAt})
   */
  public record Event(
      long seq,
      Instant at,
      Instant lastAt,
      String node,
      String kind,
      String action,
      String reason,
      String outcome,
      long unlockedToPrimaryMs,
      int count) {

    /** The JSON shape served by /events. */
    public Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("seq", seq);
      m.put("at", at.toString());
      m.put("at_ms", at.toEpochMilli());
      if (count > 1) {
        m.put("count", count);
        m.put("last_at", lastAt.toString());
      }
      m.put("node", node);
      m.put("kind", kind);
      m.put("action", action);
      m.put("reason", reason);
      if (outcome != null) {
        m.put("outcome", outcome);
      }
      if (unlockedToPrimaryMs >= 0) {
        m.put("unlocked_to_primary_ms", unlockedToPrimaryMs);
      }
      return m;
    }

    private String shape() {
      return (kind + "|" + reason + "|" + outcome).replaceAll("\\d+", "#");
    }
  }

  private final String node;
  private final ArrayDeque<Event> ring = new ArrayDeque<>();
  private long seq;
  private long promotions;
  private long lastRecoveryMs = -1;

  public HaEvents(String node) {
    this.node = node;
  }

  /**
   * Called by the HA loop after every cycle with what it decided and what came of it; keeps only
   * what is an event (see {@link #kind}).
   *
   * @param unlocked whether this cycle saw the leader lock free
   * @param storeLost whether this cycle could not read the store
   * @param unlockedMs how long this node has seen the lock free (0 when it has not)
   */
  synchronized void record(
      Decision d, String outcome, boolean unlocked, boolean storeLost, long unlockedMs) {
    String kind = kind(d.action(), outcome, unlocked, storeLost);
    if (kind == null) {
      return;
    }
    long took = kind.equals("promotion") && unlockedMs > 0 ? unlockedMs : -1;
    add(kind, d.action().name(), d.reason(), outcome, took);
  }

  /** Adds one event (also for tests and for events outside the loop). */
  public synchronized void add(
      String kind, String action, String reason, String outcome, long unlockedToPrimaryMs) {
    Instant now = Instant.now();
    Event e =
        new Event(++seq, now, now, node, kind, action, reason, outcome, unlockedToPrimaryMs, 1);
    Event last = ring.peekLast();
    if (last != null && last.shape().equals(e.shape()) && !kind.equals("promotion")) {
      ring.pollLast();
      e =
          new Event(
              last.seq(),
              last.at(),
              now,
              node,
              kind,
              action,
              reason,
              outcome,
              -1,
              last.count() + 1);
      seq--;
    }
    ring.addLast(e);
    while (ring.size() > CAPACITY) {
      ring.pollFirst();
    }
    if (kind.equals("promotion")) {
      promotions++;
      lastRecoveryMs = unlockedToPrimaryMs;
    }
  }

  /**
   * Which kind of event a cycle was, or null when it was routine (renewing, following, waiting).
   */
  static String kind(Action a, String outcome, boolean unlocked, boolean storeLost) {
    String o = outcome == null ? "" : outcome;
    return switch (a) {
      case PROMOTE, TAKE_LEASE_AND_PROMOTE ->
          o.startsWith("promoted") ? "promotion" : "leader-race";
      case TAKE_LEASE -> o.startsWith("demoted") ? "demotion" : "leader-race";
      case DEMOTE, RELEASE_LEASE -> "demotion";
      case STEP_DOWN, REJECT_FAILOVER -> "switchover";
      case REWIND, REMOVE_DATA -> "rewind";
      case CLONE -> "clone";
      case BOOTSTRAP, CLAIM_EXISTING, BOOTSTRAP_STANDBY -> "bootstrap";
      case STANDBY_LEADER -> o.isEmpty() ? (unlocked ? "leader-race" : null) : "standby-leader";
      case START_REPLICA, FOLLOW, RESTART_PRIMARY -> "replica";
      case NONE, RENEW -> {
        if (o.startsWith("demoted")) {
          yield "demotion";
        }
        if (o.startsWith("synchronous replication")) {
          yield "sync";
        }
        if (storeLost) {
          yield "store";
        }
        yield unlocked ? "leader-race" : null;
      }
    };
  }

  /** The events, newest first, at most {@code limit}. */
  public synchronized List<Event> recent(int limit) {
    List<Event> out = new ArrayList<>(Math.min(limit, ring.size()));
    var it = ring.descendingIterator();
    while (it.hasNext() && out.size() < limit) {
      out.add(it.next());
    }
    return out;
  }

  /** Promotions of this node since it started. */
  public synchronized long promotions() {
    return promotions;
  }

  /** The last promotion's unlocked-to-primary time in ms, or -1 when there was none. */
  public synchronized long lastRecoveryMs() {
    return lastRecoveryMs;
  }

  public String node() {
    return node;
  }
}

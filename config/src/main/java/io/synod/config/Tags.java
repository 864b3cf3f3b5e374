package io.synod.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code tags}: per-node hints published in the member key. Patroni's predefined tags are typed and
 * validated; any other key is a user tag, kept as written (clients filter on {@code
 * ?tag_key=value}). Tags have no environment variables, as in Patroni.
 */
public final class Tags {
  private static final List<String> BOOLEAN_TAGS =
      List.of("nofailover", "noloadbalance", "clonefrom", "nosync", "nostream", "witness");

  private final Map<String, Object> values;

  private Tags(Map<String, Object> values) {
    this.values = values;
  }

  public static Tags none() {
    return new Tags(Map.of());
  }

  /** All tags as written, user tags included. */
  public Map<String, Object> asMap() {
    return values;
  }

  /**
   * Never take part in the leader race. As Patroni's Tags.nofailover: the boolean wins when set;
   * otherwise a failover_priority of 0 or less means the same.
   */
  public boolean nofailover() {
    Object b = values.get("nofailover");
    if (b != null) {
      return (Boolean) b;
    }
    Integer p = (Integer) values.get("failover_priority");
    return p != null && p <= 0;
  }

  /** Preference in the leader race, higher first; 0 when nofailover; default 1. */
  public int failoverPriority() {
    if (Boolean.TRUE.equals(values.get("nofailover"))) {
      return 0;
    }
    Integer p = (Integer) values.get("failover_priority");
    return p == null ? 1 : p;
  }

  /** Answer 503 on GET /replica so load balancers skip this node. */
  public boolean noloadbalance() {
    return Boolean.TRUE.equals(values.get("noloadbalance"));
  }

  /** Preferred source for new replicas' base backups. */
  public boolean clonefrom() {
    return Boolean.TRUE.equals(values.get("clonefrom"));
  }

  /** Never a synchronous standby (same precedence rule as nofailover, with sync_priority). */
  public boolean nosync() {
    Object b = values.get("nosync");
    if (b != null) {
      return (Boolean) b;
    }
    Integer p = (Integer) values.get("sync_priority");
    return p != null && p <= 0;
  }

  /** Preference when choosing synchronous standbys; 0 when nosync; default 1. */
  public int syncPriority() {
    if (Boolean.TRUE.equals(values.get("nosync"))) {
      return 0;
    }
    Integer p = (Integer) values.get("sync_priority");
    return p == null ? 1 : p;
  }

  /** Replay WAL from the archive only, no streaming. */
  public boolean nostream() {
    return Boolean.TRUE.equals(values.get("nostream"));
  }

  /**
   * A Raft voter without PostgreSQL (see {@link SynodConfig#witness()}, which is also true for a
   * node with no postgresql section).
   */
  public boolean witness() {
    return Boolean.TRUE.equals(values.get("witness"));
  }

  /** Member to replicate from (cascading); null = the leader. */
  public String replicatefrom() {
    return (String) values.get("replicatefrom");
  }

  /**
   * Types and validates a {@code tags} mapping given as a map (tests, tools); the file loader reads
   * them with the rest of the node's YAML.
   *
   * @param origin named in every problem, e.g. {@code "node1.yml: tags"}
   * @throws ConfigException listing every problem found
   */
  public static Tags fromMap(Map<String, Object> map, String origin) {
    Problems problems = new Problems(origin == null || origin.isEmpty() ? "tags" : origin);
    Tags t = from(new Section(problems, "", map == null ? Map.of() : map));
    problems.throwIfErrors();
    return t;
  }

  static Tags from(Section s) {
    Map<String, Object> out = new LinkedHashMap<>();
    // Strict booleans: in Patroni a string "false" is truthy, so a quoted value would silently
    // disable failover.
    for (String t : BOOLEAN_TAGS) {
      Boolean b = s.strictBool(t);
      if (b != null) {
        out.put(t, b);
      }
    }
    for (String t : List.of("failover_priority", "sync_priority")) {
      Integer p = s.optionalInteger(t);
      if (p != null && p < 0) {
        s.error(t, p + " is negative");
      } else if (p != null) {
        out.put(t, p);
      }
    }
    String from = s.string("replicatefrom", null);
    if (from != null) {
      out.put("replicatefrom", from);
    }
    conflict(s, out, "nofailover", "failover_priority");
    conflict(s, out, "nosync", "sync_priority");
    for (String k : s.unseenKeys()) {
      out.put(k, Maps.immutableValue(s.raw(k)));
    }
    // Keep file order so the member key looks like the file.
    Map<String, Object> ordered = new LinkedHashMap<>();
    for (String k : s.map().keySet()) {
      if (out.containsKey(k)) {
        ordered.put(k, out.get(k));
      }
    }
    return new Tags(java.util.Collections.unmodifiableMap(ordered));
  }

  /** Patroni's _validate_contradictory_tags: warn, and let the boolean win. */
  private static void conflict(Section s, Map<String, Object> tags, String bool, String priority) {
    Object b = tags.get(bool);
    Object p = tags.get(priority);
    if (b != null && p != null && ((Boolean) b == ((Integer) p > 0))) {
      s.warn(priority, "contradicts " + bool + ": " + b + "; " + bool + " wins");
    }
  }

  @Override
  public String toString() {
    return "Tags" + values;
  }
}

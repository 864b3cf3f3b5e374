package io.synod.store.cluster;

import java.util.Map;

/**
 * A member key's content, Patroni's touch_member() JSON: conn_url, api_url, state, role,
 * xlog_location, timeline, tags, ... Kept as a map so fields added by newer nodes survive.
 */
public record Member(String name, Map<String, Object> data, long revision) {
  public String apiUrl() {
    return str("api_url");
  }

  public String connUrl() {
    return str("conn_url");
  }

  public String state() {
    return str("state");
  }

  /**
   * The member reported PostgreSQL running (state "running"), as Patroni's member.is_running. A
   * witness's key says "running" about its Raft peer: it runs no PostgreSQL, so never.
   */
  public boolean isRunning() {
    return "running".equals(state()) && !isWitness();
  }

  /**
   * A witness: a Raft voter that holds no database (role "witness", or tags.witness). Never a
   * failover or switchover candidate, a clone source, a synchronous standby or a slot's owner.
   */
  public boolean isWitness() {
    Object w = tags().get("witness");
    return "witness".equals(role())
        || Boolean.TRUE.equals(w)
        || "true".equalsIgnoreCase(String.valueOf(w));
  }

  public String role() {
    return str("role");
  }

  public long xlogLocation() {
    return num("xlog_location", 0);
  }

  public long timeline() {
    return num("timeline", 0);
  }

  @SuppressWarnings("unchecked")
  public Map<String, Object> tags() {
    Object t = data.get("tags");
    return t instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  /**
   * Patroni: nofailover, or failover_priority &lt;= 0, keeps a member from ever being promoted; so
   * does being a witness.
   */
  public boolean noFailover() {
    if (isWitness()) {
      return true;
    }
    Object nf = tags().get("nofailover");
    if (Boolean.TRUE.equals(nf) || "true".equalsIgnoreCase(String.valueOf(nf))) {
      return true;
    }
    return failoverPriority() <= 0;
  }

  /** tags.replicatefrom: the member this one wants to stream from (cascading); null if none. */
  public String replicateFrom() {
    return replicateFrom(tags());
  }

  /** tags.nostream: this member replays WAL from the archive only, and needs no slot. */
  public boolean noStream() {
    return noStream(tags());
  }

  /** The replicatefrom tag of a tags map (a member key's or a node's own); blank means none. */
  public static String replicateFrom(Map<String, Object> tags) {
    Object v = tags.get("replicatefrom");
    return v == null || v.toString().isBlank() ? null : v.toString().trim();
  }

  /** The nostream tag of a tags map: true or "true". */
  public static boolean noStream(Map<String, Object> tags) {
    Object v = tags.get("nostream");
    return Boolean.TRUE.equals(v) || "true".equalsIgnoreCase(String.valueOf(v));
  }

  public int failoverPriority() {
    Object p = tags().get("failover_priority");
    if (p instanceof Number n) {
      return n.intValue();
    }
    try {
      return p == null ? 1 : Integer.parseInt(p.toString());
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  private String str(String k) {
    Object v = data.get(k);
    return v == null ? null : v.toString();
  }

  private long num(String k, long dflt) {
    Object v = data.get(k);
    if (v instanceof Number n) {
      return n.longValue();
    }
    try {
      return v == null ? dflt : Long.parseLong(v.toString());
    } catch (NumberFormatException e) {
      return dflt;
    }
  }
}

package io.synod.store.cluster;

/** Patroni's key layout under {@code /<namespace>/<scope>/}, so the bridges can mirror it 1:1. */
public final class Keys {
  public static final String INITIALIZE = "initialize";
  public static final String CONFIG = "config";
  public static final String LEADER = "leader";
  public static final String MEMBERS = "members/";
  public static final String STATUS = "status";
  public static final String HISTORY = "history";
  public static final String SYNC = "sync";
  public static final String FAILOVER = "failover";
  public static final String FAILSAFE = "failsafe";

  private final String base;

  public Keys(String namespace, String scope) {
    String ns = namespace == null || namespace.isBlank() ? "/service" : namespace.trim();
    ns = "/" + ns.replaceAll("^/+", "").replaceAll("/+$", "");
    if (ns.equals("/")) {
      ns = "";
    }
    this.base = ns + "/" + scope + "/";
  }

  /** The cluster's prefix, ending in '/': every key of the cluster starts with it. */
  public String base() {
    return base;
  }

  public String key(String relative) {
    return base + relative;
  }

  public String member(String name) {
    return base + MEMBERS + name;
  }

  /** The key relative to the cluster prefix ("leader", "members/node1"), or null if outside it. */
  public String relative(String fullKey) {
    return fullKey.startsWith(base) ? fullKey.substring(base.length()) : null;
  }
}

package io.synod.engine.ha;

import java.util.Map;

/**
 * How this node is named and reached: what goes into its member key.
 *
 * @param proxyAddress postgresql.proxy_address ("host:port" of a connection pooler or proxy in
 *     front of this node), written as proxy_url; null when none
 */
public record NodeIdentity(
    String name,
    String pgHost,
    int pgPort,
    String apiUrl,
    Map<String, Object> tags,
    boolean noFailover,
    int failoverPriority,
    String proxyAddress) {

  public NodeIdentity(
      String name,
      String pgHost,
      int pgPort,
      String apiUrl,
      Map<String, Object> tags,
      boolean noFailover,
      int failoverPriority) {
    this(name, pgHost, pgPort, apiUrl, tags, noFailover, failoverPriority, null);
  }
}

package io.synod.engine.ha;

import java.util.Map;

/** How this node is named and reached: what goes into its member key. */
public record NodeIdentity(
    String name,
    String pgHost,
    int pgPort,
    String apiUrl,
    Map<String, Object> tags,
    boolean noFailover,
    int failoverPriority) {}

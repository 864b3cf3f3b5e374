package io.synod.engine.api;

import java.util.List;
import java.util.Map;

/** One HTTP request as the routing sees it. */
public record Request(String method, String path, Map<String, List<String>> query, String body, String remoteAddress,
    String authorization) {
  String param(String name) {
    List<String> v = query.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }
}

package io.synod.engine.api;

import java.util.List;
import java.util.Map;

/**
 * One HTTP request as the routing sees it.
 *
 * @param headers request headers, names in lower case
 * @param clientCertificate the client presented a certificate the TLS layer verified
 */
public record Request(
    String method,
    String path,
    Map<String, List<String>> query,
    String body,
    String remoteAddress,
    String authorization,
    Map<String, String> headers,
    boolean clientCertificate) {

  public Request {
    query = query == null ? Map.of() : query;
    headers = headers == null ? Map.of() : headers;
    body = body == null ? "" : body;
  }

  public Request(
      String method,
      String path,
      Map<String, List<String>> query,
      String body,
      String remoteAddress,
      String authorization) {
    this(method, path, query, body, remoteAddress, authorization, Map.of(), false);
  }

  String param(String name) {
    List<String> v = query.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  String header(String name) {
    return headers.get(name.toLowerCase(java.util.Locale.ROOT));
  }
}

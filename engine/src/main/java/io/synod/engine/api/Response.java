package io.synod.engine.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/** One HTTP answer, independent of Netty so the routing can be unit-tested. */
public record Response(int status, String contentType, String body, Map<String, String> headers) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public Response {
    headers = headers == null ? Map.of() : Map.copyOf(headers);
  }

  public Response(int status, String contentType, String body) {
    this(status, contentType, body, Map.of());
  }

  static Response json(int status, String body) {
    return new Response(status, "application/json", body);
  }

  /** {@code document} (maps, lists, strings, numbers) written as JSON. */
  static Response document(int status, Object document) {
    return json(status, toJson(document));
  }

  static String toJson(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static Response text(int status, String body) {
    return new Response(status, "text/plain; charset=utf-8", body);
  }

  /** The same answer without a body (HEAD and OPTIONS: the status is all HAProxy reads). */
  Response statusOnly() {
    return new Response(status, contentType, "", headers);
  }

  Response withHeader(String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    return new Response(status, contentType, body, h);
  }
}

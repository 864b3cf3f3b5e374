package io.synod.engine.api;

/** One HTTP answer, independent of Netty so the routing can be unit-tested. */
public record Response(int status, String contentType, String body) {
  static Response json(int status, String body) {
    return new Response(status, "application/json", body);
  }

  static Response text(int status, String body) {
    return new Response(status, "text/plain; charset=utf-8", body);
  }
}

package io.synod.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Netty transport: what HAProxy's raw checks see, oversized and malformed requests, extra
 * headers.
 */
class HttpServerTest {
  private ApiHarness h;
  private HttpServer server;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() {
    h = new ApiHarness("node1").threeNodes().asPrimary();
    server =
        new HttpServer()
            .start("127.0.0.1", 0, null, Map.of("X-Frame-Options", "DENY"), h.api::handle);
  }

  @AfterEach
  void stop() {
    server.close();
    h.close();
  }

  @Test
  void serverTokensAndRequestQueueSize() throws Exception {
    try (HttpServer s =
        new HttpServer()
            .start(
                "127.0.0.1",
                0,
                null,
                new HttpServer.Options(
                    Map.of(),
                    Map.of("X-Https-Only", "1"),
                    HttpServer.Options.serverHeader("ProductOnly"),
                    7),
                h.api::handle)) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/health"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals("Synod", r.headers().firstValue("Server").orElse(null));
      assertTrue(
          r.headers().firstValue("X-Https-Only").isEmpty(), "https_extra_headers: HTTPS only");
      // the listen backlog is the kernel's Send-Q of the listening socket
      Process ss = new ProcessBuilder("ss", "-Hltn", "sport = :" + s.port()).start();
      String line = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      ss.waitFor();
      assertEquals("7", line.split("\\s+")[2], line);
    }
    assertTrue(HttpServer.Options.serverHeader("original").startsWith("Synod/"));
    assertTrue(HttpServer.Options.serverHeader(null).contains(" Java/"));
  }

  /** Sends one raw HTTP/1.0 request (as HAProxy's httpchk does) and returns the whole answer. */
  private String raw(String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(5000);
      OutputStream o = s.getOutputStream();
      o.write(request.getBytes(StandardCharsets.ISO_8859_1));
      o.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) > 0) {
        b.write(buf, 0, n);
      }
      return b.toString(StandardCharsets.ISO_8859_1);
    }
  }

  @Test
  void haproxyStyleChecksGetAStatusLineAndNoBody() throws Exception {
    String ok = raw("OPTIONS /primary HTTP/1.0\r\n\r\n");
    assertTrue(ok.startsWith("HTTP/1.1 200 OK\r\n"), ok);
    assertTrue(ok.contains("content-length: 0"), ok);
    assertTrue(ok.endsWith("\r\n\r\n"), ok);
    String no = raw("OPTIONS /replica HTTP/1.0\r\n\r\n");
    assertTrue(no.startsWith("HTTP/1.1 503 Service Unavailable\r\n"), no);
    String head = raw("HEAD /read-only HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertTrue(head.startsWith("HTTP/1.1 200 OK\r\n"), head);
    assertTrue(head.endsWith("\r\n\r\n"), head);
  }

  @Test
  void getAnswersJsonWithExtraHeaders() throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/patroni"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    assertTrue(r.body().contains("\"role\":\"primary\""), r.body());
    assertEquals("DENY", r.headers().firstValue("X-Frame-Options").orElse(null));
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(null));
  }

  @Test
  void oversizedBodiesAre413AndChangeNothing() throws Exception {
    Map<String, Object> before = io.synod.config.Maps.mutableCopy(h.store.config);
    String big = "{\"x\": \"" + "a".repeat(HttpServer.MAX_BODY + 10) + "\"}";
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/config"))
                .method("PATCH", HttpRequest.BodyPublishers.ofString(big))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(413, r.statusCode());
    assertTrue(r.body().contains("larger than " + HttpServer.MAX_BODY + " bytes"), r.body());
    assertEquals(before, h.store.config);
  }

  @Test
  void theRefusalOfALargeBodyReachesAClientStillSendingIt() throws Exception {
    // Megabytes are still being sent when the 413 goes out: the server must read the rest before
    // it closes, or the kernel's reset can destroy the answer (seen in CI as "received no bytes").
    Map<String, Object> before = io.synod.config.Maps.mutableCopy(h.store.config);
    byte[] big = new byte[3 * 1024 * 1024];
    java.util.Arrays.fill(big, (byte) 'a');
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/config"))
                  .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(big))
                  .header("Content-Type", "application/json")
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(413, r.statusCode());
      assertTrue(r.body().contains("refused, nothing changed"), r.body());
    }
    assertEquals(before, h.store.config);
  }

  @Test
  void malformedBodiesAre400ThroughTheWire() throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/switchover"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"leader\": "))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(400, r.statusCode());
    assertTrue(r.body().startsWith("malformed JSON body"), r.body());
  }

  private HttpResponse<String> post(String path, String body, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .timeout(Duration.ofSeconds(10));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aCrossSiteFormOrScriptCannotTriggerAnAction() throws Exception {
    String switchover = "{\"leader\":\"node1\",\"candidate\":\"node2\"}";
    // What an HTML form on another site sends (curl -d sends the same type).
    HttpResponse<String> form =
        post("/switchover", switchover, "Content-Type", "application/x-www-form-urlencoded");
    assertEquals(415, form.statusCode());
    assertTrue(form.body().contains("send Content-Type: application/json"), form.body());
    assertEquals(415, post("/switchover", switchover, "Content-Type", "text/plain").statusCode());
    assertEquals(415, post("/switchover", switchover).statusCode(), "a body with no type");
    assertEquals(
        415,
        post("/restart", "", "Content-Type", "application/x-www-form-urlencoded").statusCode(),
        "an empty form");
    HttpResponse<String> origin =
        post("/reload", "", "Origin", "http://evil.example", "Content-Type", "application/json");
    assertEquals(403, origin.statusCode());
    assertTrue(origin.body().startsWith("cross-site request refused"), origin.body());
    assertEquals(
        403,
        post("/reload", "", "Sec-Fetch-Site", "cross-site").statusCode(),
        "a browser's no-cors request without a body");
    assertNull(h.store.failover, "nothing was requested");
    assertFalse(h.calls.contains("reload"));

    // The same requests from a client that says what it sends go through.
    assertEquals(
        202,
        post("/reload", "", "Origin", "http://127.0.0.1:" + server.port()).statusCode(),
        "same origin");
    assertEquals(202, post("/reload", "").statusCode(), "curl -X POST .../reload");
    assertEquals(
        202, post("/reload", "{}", "Content-Type", "application/json; charset=utf-8").statusCode());
  }

  @Test
  void garbageRequestLineIs400() throws Exception {
    String r = raw("THIS IS NOT HTTP\r\n\r\n");
    assertTrue(r.isEmpty() || r.startsWith("HTTP/1.1 400") || r.startsWith("HTTP/1.1 501"), r);
  }
}

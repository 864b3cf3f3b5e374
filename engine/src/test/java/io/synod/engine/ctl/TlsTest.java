package io.synod.engine.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.config.RestApiConfig;
import io.synod.config.VerifyClient;
import io.synod.engine.api.ApiHarness;
import io.synod.engine.api.HttpServer;
import io.synod.engine.api.Tls;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REST API over TLS (restapi.certfile/keyfile/cafile/verify_client) and synodctl as its client
 * (ctl.cacert/certfile/keyfile), with a CA, server and client certificates made by openssl.
 */
class TlsTest {
  @TempDir static Path dir;

  static void openssl(String... args) throws IOException, InterruptedException {
    List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + out);
    }
  }

  @BeforeAll
  static void certificates() throws Exception {
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=synod-test-ca");
    Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    for (String who : List.of("server", "client")) {
      openssl(
          "req",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-keyout",
          who + ".key",
          "-out",
          who + ".csr",
          "-subj",
          "/CN=" + who);
      openssl(
          "x509",
          "-req",
          "-in",
          who + ".csr",
          "-CA",
          "ca.crt",
          "-CAkey",
          "ca.key",
          "-CAcreateserial",
          "-out",
          who + ".crt",
          "-days",
          "2",
          "-extfile",
          "san.ext");
    }
  }

  private static RestApiConfig tls(VerifyClient vc) {
    return new RestApiConfig(
        "127.0.0.1:0",
        "127.0.0.1:0",
        null,
        dir.resolve("server.crt").toString(),
        dir.resolve("server.key").toString(),
        null,
        dir.resolve("ca.crt").toString(),
        vc,
        List.of(),
        false,
        Map.of());
  }

  private record Run(int code, String out, String err) {}

  private static Run ctl(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        SynodCtl.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            new ByteArrayInputStream(new byte[0]),
            Map.of());
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private Path ctlConfig(int port, boolean withClientCert) throws IOException {
    Path f = Files.createTempFile(dir, "ctl", ".yml");
    Files.writeString(
        f,
        "scope: test\nrestapi:\n  connect_address: 127.0.0.1:"
            + port
            + "\n  certfile: "
            + dir.resolve("server.crt")
            + "\nctl:\n  cacert: "
            + dir.resolve("ca.crt")
            + "\n"
            + (withClientCert
                ? "  certfile: "
                    + dir.resolve("client.crt")
                    + "\n  keyfile: "
                    + dir.resolve("client.key")
                    + "\n"
                : ""));
    return f;
  }

  @Test
  void requiredClientCertificates() throws Exception {
    try (ApiHarness h =
            new ApiHarness("node2", Map.of(), tls(VerifyClient.REQUIRED), Duration.ofSeconds(5))
                .threeNodes();
        HttpServer s =
            new HttpServer()
                .start(
                    "127.0.0.1",
                    0,
                    Tls.serverContext(tls(VerifyClient.REQUIRED)),
                    Map.of(),
                    h.api::handle)) {
      h.store
          .members
          .values()
          .forEach(m -> m.put("api_url", "https://127.0.0.1:" + s.port() + "/patroni"));
      h.asReplica(50 * ApiHarness.MB);
      Run ok = ctl("-c", ctlConfig(s.port(), true).toString(), "list");
      assertEquals(0, ok.code(), ok.err());
      assertTrue(ok.out().contains("| node1  |"), ok.out());
      Run pause = ctl("-c", ctlConfig(s.port(), true).toString(), "pause");
      assertEquals(0, pause.code(), pause.out() + pause.err());
      Run noCert = ctl("-c", ctlConfig(s.port(), false).toString(), "list");
      assertEquals(3, noCert.code(), noCert.out() + noCert.err());
      Run plain = ctl("--api", "http://127.0.0.1:" + s.port(), "list");
      assertEquals(3, plain.code(), plain.out() + plain.err());
    }
  }

  @Test
  void aNodesOwnConfigTrustsItsPrivateCa() throws Exception {
    // Patroni's rule: without ctl.cacert, restapi.cafile is the trusted CA.
    try (ApiHarness h =
            new ApiHarness("node2", Map.of(), tls(VerifyClient.NONE), Duration.ofSeconds(5))
                .threeNodes();
        HttpServer s =
            new HttpServer()
                .start(
                    "127.0.0.1",
                    0,
                    Tls.serverContext(tls(VerifyClient.NONE)),
                    Map.of(),
                    h.api::handle)) {
      h.store
          .members
          .values()
          .forEach(m -> m.put("api_url", "https://127.0.0.1:" + s.port() + "/patroni"));
      h.asReplica(50 * ApiHarness.MB);
      Path node = Files.createTempFile(dir, "node", ".yml");
      String yml =
          "scope: test\nrestapi:\n  connect_address: 127.0.0.1:"
              + s.port()
              + "\n  certfile: "
              + dir.resolve("server.crt")
              + "\n  keyfile: "
              + dir.resolve("server.key")
              + "\n";
      Files.writeString(node, yml + "  cafile: " + dir.resolve("ca.crt") + "\n");
      Run ok = ctl("-c", node.toString(), "list");
      assertEquals(0, ok.code(), ok.out() + ok.err());
      assertTrue(ok.out().contains("| node1  |"), ok.out());

      Path noCa = Files.createTempFile(dir, "node", ".yml");
      Files.writeString(noCa, yml);
      assertEquals(
          3, ctl("-c", noCa.toString(), "list").code(), "the JDK's roots do not know the CA");
    }
  }

  @Test
  void optionalClientCertificatesGuardOnlyUnsafeMethods() throws Exception {
    try (ApiHarness h =
            new ApiHarness("node2", Map.of(), tls(VerifyClient.OPTIONAL), Duration.ofSeconds(5))
                .threeNodes();
        HttpServer s =
            new HttpServer()
                .start(
                    "127.0.0.1",
                    0,
                    Tls.serverContext(tls(VerifyClient.OPTIONAL)),
                    Map.of(),
                    h.api::handle)) {
      h.store
          .members
          .values()
          .forEach(m -> m.put("api_url", "https://127.0.0.1:" + s.port() + "/patroni"));
      h.asReplica(50 * ApiHarness.MB);
      Path noCert = ctlConfig(s.port(), false);
      assertEquals(0, ctl("-c", noCert.toString(), "list").code());
      Run pause = ctl("-c", noCert.toString(), "pause");
      assertEquals(1, pause.code());
      assertTrue(
          pause.out().contains("status code=403, (client certificate required)"), pause.out());
      assertEquals(0, ctl("-c", ctlConfig(s.port(), true).toString(), "pause").code());
    }
  }

  @Test
  void insecureAcceptsAServerCertificateNobodyVouchesFor() throws Exception {
    try (ApiHarness h =
            new ApiHarness("node2", Map.of(), tls(VerifyClient.NONE), Duration.ofSeconds(5))
                .threeNodes();
        HttpServer s =
            new HttpServer()
                .start(
                    "127.0.0.1",
                    0,
                    Tls.serverContext(tls(VerifyClient.NONE)),
                    Map.of(),
                    h.api::handle)) {
      h.store
          .members
          .values()
          .forEach(m -> m.put("api_url", "https://127.0.0.1:" + s.port() + "/patroni"));
      h.asReplica(50 * ApiHarness.MB);
      String url = "https://127.0.0.1:" + s.port();
      Run checked = ctl("--api", url, "list");
      assertEquals(3, checked.code(), "the test CA is in no trust store: " + checked.out());
      Run insecure = ctl("--insecure", "--api", url, "list");
      assertEquals(0, insecure.code(), insecure.out() + insecure.err());
      assertTrue(insecure.out().contains("| node1  |"), insecure.out());
    }
  }

  /** A TLS client limited to one protocol and its suites; true when the handshake succeeds. */
  private static boolean handshake(int port, String protocol, String... suites) throws Exception {
    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    javax.net.ssl.TrustManager[] trustAll = {
      new javax.net.ssl.X509TrustManager() {
        @Override
        public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}

        @Override
        public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {}

        @Override
        public java.security.cert.X509Certificate[] getAcceptedIssuers() {
          return new java.security.cert.X509Certificate[0];
        }
      }
    };
    ctx.init(null, trustAll, null);
    try (javax.net.ssl.SSLSocket sock =
        (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
      sock.setSoTimeout(5000);
      sock.setEnabledProtocols(new String[] {protocol});
      if (suites.length > 0) {
        sock.setEnabledCipherSuites(suites);
      }
      sock.startHandshake();
      return true;
    } catch (javax.net.ssl.SSLException e) {
      return false;
    }
  }

  @Test
  void ciphersLimitTheTls12SuitesAndHttpsExtraHeadersAreSent() throws Exception {
    RestApiConfig base = tls(VerifyClient.NONE);
    RestApiConfig c =
        new RestApiConfig(
            base.listen(),
            base.connectAddress(),
            null,
            base.certfile(),
            base.keyfile(),
            null,
            base.cafile(),
            VerifyClient.NONE,
            List.of(),
            false,
            Map.of("X-Both", "1"),
            "ECDHE-RSA-AES256-GCM-SHA384:!aNULL:!SSLv3",
            Map.of("Strict-Transport-Security", "max-age=31536000"),
            "minimal",
            null);
    try (ApiHarness h = new ApiHarness("node2", Map.of(), c, Duration.ofSeconds(5)).threeNodes();
        HttpServer s =
            new HttpServer()
                .start(
                    "127.0.0.1",
                    0,
                    Tls.serverContext(c),
                    HttpServer.Options.from(c),
                    h.api::handle)) {
      h.asReplica(50 * ApiHarness.MB);
      assertTrue(handshake(s.port(), "TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"));
      assertFalse(
          handshake(s.port(), "TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
          "a TLS 1.2 suite not in restapi.ciphers is refused");
      assertTrue(handshake(s.port(), "TLSv1.3"), "TLS 1.3 suites stay on, as with OpenSSL");
      java.net.http.HttpClient client =
          java.net.http.HttpClient.newBuilder().sslContext(insecureContext()).build();
      System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
      java.net.http.HttpResponse<String> r =
          client.send(
              java.net.http.HttpRequest.newBuilder(
                      java.net.URI.create("https://127.0.0.1:" + s.port() + "/health"))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      assertEquals(
          "max-age=31536000", r.headers().firstValue("Strict-Transport-Security").orElse(null));
      assertEquals("1", r.headers().firstValue("X-Both").orElse(null));
      assertEquals(
          "Synod/" + io.synod.engine.SynodVersion.number(),
          r.headers().firstValue("Server").orElse(null),
          "server_tokens: minimal");
    }
  }

  private static javax.net.ssl.SSLContext insecureContext() throws Exception {
    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    ctx.init(
        null,
        new javax.net.ssl.TrustManager[] {
          new javax.net.ssl.X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {}

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
              return new java.security.cert.X509Certificate[0];
            }
          }
        },
        null);
    return ctx;
  }

  @Test
  void cipherGroupsAndUnknownSuitesAreRefusedNamingTheSetting() {
    RestApiConfig base = tls(VerifyClient.NONE);
    for (String spec : List.of("HIGH:!aNULL", "NO-SUCH-CIPHER")) {
      RestApiConfig c =
          new RestApiConfig(
              base.listen(),
              base.connectAddress(),
              null,
              base.certfile(),
              base.keyfile(),
              null,
              null,
              VerifyClient.NONE,
              List.of(),
              false,
              Map.of(),
              spec,
              null,
              null,
              null);
      IllegalStateException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              IllegalStateException.class, () -> Tls.serverContext(c));
      assertTrue(e.getMessage().startsWith("restapi.ciphers: "), e.getMessage());
    }
  }

  @Test
  void badTlsFilesAreNamed() {
    RestApiConfig missing =
        new RestApiConfig(
            "127.0.0.1:0",
            "127.0.0.1:0",
            null,
            dir.resolve("nope.crt").toString(),
            null,
            null,
            null,
            VerifyClient.NONE,
            List.of(),
            false,
            Map.of());
    IllegalStateException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalStateException.class, () -> Tls.serverContext(missing));
    assertTrue(
        e.getMessage().contains("restapi.certfile") && e.getMessage().contains("no such file"),
        e.getMessage());
  }
}

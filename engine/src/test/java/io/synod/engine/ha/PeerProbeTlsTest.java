package io.synod.engine.ha;

import static org.junit.jupiter.api.Assertions.*;

import io.synod.config.CtlConfig;
import io.synod.config.RestApiConfig;
import io.synod.config.VerifyClient;
import io.synod.engine.api.HttpServer;
import io.synod.engine.api.Response;
import io.synod.engine.api.Tls;
import io.synod.engine.testing.TestCerts;
import io.synod.engine.tls.ClientTls;
import io.synod.store.cluster.Cluster;
import io.synod.store.cluster.Member;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader race's probe of the other members over HTTPS with a private CA and {@code
 * verify_client: required}: with restapi.cafile and ctl.certfile/keyfile (Patroni's rule) it
 * reaches them; without, every member looks unreachable (which is what a misconfigured cluster
 * races on).
 */
class PeerProbeTlsTest {
  @TempDir static Path dir;

  @BeforeAll
  static void certificates() throws Exception {
    TestCerts.create(dir, "node1", "node2", "stranger");
  }

  static RestApiConfig restapi(String node, VerifyClient vc) {
    return new RestApiConfig(
        "127.0.0.1:0",
        "127.0.0.1:0",
        null,
        dir.resolve(node + ".crt").toString(),
        dir.resolve(node + ".key").toString(),
        null,
        dir.resolve("ca.crt").toString(),
        vc,
        List.of(),
        false,
        Map.of());
  }

  static Cluster withPeer(String url) {
    Member m = new Member("node2", Map.of("api_url", url), 1);
    return new Cluster(
        null,
        Map.of(),
        0,
        null,
        Map.of("node2", m),
        0,
        Map.of(),
        List.of(),
        null,
        null,
        Map.of(),
        0);
  }

  @Test
  void probesMembersOverHttpsWithAPrivateCaAndRequiredClientCertificates() throws Exception {
    String body =
        "{\"state\":\"running\",\"role\":\"replica\",\"xlog\":{\"received_location\":42}}";
    try (HttpServer s =
        new HttpServer()
            .start(
                "127.0.0.1",
                0,
                Tls.serverContext(restapi("node2", VerifyClient.REQUIRED)),
                Map.of(),
                r -> new Response(200, "application/json", body))) {
      Cluster c = withPeer("https://127.0.0.1:" + s.port() + "/patroni");
      Duration t = Duration.ofSeconds(10); // generous: a loaded test machine, a cold TLS client

      CtlConfig ctlCert =
          new CtlConfig(
              null,
              false,
              null,
              dir.resolve("node1.crt").toString(),
              dir.resolve("node1.key").toString(),
              null);
      PeerStatus ok =
          new PeerProbe(ClientTls.of(ctlCert, restapi("node1", VerifyClient.REQUIRED)))
              .probe(c, "node1", t)
              .get("node2");
      assertTrue(ok.reachable(), "with restapi.cafile and ctl.certfile: " + ok);
      assertEquals(42, ok.walPosition());

      assertFalse(
          new PeerProbe(ClientTls.NONE).probe(c, "node1", t).get("node2").reachable(),
          "the JDK's default trust does not know the private CA");
      CtlConfig caOnly =
          new CtlConfig(null, false, dir.resolve("ca.crt").toString(), null, null, null);
      RestApiConfig noCert =
          new RestApiConfig(
              "127.0.0.1:0",
              "127.0.0.1:0",
              null,
              null,
              null,
              null,
              null,
              VerifyClient.NONE,
              List.of(),
              false,
              Map.of());
      assertFalse(
          new PeerProbe(ClientTls.of(caOnly, noCert)).probe(c, "node1", t).get("node2").reachable(),
          "verify_client: required turns away a probe without a client certificate");
      assertFalse(
          new PeerProbe(ClientTls.of(CtlConfig.defaults(), restapi("node1", VerifyClient.REQUIRED)))
              .probe(c, "node1", t)
              .get("node2")
              .reachable(),
          "the node's own REST certificate is not presented (Patroni presents ctl.certfile only)");
      CtlConfig insecure =
          new CtlConfig(
              null,
              true,
              null,
              dir.resolve("stranger.crt").toString(),
              dir.resolve("stranger.key").toString(),
              null);
      assertTrue(
          new PeerProbe(ClientTls.of(insecure, noCert))
              .probe(c, "node1", t)
              .get("node2")
              .reachable(),
          "ctl.insecure skips verifying the server but still presents the certificate");
    }
  }
}

package io.synod.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.engine.testing.Await;
import io.synod.engine.testing.ClusterFixture;
import io.synod.engine.testing.ClusterFixture.NodeProc;
import io.synod.engine.testing.PgFixture;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Debian's real HAProxy, configured from the shipped config/haproxy.cfg (ports rewritten to the
 * fixture's), in front of a real three-node cluster: port "5000" reaches the primary, "5001" only
 * replicas, and both follow a switchover and a kill -9 of the primary's node.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HaproxyIT {
  static final Duration FORM = Duration.ofSeconds(150);
  static final Duration FOLLOW = Duration.ofSeconds(60);

  /**
   * Wider HA timings than the 2 s default: these tests check the REST API, synodctl and HAProxy,
   * not failover speed, and must not turn into lease races on a loaded CI host.
   */
  static final String RELAXED = "    ttl: 6\n    loop_wait: 1\n    retry_timeout: 1\n";

  static ClusterFixture cluster;
  static Process haproxy;
  static int primaryPort;
  static int replicaPort;
  static int statsPort;

  @BeforeAll
  static void start() throws Exception {
    String bin = haproxyBinary();
    cluster = new ClusterFixture("it-haproxy", 3, RELAXED, List.of()).startAll();
    primaryPort = PgFixture.freePort();
    replicaPort = PgFixture.freePort();
    statsPort = PgFixture.freePort();
    Path cfg = cluster.dir.resolve("haproxy.cfg");
    Files.writeString(cfg, rewrite(Files.readString(shippedConfig())));
    haproxy =
        new ProcessBuilder(bin, "-db", "-f", cfg.toString())
            .redirectErrorStream(true)
            .redirectOutput(cluster.dir.resolve("haproxy.log").toFile())
            .start();
    Await.until(
        FORM,
        () -> "a leader and two streaming replicas; logs under " + cluster.dir,
        () -> cluster.leader() != null && cluster.streamingReplicas().size() == 2);
  }

  @AfterAll
  static void stop() {
    if (haproxy != null) {
      ProcessHandle.of(haproxy.pid()).ifPresent(ProcessHandle::destroyForcibly);
      try {
        haproxy.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  static String haproxyBinary() {
    for (String p : List.of("/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy")) {
      if (Files.isExecutable(Path.of(p))) {
        return p;
      }
    }
    throw new IllegalStateException(
        "haproxy not found: apt-get install -y haproxy (bin/test installs it)");
  }

  static Path shippedConfig() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      Path c = p.resolve("config/haproxy.cfg");
      if (Files.isRegularFile(c)) {
        return c;
      }
    }
    throw new IllegalStateException(
        "config/haproxy.cfg not found above " + Path.of("").toAbsolutePath());
  }

  /**
   * The shipped file with the demo's ports (5000/5001/7000, 5432-5434, 8008-8010) replaced by the
   * fixture's.
   */
  static String rewrite(String shipped) {
    String s =
        shipped
            .replace("bind *:5000", "bind 127.0.0.1:" + primaryPort)
            .replace("bind *:5001", "bind 127.0.0.1:" + replicaPort)
            .replace("bind 127.0.0.1:7000", "bind 127.0.0.1:" + statsPort);
    for (int i = 0; i < 3; i++) {
      NodeProc n = cluster.nodes().get(i);
      s =
          s.replace("127.0.0.1:" + (5432 + i) + " ", "127.0.0.1:" + n.pgPort + " ")
              .replace("check port " + (8008 + i), "check port " + n.restPort);
    }
    for (String demo :
        List.of("5000", "5001", "7000", "5432", "5433", "5434", "8008", "8009", "8010")) {
      for (String line : s.split("\n")) {
        if (!line.strip().startsWith("#") && line.matches(".*(?<![0-9])" + demo + "(?![0-9]).*")) {
          throw new IllegalStateException(
              "demo port " + demo + " left in the generated config: " + line);
        }
      }
    }
    return s;
  }

  /**
   * Where a new connection through {@code port} lands: the server's port and whether it is in
   * recovery; null if none.
   */
  static Landing through(int port) {
    Properties p = new Properties();
    p.setProperty("user", "postgres");
    p.setProperty("password", "postgres");
    p.setProperty("connectTimeout", "3");
    p.setProperty("socketTimeout", "5");
    try (Connection c =
            DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT inet_server_port(), pg_is_in_recovery()")) {
      r.next();
      return new Landing(r.getInt(1), r.getBoolean(2));
    } catch (SQLException e) {
      return null;
    }
  }

  record Landing(int serverPort, boolean inRecovery) {}

  static NodeProc byPgPort(int port) {
    return cluster.nodes().stream().filter(n -> n.pgPort == port).findFirst().orElseThrow();
  }

  /** HAProxy's own view (stats CSV): backend → servers it has UP. */
  static Set<String> upIn(String backend) {
    try {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statsPort + "/;csv"))
                      .timeout(Duration.ofSeconds(3))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      Set<String> up = new HashSet<>();
      for (String line : r.body().split("\n")) {
        String[] f = line.split(",");
        if (f.length > 17
            && f[0].equals(backend)
            && f[1].startsWith("node")
            && f[17].startsWith("UP")) {
          up.add(f[1]);
        }
      }
      return up;
    } catch (IOException e) {
      return Set.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Set.of();
    }
  }

  /** Port 5000 lands on {@code leader}'s PostgreSQL, out of recovery. */
  static boolean primaryPortReaches(String leader) {
    Landing l = through(primaryPort);
    return l != null && !l.inRecovery() && byPgPort(l.serverPort()).name.equals(leader);
  }

  /**
   * Once HAProxy's replica pool holds exactly the live replicas, several connections through 5001
   * all land on replicas (round robin covers each of them).
   */
  static void replicaPortOnlyReachesReplicas(String leader, int liveReplicas) {
    Await.until(
        FOLLOW,
        () ->
            "HAProxy's replica pool to be the "
                + liveReplicas
                + " replicas, not "
                + leader
                + " (UP: "
                + upIn("replicas")
                + ")",
        () -> {
          Set<String> up = upIn("replicas");
          return up.size() == liveReplicas && !up.contains(leader);
        });
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 6; i++) {
      Landing l = through(replicaPort);
      if (l == null) {
        continue;
      }
      assertTrue(
          l.inRecovery(),
          "port " + replicaPort + " reached a primary: " + byPgPort(l.serverPort()).name);
      assertNotEquals(leader, byPgPort(l.serverPort()).name);
      seen.add(l.serverPort());
    }
    assertEquals(liveReplicas, seen.size(), "round robin over the replicas reached " + seen);
  }

  static int ctl(String... args) {
    return cluster.ctl(args).code();
  }

  @Test
  @Order(1)
  void primaryPortReachesThePrimary() {
    String leader = cluster.leader();
    Await.until(
        FOLLOW,
        "port 5000 to reach the primary " + leader + " (haproxy.log in " + cluster.dir + ")",
        () -> primaryPortReaches(leader));
    assertEquals(Set.of(leader), upIn("primary"));
    replicaPortOnlyReachesReplicas(leader, 2);
  }

  @Test
  @Order(2)
  void afterASwitchover() {
    String old = cluster.leader();
    String target = cluster.streamingReplicas().get(0);
    assertEquals(0, ctl("switchover", "--leader", old, "--candidate", target, "--force"));
    Await.until(
        FOLLOW, "port 5000 to reach the new primary " + target, () -> primaryPortReaches(target));
    Await.until(
        FOLLOW, old + " to stream from " + target, () -> cluster.streamingReplicas().contains(old));
    replicaPortOnlyReachesReplicas(target, 2);
  }

  @Test
  @Order(3)
  void afterAKillOfThePrimarysNode() throws Exception {
    String old = cluster.leader();
    cluster.node(old).killNode();
    // capture the new leader in the same read that saw it (a second read can land between two
    // loops)
    String[] seen = new String[1];
    Await.until(
        FOLLOW,
        "a new leader after kill -9 of " + old,
        () -> {
          String l = cluster.leader();
          if (l != null && !old.equals(l)) {
            seen[0] = l;
            return true;
          }
          return false;
        });
    String now = seen[0];
    Await.until(FOLLOW, "port 5000 to reach the new primary " + now, () -> primaryPortReaches(now));
    Await.until(
        FOLLOW,
        "HAProxy to mark " + old + " down",
        () -> !upIn("primary").contains(old) && !upIn("replicas").contains(old));
    replicaPortOnlyReachesReplicas(now, 1);
  }
}

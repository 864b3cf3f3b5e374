package io.synod.engine.it;

import static org.junit.jupiter.api.Assertions.*;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import io.synod.bridges.testing.EtcdServer;
import io.synod.engine.cli.DemoFiles;
import io.synod.engine.testing.Await;
import io.synod.engine.testing.ClusterFixture;
import io.synod.engine.testing.ClusterFixture.NodeProc;
import io.synod.engine.testing.LiveFiles;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Where the cluster's passwords (raft.password, the superuser's, the replication role's) must never
 * show: the REST API's answers, the etcd mirror, the node and PostgreSQL logs (with {@code
 * log_statement: all}, so a logged ALTER ROLE ... PASSWORD would show), the command lines every
 * user can read in /proc, and any file but the node's own 0600 YAML. A real three-node cluster,
 * with a switchover so that roles, replicas and rewinds have all run.
 */
class SecretsIT {
  static final String SCOPE = "it-secrets";
  static final Duration FORM = Duration.ofSeconds(150);
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  static EtcdServer etcd;
  static ClusterFixture cluster;
  static DemoFiles.Secrets secrets = DemoFiles.Secrets.random();
  static final List<String> cmdlinesSeen = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    etcd = EtcdServer.started();
    cluster = new ClusterFixture(SCOPE, 3, "", List.of(), secrets);
    for (NodeProc n : cluster.nodes()) {
      // Log every statement: a password sent in SQL would land in PostgreSQL's log.
      String yml =
          Files.readString(n.yml)
              .replace(
                  "        shared_buffers: 32MB\n",
                  "        shared_buffers: 32MB\n"
                      + "        log_statement: all\n"
                      + "        log_min_duration_statement: 0\n"
                      + "        log_min_error_statement: debug5\n");
      Files.writeString(n.yml, yml);
      Files.writeString(
          n.yml, "etcd3:\n  hosts: " + etcd.hostPort() + "\n", StandardOpenOption.APPEND);
    }
    cluster.startAll();
    Await.until(
        FORM,
        "one primary and two streaming replicas",
        () -> {
          snapshotCommandLines();
          return cluster.leader() != null && cluster.streamingReplicas().size() == 2;
        });
    // A switchover: the new primary runs its role setup, the old one rejoins (maybe by rewind).
    String old = cluster.leader();
    NodeProc any = cluster.nodes().get(0);
    String target = cluster.streamingReplicas().get(0);
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + any.restPort + "/switchover"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"leader\":\"" + old + "\",\"candidate\":\"" + target + "\"}"))
                .timeout(Duration.ofSeconds(60))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    Await.until(
        FORM,
        "the switchover to complete with two streaming replicas",
        () -> {
          snapshotCommandLines();
          return target.equals(cluster.leader()) && cluster.streamingReplicas().size() == 2;
        });
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  static List<String> passwords() {
    return List.of(
        secrets.raftPassword(), secrets.superuserPassword(), secrets.replicationPassword());
  }

  static void assertNoPassword(String where, String text) {
    for (String p : passwords()) {
      assertFalse(text.contains(p), where + " shows a password");
    }
  }

  /** /proc/PID/cmdline is readable by every local user. */
  static void snapshotCommandLines() {
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      procs
          .filter(p -> p.getFileName().toString().matches("\\d+"))
          .forEach(
              p -> {
                try {
                  String c =
                      new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                          .replace('\0', ' ');
                  if (c.contains("synod") || c.contains("postgres") || c.contains("pg_")) {
                    synchronized (cmdlinesSeen) {
                      cmdlinesSeen.add(c);
                    }
                  }
                } catch (IOException e) {
                  // process gone
                }
              });
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void theRestApiNeverShowsAPassword() throws Exception {
    for (NodeProc n : cluster.nodes()) {
      for (String path :
          List.of("/config", "/patroni", "/cluster", "/history", "/metrics", "/raft", "/health")) {
        HttpResponse<String> r =
            HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.restPort + path))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(r.body().length() > 2, n.name + " GET " + path + " answered nothing");
        assertNoPassword(n.name + " GET " + path, r.body());
      }
    }
  }

  @Test
  void theEtcdMirrorNeverShowsAPassword() throws Exception {
    try (Client c = Client.builder().endpoints(etcd.endpoint()).build()) {
      List<KeyValue> kvs =
          c.getKVClient()
              .get(
                  ByteSequence.from("/", StandardCharsets.UTF_8),
                  GetOption.builder().isPrefix(true).build())
              .get(10, TimeUnit.SECONDS)
              .getKvs();
      assertTrue(
          kvs.stream()
              .anyMatch(kv -> kv.getKey().toString(StandardCharsets.UTF_8).endsWith("/config")),
          "the config key is mirrored");
      for (KeyValue kv : kvs) {
        assertNoPassword(
            "etcd " + kv.getKey().toString(StandardCharsets.UTF_8),
            kv.getValue().toString(StandardCharsets.UTF_8));
      }
    }
  }

  @Test
  void noCommandLineShowsAPassword() {
    snapshotCommandLines();
    synchronized (cmdlinesSeen) {
      assertFalse(cmdlinesSeen.isEmpty());
      for (String c : cmdlinesSeen) {
        assertNoPassword("a process's command line (" + c.split(" ")[0] + ")", c);
      }
    }
  }

  /**
   * Every file the cluster wrote: logs (Synod's and PostgreSQL's, with every statement logged)
   * carry no password; files that do (the node YAML, a replica's postgresql.conf with its
   * primary_conninfo) are readable by their owner only.
   */
  @Test
  void passwordsAreOnlyInPrivateFilesNeverInLogs() throws Exception {
    List<Path> holders = new ArrayList<>();
    int logs = 0;
    for (Path f : LiveFiles.regularFiles(cluster.dir)) {
      String name = f.getFileName().toString();
      logs += name.endsWith(".log") ? 1 : 0;
      byte[] data;
      try {
        data = Files.readAllBytes(f);
      } catch (NoSuchFileException e) {
        continue; // removed by its owner meanwhile
      }
      String text = new String(data, StandardCharsets.ISO_8859_1);
      if (passwords().stream().anyMatch(text::contains)) {
        holders.add(f);
      }
    }
    assertTrue(logs >= 6, "Synod's and PostgreSQL's logs of three nodes were scanned: " + logs);
    System.out.println("files holding a password: " + holders);
    Set<PosixFilePermission> others =
        Set.of(
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_EXECUTE);
    for (Path f : holders) {
      String name = f.getFileName().toString();
      assertFalse(
          name.endsWith(".log") || f.toString().contains("/log/"), "a log holds a password: " + f);
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(f);
      assertTrue(
          perms.stream().noneMatch(others::contains),
          f + " holds a password and is readable by others: " + perms);
    }
    for (NodeProc n : cluster.nodes()) {
      assertTrue(holders.contains(n.yml), "the scan finds the passwords in " + n.yml);
    }
    for (NodeProc n : cluster.nodes()) {
      assertTrue(
          Files.readString(n.log()).contains("peers authenticated by mutual TLS"),
          n.name + " runs the authenticated Raft transport");
    }
  }
}

package io.synod.engine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code synod demo}: three nodes on loopback, each its own OS process with its own YAML, no etcd.
 * Waits for one primary and two streaming replicas, prints how to connect, and stops all three on
 * Ctrl-C.
 */
@Command(
    name = "demo",
    description = "Run a local three-node cluster (one process per node) until Ctrl-C.")
final class Demo implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(
      names = "--dir",
      defaultValue = "demo",
      description = "where configs, data and logs go (default: ${DEFAULT-VALUE})")
  Path dir;

  @Option(
      names = "--rest-port",
      defaultValue = "8008",
      description = "REST port of node1; node2/3 use the next ones")
  int restPort;

  @Option(
      names = "--pg-port",
      defaultValue = "5432",
      description = "PostgreSQL port of node1; node2/3 use the next ones")
  int pgPort;

  @Option(
      names = "--raft-port",
      defaultValue = "8300",
      description = "Raft port of node1; node2/3 use the next ones")
  int raftPort;

  @Option(names = "--scope", defaultValue = "demo", description = "cluster name")
  String scope;

  @Option(
      names = "--wait",
      defaultValue = "180",
      description = "seconds to wait for the cluster to form")
  int waitSeconds;

  @Option(
      names = "--exit-when-ready",
      description = "stop the cluster and exit once it has formed (for scripts and tests)")
  boolean exitWhenReady;

  private final List<Process> nodes = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    String missing = DemoFiles.missingPostgres();
    if (missing != null) {
      System.err.println("synod demo: " + missing);
      return 1;
    }
    dir = dir.toAbsolutePath().normalize();
    Files.createDirectories(dir);
    Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "synod-demo-stop"));
    DemoFiles.Secrets secrets = DemoFiles.Secrets.demo();
    for (int i = 1; i <= 3; i++) {
      Path yml = DemoFiles.writeNodeConfig(dir, scope, i, restPort, pgPort, raftPort, secrets);
      nodes.add(DemoFiles.startNode(yml, dir.resolve("node" + i + "/synod.log")));
      System.out.println(
          "started node"
              + i
              + " (pid "
              + nodes.get(i - 1).pid()
              + "), config "
              + yml
              + ", log "
              + dir.resolve("node" + i + "/synod.log"));
    }
    System.out.println(
        "waiting for 1 primary and 2 streaming replicas (first start runs initdb and two pg_basebackups)...");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSeconds);
    String table = null;
    while (System.nanoTime() < deadline) {
      table = formed();
      if (table != null) {
        break;
      }
      for (int i = 0; i < nodes.size(); i++) {
        if (!nodes.get(i).isAlive()) {
          System.err.println(
              "node"
                  + (i + 1)
                  + " exited with "
                  + nodes.get(i).exitValue()
                  + "; see "
                  + dir.resolve("node" + (i + 1) + "/synod.log"));
          return 1;
        }
      }
      Thread.sleep(500);
    }
    if (table == null) {
      System.err.println(
          "the cluster did not form within " + waitSeconds + " s; see the logs under " + dir);
      return 1;
    }
    System.out.println();
    System.out.println(table);
    System.out.println(
        "connect to the primary:   psql -h 127.0.0.1 -p "
            + primaryPort()
            + " -U postgres   (password: postgres)");
    System.out.println(
        "REST API:                 curl -s http://127.0.0.1:" + restPort + "/cluster");
    System.out.println(
        "web page (live):          http://127.0.0.1:"
            + restPort
            + "/ui   (any node: ports "
            + restPort
            + "-"
            + (restPort + 2)
            + ")");
    System.out.println(
        "try a failover:           kill -9 the primary's synod and postgres processes, then watch /ui");
    System.out.println(
        "Raft peers authenticate each other with the secret generated for this demo (raft.password"
            + " in the node files, readable by you only). For a real cluster, put the same long"
            + " random secret in every node's raft.password (openssl rand -base64 32), or give each"
            + " node raft.certfile/keyfile/cafile for mutual TLS: README.md, section Security.");
    System.out.println("Ctrl-C stops all three nodes.");
    if (exitWhenReady) {
      return 0;
    }
    for (Process p : nodes) {
      p.waitFor();
    }
    return 0;
  }

  private int primaryPort() {
    try {
      JsonNode c = cluster();
      for (JsonNode m : c.path("members")) {
        if ("leader".equals(m.path("role").asText())) {
          return m.path("port").asInt(pgPort);
        }
      }
    } catch (IOException | InterruptedException e) {
      // fall through
    }
    return pgPort;
  }

  /** The cluster table once 1 leader and 2 streaming replicas exist, else null. */
  private String formed() {
    try {
      JsonNode c = cluster();
      int leaders = 0;
      int streaming = 0;
      StringBuilder t =
          new StringBuilder(
              String.format(
                  "%-8s %-16s %-8s %-10s %-4s%n", "Member", "Host", "Role", "State", "TL"));
      for (JsonNode m : c.path("members")) {
        String role = m.path("role").asText();
        String state = m.path("state").asText();
        if (role.equals("leader") && state.equals("running")) {
          leaders++;
        }
        t.append(
            String.format(
                "%-8s %-16s %-8s %-10s %-4s%n",
                m.path("name").asText(),
                m.path("host").asText() + ":" + m.path("port").asText(),
                role,
                state,
                m.path("timeline").asText()));
      }
      for (int i = 0; i < 3; i++) {
        JsonNode p = get(restPort + i, "/patroni");
        if (p != null && "streaming".equals(p.path("replication_state").asText())) {
          streaming++;
        }
      }
      return leaders == 1 && streaming == 2 ? t.toString() : null;
    } catch (IOException | InterruptedException e) {
      return null;
    }
  }

  private JsonNode cluster() throws IOException, InterruptedException {
    for (int i = 0; i < 3; i++) {
      JsonNode c = get(restPort + i, "/cluster");
      if (c != null) {
        return c;
      }
    }
    throw new IOException("no node answers");
  }

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  static JsonNode get(int port, String path) throws InterruptedException {
    try {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return JSON.readTree(r.body());
    } catch (IOException e) {
      return null;
    }
  }

  private void stopAll() {
    if (nodes.isEmpty()) {
      return;
    }
    System.out.println("stopping the three nodes...");
    for (Process p : nodes) {
      p.destroy(); // SIGTERM: each node shuts PostgreSQL down and leaves the Raft group cleanly
    }
    for (Process p : nodes) {
      try {
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
      }
    }
    nodes.clear();
    System.out.println("all nodes stopped; data and logs are kept in " + dir);
  }
}

package io.synod.engine.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.synod.engine.cli.DemoFiles;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A real Synod cluster for integration tests: each node a `synod run` JVM with its own YAML,
 * PostgreSQL 15 underneath, free loopback ports, one temp dir. {@link #close()} kills every JVM and
 * postmaster it started (by PID) and deletes the dir, also from a shutdown hook.
 */
public final class ClusterFixture implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  public final Path dir;
  public final String scope;

  /** The passwords in the node files (a fresh Raft secret per cluster). */
  public final DemoFiles.Secrets secrets;

  private final List<NodeProc> nodes = new ArrayList<>();
  private final Thread hook = new Thread(this::close, "cluster-fixture-cleanup");

  /** One node: its ports, files and process. */
  public final class NodeProc {
    public final String name;
    public final int restPort;
    public final int pgPort;
    public final Path yml;
    public final Path nodeDir;

    /** A Raft voter without PostgreSQL (no postgresql section; {@code pgPort} unused). */
    public final boolean witness;

    Process proc;

    NodeProc(String name, int restPort, int pgPort, Path yml, Path nodeDir, boolean witness) {
      this.name = name;
      this.restPort = restPort;
      this.pgPort = pgPort;
      this.yml = yml;
      this.nodeDir = nodeDir;
      this.witness = witness;
    }

    public Path dataDir() {
      return nodeDir.resolve("pgdata");
    }

    public Path log() {
      return nodeDir.resolve("synod.log");
    }

    public void start() throws IOException {
      proc = DemoFiles.startNode(yml, log());
    }

    public boolean alive() {
      return proc != null && proc.isAlive();
    }

    /** kill -9 of the engine JVM only; its postmaster (if any) is left alone. */
    public void killEngine() throws InterruptedException {
      if (proc != null) {
        proc.destroyForcibly();
        proc.waitFor(30, TimeUnit.SECONDS);
      }
    }

    /** The engine JVM's pid; it leads its own session and process group (setsid). */
    public long enginePid() {
      return proc.pid();
    }

    /**
     * Sends {@code signal} (STOP, CONT, HUP...) to the engine's whole process group, as Ctrl-Z on a
     * foreground synod or {@code kill -STOP -PGID} would: the engine and whatever it started in its
     * own group, not the postmaster (its own session).
     */
    public void signalGroup(String signal) throws IOException, InterruptedException {
      Process k =
          new ProcessBuilder("kill", "-" + signal, "--", "-" + proc.pid()).inheritIO().start();
      if (k.waitFor() != 0) {
        throw new IOException("kill -" + signal + " -" + proc.pid() + " failed");
      }
    }

    /** Whether a client can commit on this node right now. */
    public boolean writable() {
      return ClusterFixture.writable(this);
    }

    /** kill -9 of the postmaster only (the engine stays). */
    public void killPostmaster() {
      postmasterPid()
          .ifPresent(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }

    /** The whole node dies: engine and postmaster, both with SIGKILL. */
    public void killNode() throws InterruptedException {
      Optional<Long> pm = postmasterPid();
      killEngine();
      pm.ifPresent(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }

    public Optional<Long> postmasterPid() {
      try {
        String first = Files.readAllLines(dataDir().resolve("postmaster.pid")).get(0).trim();
        return Optional.of(Long.parseLong(first));
      } catch (IOException | RuntimeException e) {
        return Optional.empty();
      }
    }

    /** GET /patroni (null when the node does not answer). */
    public JsonNode patroni() {
      return get(restPort, "/patroni");
    }

    public int status(String path) {
      try {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restPort + path))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.discarding())
            .statusCode();
      } catch (IOException e) {
        return -1;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return -1;
      }
    }

    /** Runs one statement as the superuser, on a connection of its own. */
    public void exec(String sql) throws SQLException {
      try (Connection c = connect();
          java.sql.Statement s = c.createStatement()) {
        s.execute(sql);
      }
    }

    /** The first column of the first row (null when there is none). */
    public String one(String sql) throws SQLException {
      try (Connection c = connect();
          java.sql.Statement s = c.createStatement();
          java.sql.ResultSet r = s.executeQuery(sql)) {
        return r.next() ? r.getString(1) : null;
      }
    }

    public Connection connect() throws SQLException {
      Properties p = new Properties();
      p.setProperty("user", "postgres");
      p.setProperty("password", secrets.superuserPassword());
      p.setProperty("connectTimeout", "2");
      p.setProperty("socketTimeout", "5");
      return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres", p);
    }
  }

  /**
   * @param extraDcs YAML lines under bootstrap.dcs, indented by 4 spaces (e.g. " ttl: 2\n")
   * @param tags per node (index 0..n-1): YAML lines under tags, indented by 2, or ""
   */
  public ClusterFixture(String scope, int n, String extraDcs, List<String> tags)
      throws IOException {
    this(scope, n, extraDcs, tags, DemoFiles.Secrets.demo());
  }

  /**
   * @param secrets the cluster's passwords; {@link DemoFiles.Secrets#demo()} (a fresh Raft secret,
   *     PostgreSQL passwords postgres/replicator) unless a test needs its own
   */
  public ClusterFixture(
      String scope, int n, String extraDcs, List<String> tags, DemoFiles.Secrets secrets)
      throws IOException {
    this(scope, n, extraDcs, tags, secrets, java.util.Set.of());
  }

  /**
   * @param witnesses names of the nodes (node1..nodeN) that are witnesses: the same raft and
   *     restapi sections, {@code tags: {witness: true}} and no postgresql section
   */
  public ClusterFixture(
      String scope,
      int n,
      String extraDcs,
      List<String> tags,
      DemoFiles.Secrets secrets,
      java.util.Set<String> witnesses)
      throws IOException {
    PgFixture.requireBinaries(PgFixture.BIN_DIR);
    this.scope = scope;
    dir = Files.createTempDirectory("synod-it-");
    // PostgreSQL runs as the postgres user and must reach its data dir below this one.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Runtime.getRuntime().addShutdownHook(hook);
    List<String> raft = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      raft.add("127.0.0.1:" + PgFixture.freePort());
    }
    this.secrets = secrets;
    for (int i = 0; i < n; i++) {
      String name = "node" + (i + 1);
      Path nodeDir = dir.resolve(name);
      Files.createDirectories(nodeDir);
      int rest = PgFixture.freePort();
      int pg = PgFixture.freePort();
      String yml =
          DemoFiles.nodeYaml(
              scope,
              name,
              rest,
              pg,
              raft,
              i,
              nodeDir,
              extraDcs,
              tags == null || tags.size() <= i ? "" : tags.get(i),
              secrets);
      boolean witness = witnesses.contains(name);
      if (witness) {
        yml = DemoFiles.witnessYaml(yml);
      }
      Path file = dir.resolve(name + ".yml");
      DemoFiles.writePrivate(file, yml);
      nodes.add(new NodeProc(name, rest, pg, file, nodeDir, witness));
    }
  }

  /**
   * Adds YAML lines (indented by 2) to a node's postgresql section before it starts, for settings
   * the demo's template does not write (parameters, create_replica_methods, ...).
   */
  public void addToPostgresql(String node, String lines) throws IOException {
    Path yml = node(node).yml;
    String text = Files.readString(yml);
    if (!text.contains("\npostgresql:\n")) {
      throw new IllegalStateException(yml + " has no postgresql section");
    }
    Files.writeString(yml, text.replace("\npostgresql:\n", "\npostgresql:\n" + lines));
  }

  /** One synodctl run: its exit code and what it printed. */
  public record Ctl(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  /**
   * Runs synodctl in this JVM, as a user would (`synodctl --api NODES ARGS...`), against the REST
   * APIs of this cluster's live nodes; prints the run for the test log.
   */
  public Ctl ctl(String... args) {
    List<String> all = new ArrayList<>();
    all.add("--api");
    all.add(
        String.join(
            ",",
            nodes.stream().filter(NodeProc::alive).map(n -> "127.0.0.1:" + n.restPort).toList()));
    all.addAll(List.of(args));
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    int code =
        io.synod.engine.ctl.SynodCtl.run(
            all.toArray(new String[0]),
            new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
            new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8),
            new java.io.ByteArrayInputStream(new byte[0]),
            Map.of());
    Ctl r =
        new Ctl(
            code,
            out.toString(java.nio.charset.StandardCharsets.UTF_8),
            err.toString(java.nio.charset.StandardCharsets.UTF_8));
    System.out.println("synodctl " + String.join(" ", args) + "\n" + r);
    return r;
  }

  public ClusterFixture startAll() throws IOException {
    for (NodeProc p : nodes) {
      p.start();
    }
    return this;
  }

  public List<NodeProc> nodes() {
    return nodes;
  }

  /** The nodes that run PostgreSQL (all but the witnesses). */
  public List<NodeProc> databaseNodes() {
    return nodes.stream().filter(n -> !n.witness).toList();
  }

  public NodeProc node(String name) {
    return nodes.stream().filter(n -> n.name.equals(name)).findFirst().orElseThrow();
  }

  /** The member holding the leader lock per any live node's /cluster, else null. */
  public String leader() {
    for (NodeProc p : nodes) {
      if (!p.alive()) {
        continue;
      }
      JsonNode c = get(p.restPort, "/cluster");
      if (c == null) {
        continue;
      }
      for (JsonNode m : c.path("members")) {
        if ("leader".equals(m.path("role").asText())
            && "running".equals(m.path("state").asText())) {
          return m.path("name").asText();
        }
      }
      return null;
    }
    return null;
  }

  /**
   * Waits for a leader that takes writes, every other member streaming, and {@code more}; returns
   * the leader. The leader is read once per check: it may change between two calls.
   */
  public String awaitSettled(Duration within, Supplier<String> describeMore, BooleanSupplier more) {
    Await.until(
        within,
        () -> "leader=" + leader() + " streaming=" + streamingReplicas() + " " + describeMore.get(),
        () -> {
          String l = leader();
          return l != null
              && l.equals(writablePrimary())
              && streamingReplicas().size() == databaseNodes().size() - 1
              && more.getAsBoolean();
        });
    return leader();
  }

  /**
   * POST /switchover from {@code old} to {@code candidate}, which must be refused: not 200, the
   * leader unchanged and still taking writes, and the reason either a 412 or {@code reasonInLog} in
   * the leader's log.
   */
  public void assertSwitchoverRefused(String old, String candidate, String reasonInLog, String why)
      throws IOException, InterruptedException {
    NodeProc leader = node(old);
    long before = Files.size(leader.log());
    int code =
        post(
            leader.restPort,
            "/switchover",
            "{\"leader\": \"" + old + "\", \"candidate\": \"" + candidate + "\"}");
    org.junit.jupiter.api.Assertions.assertNotEquals(200, code, why);
    Thread.sleep(2000);
    org.junit.jupiter.api.Assertions.assertEquals(old, leader());
    org.junit.jupiter.api.Assertions.assertTrue(leader.writable(), old + " still takes writes");
    String log = Files.readString(leader.log()).substring((int) before);
    org.junit.jupiter.api.Assertions.assertTrue(
        code == 412 || log.contains(reasonInLog),
        "refused with the reason (code " + code + "): " + log);
  }

  /** Names of live members whose /patroni says they stream from a primary. */
  public List<String> streamingReplicas() {
    List<String> out = new ArrayList<>();
    for (NodeProc p : nodes) {
      JsonNode s = p.alive() ? p.patroni() : null;
      if (s != null && "streaming".equals(s.path("replication_state").asText())) {
        out.add(p.name);
      }
    }
    return out;
  }

  /**
   * Whether a client can commit a write on {@code n} right now (creates a probe table if needed).
   */
  public static boolean writable(NodeProc n) {
    try (Connection c = n.connect();
        java.sql.Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE IF NOT EXISTS probe (at timestamptz); INSERT INTO probe VALUES (now())");
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  /**
   * Restarts {@code old} (a former primary) and waits until it streams as a replica again and
   * {@code sql} answers {@code expected} on it (a row written while it was down).
   */
  public void restartAndAwaitReplica(NodeProc old, String sql, String expected)
      throws IOException, SQLException {
    old.start();
    Await.until(
        Duration.ofSeconds(90),
        old.name + " to stream again as a replica",
        () -> streamingReplicas().contains(old.name));
    if (!"t".equals(old.one("SELECT pg_is_in_recovery()"))) {
      throw new AssertionError(old.name + " streams but is not in recovery");
    }
    Await.until(
        Duration.ofSeconds(20),
        "'" + expected + "' replicated to " + old.name,
        () -> {
          try {
            return expected.equals(old.one(sql));
          } catch (SQLException e) {
            return false;
          }
        });
  }

  /**
   * kill -9 of {@code old}'s whole node (engine and postmaster), then waits for another node to
   * accept writes; prints the time as a MEASURED line labelled {@code what}, returns that node.
   */
  public NodeProc crashAndAwaitNewPrimary(NodeProc old, Duration timeout, String what)
      throws InterruptedException {
    long t0 = System.nanoTime();
    old.killNode();
    NodeProc next = awaitWritableOtherThan(old.name, timeout);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.println(
        "MEASURED "
            + what
            + " (kill -9 engine + postmaster of "
            + old.name
            + " -> write committed on "
            + next.name
            + "): "
            + ms
            + " ms");
    return next;
  }

  /** Waits (bounded) for a live node other than {@code old} to accept writes, and returns it. */
  public NodeProc awaitWritableOtherThan(String old, Duration timeout) {
    NodeProc[] found = new NodeProc[1];
    Await.until(
        timeout,
        "a node other than " + old + " to accept writes",
        () -> {
          for (NodeProc n : nodes) {
            if (!n.name.equals(old) && n.alive() && writable(n)) {
              found[0] = n;
              return true;
            }
          }
          return false;
        });
    return found[0];
  }

  /** Which node answers 200 on /primary (HAProxy's view); null when none does. */
  public String writablePrimary() {
    for (NodeProc p : nodes) {
      if (p.alive() && p.status("/primary") == 200) {
        return p.name;
      }
    }
    return null;
  }

  /** POST (or another method) of a JSON body to a node's REST API; the status code, -1 on error. */
  public int post(int port, String path, String json, String... method) {
    try {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
              .timeout(Duration.ofSeconds(30))
              .header("Content-Type", "application/json");
      b.method(method.length == 0 ? "POST" : method[0], HttpRequest.BodyPublishers.ofString(json));
      return HTTP.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  public static JsonNode get(int port, String path) {
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
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  @Override
  public synchronized void close() {
    for (NodeProc p : nodes) {
      try {
        p.killNode();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      PgFixture.stopByPid(p.dataDir());
    }
    if (System.getenv("SYNOD_KEEP_TEST_DIRS") == null) {
      io.synod.engine.postgres.PgFiles.deleteRecursively(dir);
    } else {
      System.err.println("kept " + dir);
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // already shutting down
    }
  }
}

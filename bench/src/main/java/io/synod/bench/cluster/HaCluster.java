package io.synod.bench.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A real three-node PostgreSQL HA cluster on loopback, run by an HA manager (Synod, or Patroni with
 * etcd), as the drills see it: members with REST and PostgreSQL ports, crash a whole node, start it
 * again, wait until it is healthy. The health and the primary are read from PostgreSQL itself (so
 * both managers are judged the same way) and cross-checked with the manager's {@code /cluster}.
 *
 * <p>{@link #close()} SIGKILLs every process it started (by PID, with descendants and postmasters)
 * and deletes its temp dir, also from a JVM shutdown hook.
 */
public abstract class HaCluster implements AutoCloseable {
  protected static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  public static final String PROBE_TABLE = "bench_probe";

  /** One member: ports, files, and the manager process (Synod JVM, or Patroni). */
  public static final class Node {
    public final String name;

    /** The address its REST API and PostgreSQL listen on: loopback, or a namespace's address. */
    public final String host;

    public final int restPort;
    public final int pgPort;
    public final Path dir;
    volatile Process proc;

    Node(String name, int restPort, int pgPort, Path dir) {
      this(name, "127.0.0.1", restPort, pgPort, dir);
    }

    public Node(String name, String host, int restPort, int pgPort, Path dir) {
      this.name = name;
      this.host = host;
      this.restPort = restPort;
      this.pgPort = pgPort;
      this.dir = dir;
    }

    public Path dataDir() {
      return dir.resolve("pgdata");
    }

    public boolean alive() {
      Process p = proc;
      return p != null && p.isAlive();
    }

    @Override
    public String toString() {
      return name;
    }
  }

  protected final Path dir;
  protected final List<Node> nodes = new ArrayList<>();
  private final Thread hook = new Thread(this::close, "bench-cluster-cleanup");
  private volatile boolean closed;

  protected HaCluster(String prefix) throws IOException {
    dir = Files.createTempDirectory(prefix);
    // PostgreSQL runs as the postgres user and must traverse this dir to reach its data dirs.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** "synod" or "patroni". */
  public abstract String kind();

  /**
   * A one-line label with the settings, e.g. "Patroni 3.0.2 + etcd (ttl 30, loop_wait 10,
   * retry_timeout 10)".
   */
  public abstract String label();

  /** HA settings as measured against (ttl, loop_wait, retry_timeout, ...). */
  public abstract Map<String, Object> settings();

  /** Versions of the manager and its parts. */
  public abstract Map<String, Object> versions();

  /**
   * How often the leader renews its lock: a crash lands at a uniformly random point of this cycle.
   */
  public abstract long renewalPeriodMs();

  /** How long a crash failover may take before a trial is called failed. */
  public abstract Duration failoverTimeout();

  /** Starts this node's manager (which starts or restarts its PostgreSQL). */
  protected abstract void launch(Node n) throws IOException;

  /** The manager's own log of a node. */
  public abstract Path managerLog(Node n);

  /** The PostgreSQL server log of a node. */
  public abstract Path postgresLog(Node n);

  public Path dir() {
    return dir;
  }

  public List<Node> nodes() {
    return nodes;
  }

  public Node node(String name) {
    return nodes.stream()
        .filter(n -> n.name.equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no member " + name));
  }

  public void startAll() throws IOException {
    for (Node n : nodes) {
      launch(n);
    }
  }

  public void start(Node n) throws IOException {
    if (!n.alive()) {
      launch(n);
    }
  }

  /**
   * The PIDs that make up a node now: the manager, everything it spawned (e.g. Synod's fence
   * sidecar), the postmaster and its backends. Taken before a timed crash: walking the process
   * table can take tens of ms on a loaded host.
   */
  public List<Long> nodePids(Node n) {
    List<Long> pids = new ArrayList<>();
    Process p = n.proc;
    if (p != null) {
      pids.add(p.pid());
      pids.addAll(Procs.descendants(p.pid()));
    }
    Procs.postmasterPid(n.dataDir())
        .ifPresent(
            pm -> {
              pids.add(pm);
              pids.addAll(Procs.descendants(pm));
            });
    return pids;
  }

  /**
   * The whole node dies at once, as in a power loss: SIGKILL of every process of {@link #nodePids}.
   */
  public void crash(Node n) {
    crash(n, nodePids(n));
  }

  /**
   * SIGKILLs the given PIDs first (the timed moment), then whatever else belongs to the node by now
   * (the postmaster from its pid file, stray children), and reaps the manager.
   */
  public void crash(Node n, List<Long> pids) {
    for (long pid : pids) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    Procs.postmasterPid(n.dataDir())
        .ifPresent(pm -> ProcessHandle.of(pm).ifPresent(ProcessHandle::destroyForcibly));
    Procs.killAll(pids);
    List<Long> rest = nodePids(n);
    if (!rest.isEmpty()) {
      Procs.killAll(rest);
    }
    Process p = n.proc;
    if (p != null) {
      try {
        p.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  // ---------------------------------------------------------------- PostgreSQL

  public Connection connect(Node n, int connectTimeoutSeconds) throws SQLException {
    return connect(n, connectTimeoutSeconds, 10, "synod-bench");
  }

  /** A superuser connection to {@code n}'s PostgreSQL, as the drills' clients open it. */
  public static Connection connect(
      Node n, int connectTimeoutSeconds, int socketTimeoutSeconds, String applicationName)
      throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", "postgres");
    p.setProperty("password", "postgres");
    p.setProperty("connectTimeout", String.valueOf(connectTimeoutSeconds));
    p.setProperty("socketTimeout", String.valueOf(socketTimeoutSeconds));
    p.setProperty("tcpKeepAlive", "true");
    p.setProperty("ApplicationName", applicationName);
    return DriverManager.getConnection(
        "jdbc:postgresql://" + n.host + ":" + n.pgPort + "/postgres", p);
  }

  private String one(Node n, String sql) {
    try (Connection c = connect(n, 2);
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery(sql)) {
      return r.next() ? r.getString(1) : null;
    } catch (SQLException e) {
      return null;
    }
  }

  /** The member PostgreSQL says is a primary (not in recovery), when exactly one is. */
  public Node sqlPrimary() {
    Node found = null;
    for (Node n : nodes) {
      if ("f".equals(one(n, "SELECT pg_is_in_recovery()"))) {
        if (found != null) {
          return null;
        }
        found = n;
      }
    }
    return found;
  }

  /** Whether a node's PostgreSQL is a replica streaming from a primary. */
  public boolean streaming(Node n) {
    return "streaming".equals(one(n, "SELECT status FROM pg_stat_wal_receiver"));
  }

  // ---------------------------------------------------------------- the manager's REST API

  public JsonNode rest(Node n, String path) {
    try {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://" + n.host + ":" + n.restPort + path))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() >= 500 && !path.equals("/patroni") ? null : JSON.readTree(r.body());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** The HTTP status of {@code GET path} on a node's REST API; -1 when it did not answer. */
  public int status(Node n, String path) {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(URI.create("http://" + n.host + ":" + n.restPort + path))
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

  /** POSTs JSON; returns [status, body] (status -1 when the node did not answer). */
  public Object[] post(Node n, String path, Map<String, Object> body, Duration timeout) {
    try {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://" + n.host + ":" + n.restPort + path))
                  .timeout(timeout)
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return new Object[] {r.statusCode(), r.body()};
    } catch (IOException e) {
      return new Object[] {-1, e.toString()};
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Object[] {-1, "interrupted"};
    }
  }

  /** Member name to role/state, from the first live node's {@code GET /cluster}. */
  public Map<String, String[]> restMembers() {
    for (Node n : nodes) {
      if (!n.alive()) {
        continue;
      }
      JsonNode c = rest(n, "/cluster");
      if (c == null) {
        continue;
      }
      Map<String, String[]> out = new LinkedHashMap<>();
      for (JsonNode m : c.path("members")) {
        out.put(
            m.path("name").asText(),
            new String[] {m.path("role").asText(), m.path("state").asText()});
      }
      return out;
    }
    return Map.of();
  }

  /** The member the manager names leader (role leader/master, running), or null. */
  public String restLeader() {
    return leaderIn(restMembers());
  }

  /** The member of a {@link #restMembers()} answer with role leader/master/primary, running. */
  public static String leaderIn(Map<String, String[]> members) {
    for (Map.Entry<String, String[]> e : members.entrySet()) {
      String role = e.getValue()[0];
      if ((role.equals("leader") || role.equals("master") || role.equals("primary"))
          && e.getValue()[1].equals("running")) {
        return e.getKey();
      }
    }
    return null;
  }

  /**
   * Healthy: every node's manager alive, one PostgreSQL primary that the manager also names leader,
   * the two others streaming from it, and all three members listed as running. Returns null when
   * healthy, else what is missing.
   */
  public String unhealthy() {
    for (Node n : nodes) {
      if (!n.alive()) {
        return n.name + " is not running";
      }
    }
    Node primary = sqlPrimary();
    if (primary == null) {
      return "no single PostgreSQL primary";
    }
    String leader = restLeader();
    if (!primary.name.equals(leader)) {
      return "PostgreSQL primary is " + primary.name + " but the manager's leader is " + leader;
    }
    for (Node n : nodes) {
      if (n != primary && !streaming(n)) {
        return n.name + " is not streaming yet";
      }
    }
    Map<String, String[]> members = restMembers();
    if (members.size() != nodes.size()) {
      return "the manager lists " + members.keySet();
    }
    for (Map.Entry<String, String[]> e : members.entrySet()) {
      String state = e.getValue()[1];
      if (!state.equals("running") && !state.equals("streaming")) {
        return e.getKey() + " is " + state;
      }
    }
    return null;
  }

  /**
   * Waits until {@link #unhealthy()} is null, failing with the last reason. Returns the primary.
   */
  public Node awaitHealthy(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String why = "not checked";
    while (System.nanoTime() < deadline) {
      why = unhealthy();
      if (why == null) {
        return sqlPrimary();
      }
      repairStuck();
      for (Node n : nodes) {
        Process p = n.proc;
        if (p != null && !p.isAlive() && p.exitValue() != 137 && p.exitValue() != 143) {
          throw new IllegalStateException(
              n.name + " exited with " + p.exitValue() + "; see " + managerLog(n));
        }
      }
      Procs.sleep(250);
    }
    throw new IllegalStateException(
        kind()
            + " cluster not healthy within "
            + timeout.toSeconds()
            + " s: "
            + why
            + " (logs under "
            + dir
            + ")");
  }

  /**
   * Called while waiting for health: a harness-side remedy for a member the manager left stuck
   * (e.g. after a failed pg_rewind), so the next trial starts from a healthy cluster.
   */
  protected void repairStuck() {}

  /** The last {@code max} bytes of a file ("" when missing). */
  protected static String tail(Path f, int max) {
    try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(f.toFile(), "r")) {
      long start = Math.max(0, raf.length() - max);
      byte[] b = new byte[(int) (raf.length() - start)];
      raf.seek(start);
      raf.readFully(b);
      return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** Crash the node, remove its data directory and start it again: it clones from the leader. */
  protected void reinitialize(Node n, String why) {
    System.out.println(
        "bench: "
            + n.name
            + " "
            + why
            + "; re-cloning it (data directory removed, node restarted)");
    crash(n);
    Procs.deleteRecursively(n.dataDir());
    try {
      // the log's last line is now this, not the one that asked for the repair: without it the
      // next check saw the old line again and killed the node it had just restarted, in a loop
      Files.writeString(
          managerLog(n),
          "bench: re-cloning " + n.name + " (" + why + ")\n",
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
      launch(n);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Creates the table the write probes insert into (on the primary). */
  public void createProbeTable(Node primary) throws SQLException {
    try (Connection c = connect(primary, 5);
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE IF NOT EXISTS "
              + PROBE_TABLE
              + " (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp(), node text)");
    }
  }

  /** Whether the given directory should be kept for inspection (SYNOD_BENCH_KEEP=1). */
  protected static boolean keep() {
    return System.getenv("SYNOD_BENCH_KEEP") != null;
  }

  /** Extra processes (e.g. etcd) to stop after the nodes. */
  protected void closeExtras() {}

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Node n : nodes) {
      crash(n);
      Procs.killPostmaster(n.dataDir());
    }
    closeExtras();
    if (keep()) {
      System.err.println("bench: kept " + dir + " (SYNOD_BENCH_KEEP is set)");
    } else {
      Procs.deleteRecursively(dir);
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // already shutting down
    }
  }
}

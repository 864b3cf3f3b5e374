package io.synod.bench.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.synod.engine.cli.DemoFiles;
import io.synod.store.JvmFlags;
import io.synod.store.testing.Ports;
import io.synod.store.transport.RaftTransport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Three {@code synod run} JVMs (the same YAML as {@code synod demo}), PostgreSQL 15 under each, on
 * free loopback ports in a temp dir. Settings are Synod's defaults unless {@code extraDcs} says
 * otherwise.
 */
public final class SynodCluster extends HaCluster {
  public static final String SCOPE = "bench";

  private final DemoFiles.Secrets secrets;
  private final List<String> raftPeers = new ArrayList<>();
  private final String extraDcs;
  private final Path logbackXml;
  private volatile Map<String, Object> seenSettings;
  private final Hosts hosts;
  private List<String> archiveFlags; // ClassArchive's, looked up at the first launch

  /**
   * @param extraDcs YAML lines under bootstrap.dcs (4-space indent), "" for Synod's defaults
   */
  public SynodCluster(String extraDcs) throws IOException {
    this(extraDcs, null, 3);
  }

  /** {@code size} nodes on loopback (the idle-cost bench compares 3 and 5). */
  public SynodCluster(String extraDcs, int size) throws IOException {
    this(extraDcs, null, size);
  }

  /**
   * Where each node runs: its address (REST, PostgreSQL and Raft listen there, on fixed ports) and
   * the command prefix that puts its JVM there (e.g. {@code ip netns exec NS}).
   *
   * @param clientNet the network PostgreSQL accepts peers and clients from (pg_hba), e.g.
   *     10.77.0.0/24
   */
  public record Hosts(List<String> addrs, List<List<String>> prefixes, String clientNet) {}

  /**
   * @param hosts null: every node on loopback, free ports; else one address and launch prefix per
   *     node (the chaos campaign's network namespaces)
   */
  public SynodCluster(String extraDcs, Hosts hosts) throws IOException {
    this(extraDcs, hosts, hosts == null ? 3 : hosts.addrs().size());
  }

  private SynodCluster(String extraDcs, Hosts hosts, int size) throws IOException {
    super("synod-bench-");
    if (size < 1) {
      throw new IllegalArgumentException("a cluster needs at least one node, got " + size);
    }
    this.hosts = hosts;
    this.extraDcs = extraDcs == null ? "" : extraDcs;
    // One line per event with a full timestamp: the failover breakdown reads these logs.
    logbackXml = dir.resolve("logback-bench.xml");
    Files.writeString(
        logbackXml,
        """
        <configuration>
          <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
            <encoder><pattern>%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level %logger{0}: %msg%n</pattern></encoder>
          </appender>
          <logger name="com.alipay.sofa" level="ERROR"/>
          <logger name="io.netty" level="WARN"/>
          <root level="INFO"><appender-ref ref="OUT"/></root>
        </configuration>
        """);
    for (int i = 0; i < size; i++) {
      raftPeers.add(hosts == null ? "127.0.0.1:" + Ports.free() : hosts.addrs().get(i) + ":7204");
    }
    // measure the authenticated Raft transport users run
    secrets = DemoFiles.Secrets.demo();
    for (int i = 0; i < size; i++) {
      String name = "node" + (i + 1);
      Path nodeDir = dir.resolve(name);
      Files.createDirectories(nodeDir);
      Node n =
          hosts == null
              ? new Node(name, Ports.free(), Ports.free(), nodeDir)
              : new Node(name, hosts.addrs().get(i), 8008, 5432, nodeDir);
      String yml =
          DemoFiles.nodeYaml(
              SCOPE, name, n.restPort, n.pgPort, raftPeers, i, nodeDir, this.extraDcs, "", secrets);
      if (hosts != null) {
        yml = onHost(yml, n.host, hosts.clientNet());
      }
      DemoFiles.writePrivate(dir.resolve(name + ".yml"), yml);
      nodes.add(n);
    }
  }

  /**
   * The demo YAML moved from loopback to {@code host}; peers and clients from {@code net} may
   * connect (PostgreSQL's own lines only cover loopback and its listen address).
   */
  static String onHost(String yml, String host, String net) {
    String hba =
        "postgresql:\n"
            + "  pg_hba:\n"
            + "    - host all all "
            + net
            + " scram-sha-256\n"
            + "    - host replication replicator "
            + net
            + " scram-sha-256\n";
    return yml.replace("127.0.0.1:", host + ":").replaceFirst("(?m)^postgresql:\n", hba);
  }

  public List<String> raftPeers() {
    return raftPeers;
  }

  /** How a client outside the cluster authenticates to its Raft peers (the cluster's secret). */
  public RaftTransport raftTransport() {
    return RaftTransport.sharedSecret(secrets.raftPassword().toCharArray(), SCOPE, "127.0.0.1:0");
  }

  public String raftAddr(Node n) {
    return raftPeers.get(nodes.indexOf(n));
  }

  @Override
  public String kind() {
    return "synod";
  }

  @Override
  public String label() {
    Map<String, Object> s = settings();
    return "Synod (ttl "
        + s.get("ttl")
        + ", loop_wait "
        + s.get("loop_wait")
        + ", retry_timeout "
        + s.get("retry_timeout")
        + ")";
  }

  /** The dynamic settings the cluster runs with, read from GET /config once it is up. */
  @Override
  public Map<String, Object> settings() {
    if (seenSettings != null) {
      return seenSettings;
    }
    for (Node n : nodes) {
      JsonNode c = n.alive() ? rest(n, "/config") : null;
      if (c != null && c.has("ttl")) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ttl", c.path("ttl").asText());
        m.put("loop_wait", c.path("loop_wait").asText());
        m.put("retry_timeout", c.path("retry_timeout").asText());
        m.put("maximum_lag_on_failover", c.path("maximum_lag_on_failover").asText());
        m.put("raft.election_timeout_ms", "300 (default)");
        m.put(
            "lease renewal",
            "lease keeper thread, every ttl/4 (the HA loop writes only when the keeper has not)");
        if (!extraDcs.isBlank()) {
          m.put("bootstrap.dcs overrides", extraDcs.strip());
        }
        seenSettings = m;
        return m;
      }
    }
    return Map.of("ttl", "?", "loop_wait", "?", "retry_timeout", "?");
  }

  @Override
  public Map<String, Object> versions() {
    String root = System.getProperty("synod.root", ".");
    String commit = Procs.run(List.of("git", "-C", root, "describe", "--always", "--dirty"), 10);
    return Map.of(
        "synod",
        "0.1.0-SNAPSHOT",
        "commit",
        commit.isBlank() || commit.contains(" ") ? "?" : commit);
  }

  /**
   * ttl: the lease keeper renews every ttl/4, so a uniform delay in [0, ttl) covers four whole
   * renewal cycles and lands the crash at a uniformly random phase.
   */
  @Override
  public long renewalPeriodMs() {
    Object ttl = settings().get("ttl");
    try {
      return Math.max(50, (long) (Double.parseDouble(String.valueOf(ttl)) * 1000));
    } catch (NumberFormatException e) {
      return 1300;
    }
  }

  @Override
  public Duration failoverTimeout() {
    return Duration.ofSeconds(60);
  }

  @Override
  public Path managerLog(Node n) {
    return n.dir.resolve("synod.log");
  }

  @Override
  public Path postgresLog(Node n) {
    return n.dir.resolve(n.name + "-postgres.log");
  }

  @Override
  protected void launch(Node n) throws IOException {
    List<String> cmd = new ArrayList<>();
    if (hosts != null) {
      // in its namespace, in a session of its own (so kill -STOP -PGID hits this node only),
      // with the demo's JVM flags: six servers share a small machine there
      cmd.addAll(hosts.prefixes().get(nodes.indexOf(n)));
      cmd.add("setsid");
    }
    cmd.addAll(JvmFlags.nodeJava()); // as bin/synod runs a node
    // as bin/synod: the class archive of the jar (made once here when missing), none for a test's
    // class path
    if (archiveFlags == null) {
      archiveFlags = io.synod.engine.cli.ClassArchive.ensure(classpath(), System.err);
    }
    cmd.addAll(archiveFlags);
    cmd.add("-Dlogback.configurationFile=" + logbackXml);
    cmd.addAll(
        List.of(
            "-cp",
            classpath(),
            "io.synod.engine.cli.SynodMain",
            "run",
            dir.resolve(n.name + ".yml").toString()));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(managerLog(n).toFile()));
    // RocksDB extracts its native library per JVM: keep it in the node dir (deleted with it)
    pb.environment().put("ROCKSDB_SHAREDLIB_DIR", n.dir.toString());
    JvmFlags.NODE_ENV.forEach(pb.environment()::putIfAbsent); // as bin/synod runs a node
    n.proc = pb.start();
  }

  /** A node that logs "pg_rewind failed earlier" stays stopped until reinitialized: do that. */
  @Override
  protected void repairStuck() {
    for (Node n : nodes) {
      if (n.alive()) {
        String t = tail(managerLog(n), 400);
        int last = t.lastIndexOf('\n', t.length() - 2);
        if (t.substring(Math.max(0, last)).contains("pg_rewind failed earlier")) {
          reinitialize(n, "is stuck after a failed pg_rewind");
        }
      }
    }
  }

  /**
   * The classpath Synod nodes run from: this JVM's (benchmarks.jar, or the test classpath under
   * Maven).
   */
  static String classpath() {
    return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
  }
}

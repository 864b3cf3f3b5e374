package io.synod.bench.cluster;

import io.synod.store.testing.Ports;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Patroni (Debian's package, run as an external program) with a one-member etcd 3.4 (Debian's
 * etcd-server), three PostgreSQL 15 members, all on free loopback ports in a temp dir. Patroni
 * talks to etcd through its etcd3 (v3 gRPC gateway) client. PostgreSQL and Patroni run as the
 * postgres user when this JVM is root.
 */
public final class PatroniCluster extends HaCluster {
  public static final String PATRONI = "/usr/bin/patroni";
  public static final String ETCD = "/usr/bin/etcd";
  public static final Path PG_BIN = Path.of("/usr/lib/postgresql/15/bin");

  private final int ttl;
  private final double loopWait;
  private final int retryTimeout;
  private final int etcdClientPort = Ports.free();
  private final int etcdPeerPort = Ports.free();
  private Process etcd;

  /** Patroni's defaults are ttl 30, loop_wait 10, retry_timeout 10. */
  public PatroniCluster(int ttl, int loopWait, int retryTimeout) throws IOException {
    super("patroni-bench-");
    this.ttl = ttl;
    this.loopWait = loopWait;
    this.retryTimeout = retryTimeout;
    for (int i = 0; i < 3; i++) {
      String name = "pnode" + (i + 1);
      Path nodeDir = dir.resolve(name);
      Files.createDirectories(nodeDir);
      Node n = new Node(name, Ports.free(), Ports.free(), nodeDir);
      Files.writeString(nodeDir.resolve("patroni.yml"), yaml(n));
      nodes.add(n);
    }
    Procs.chownToPostgres(dir);
  }

  /** What is missing to run Patroni here (install hint), or null. */
  public static String missing() {
    List<String> m = new ArrayList<>();
    if (!Files.isExecutable(Path.of(PATRONI))) {
      m.add("patroni");
    }
    if (!Files.isExecutable(Path.of(ETCD))) {
      m.add("etcd-server");
    }
    if (!Files.isExecutable(PG_BIN.resolve("postgres"))) {
      m.add("postgresql-15");
    }
    return m.isEmpty() ? null : String.join(" ", m);
  }

  private String yaml(Node n) {
    return """
        scope: bench
        namespace: /service/
        name: %s
        log:
          level: INFO
        restapi:
          listen: 127.0.0.1:%d
          connect_address: 127.0.0.1:%d
        etcd3:
          hosts: 127.0.0.1:%d
        bootstrap:
          dcs:
            ttl: %d
            loop_wait: %s
            retry_timeout: %d
            maximum_lag_on_failover: 1048576
            postgresql:
              use_pg_rewind: true
              use_slots: true
              parameters:
                max_connections: 50
                shared_buffers: 32MB
                wal_log_hints: 'on'
          initdb:
            - encoding: UTF8
            - data-checksums
        postgresql:
          listen: 127.0.0.1:%d
          connect_address: 127.0.0.1:%d
          data_dir: %s
          bin_dir: %s
          pgpass: %s
          use_pg_rewind: true
          remove_data_directory_on_rewind_failure: true
          remove_data_directory_on_diverged_timelines: true
          authentication:
            superuser:
              username: postgres
              password: postgres
            replication:
              username: replicator
              password: replicator
          parameters:
            unix_socket_directories: '%s'
            logging_collector: 'on'
            log_directory: log
            log_filename: postgresql.log
          pg_hba:
            - local all all trust
            - host replication replicator 127.0.0.1/32 md5
            - host all all 127.0.0.1/32 md5
        tags:
          nofailover: false
          noloadbalance: false
          clonefrom: false
          nosync: false
        """
        .formatted(
            n.name,
            n.restPort,
            n.restPort,
            etcdClientPort,
            ttl,
            num(loopWait),
            retryTimeout,
            n.pgPort,
            n.pgPort,
            n.dataDir(),
            PG_BIN,
            n.dir.resolve("pgpass"),
            n.dir);
  }

  private static String num(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }

  @Override
  public String kind() {
    return "patroni";
  }

  @Override
  public String label() {
    return "Patroni "
        + patroniVersion()
        + " + etcd (ttl "
        + ttl
        + ", loop_wait "
        + num(loopWait)
        + ", retry_timeout "
        + retryTimeout
        + ")";
  }

  @Override
  public Map<String, Object> settings() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ttl", ttl);
    m.put("loop_wait", num(loopWait));
    m.put("retry_timeout", retryTimeout);
    m.put("maximum_lag_on_failover", 1048576);
    m.put("dcs", "etcd3 (one etcd 3.4 member on loopback)");
    m.put("lease renewal", "every loop_wait (HA loop)");
    return m;
  }

  @Override
  public Map<String, Object> versions() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("patroni", patroniVersion());
    m.put("etcd", Procs.run(List.of(ETCD, "--version"), 10).lines().findFirst().orElse("?"));
    return m;
  }

  public static String patroniVersion() {
    String v = Procs.run(List.of(PATRONI, "--version"), 20);
    return v.isBlank() ? "?" : v.replace("patroni", "").trim();
  }

  @Override
  public long renewalPeriodMs() {
    return (long) (loopWait * 1000);
  }

  @Override
  public Duration failoverTimeout() {
    return Duration.ofSeconds(ttl + 3L * (long) Math.ceil(loopWait) + 60);
  }

  @Override
  public Path managerLog(Node n) {
    return n.dir.resolve("patroni.log");
  }

  @Override
  public Path postgresLog(Node n) {
    return n.dataDir().resolve("log/postgresql.log");
  }

  /** Starts etcd, then the three Patroni members. */
  @Override
  public void startAll() throws IOException {
    startEtcd();
    super.startAll();
  }

  private void startEtcd() throws IOException {
    Path data = dir.resolve("etcd");
    String client = "http://127.0.0.1:" + etcdClientPort;
    String peer = "http://127.0.0.1:" + etcdPeerPort;
    List<String> cmd =
        List.of(
            ETCD,
            "--name",
            "bench",
            "--data-dir",
            data.toString(),
            "--listen-client-urls",
            client,
            "--advertise-client-urls",
            client,
            "--listen-peer-urls",
            peer,
            "--initial-advertise-peer-urls",
            peer,
            "--initial-cluster",
            "bench=" + peer,
            "--initial-cluster-state",
            "new",
            "--log-level",
            "warn");
    etcd =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("etcd.log").toFile()))
            .start();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(client + "/health"))
                    .timeout(Duration.ofSeconds(1))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && r.body().contains("true")) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      if (!etcd.isAlive()) {
        throw new IOException(
            "etcd exited with " + etcd.exitValue() + "; see " + dir.resolve("etcd.log"));
      }
      Procs.sleep(100);
    }
    throw new IOException("etcd not healthy within 30 s; see " + dir.resolve("etcd.log"));
  }

  @Override
  protected void launch(Node n) throws IOException {
    List<String> cmd = new ArrayList<>();
    if (Procs.ROOT) {
      // setpriv execs (no fork): the PID we hold is Patroni's own
      cmd.addAll(List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"));
    }
    cmd.addAll(List.of(PATRONI, n.dir.resolve("patroni.yml").toString()));
    Path log = managerLog(n);
    if (!Files.exists(log)) {
      Files.createFile(log);
      Procs.chownToPostgres(log);
    }
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(n.dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("PG") || k.startsWith("PATRONI"));
    pb.environment().put("HOME", n.dir.toString());
    pb.environment().put("LC_ALL", "C.UTF-8");
    n.proc = pb.start();
  }

  @Override
  protected void closeExtras() {
    if (etcd != null) {
      Procs.killTree(etcd.pid());
    }
  }
}

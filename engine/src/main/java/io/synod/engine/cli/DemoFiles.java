package io.synod.engine.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** The demo's per-node YAML and process launch. */
public final class DemoFiles {
  private DemoFiles() {}

  /** What to install when PostgreSQL's server binaries are missing, or null when they are there. */
  static String missingPostgres() {
    Path debian = Path.of("/usr/lib/postgresql");
    try (var s = Files.list(debian)) {
      if (s.anyMatch(v -> Files.isExecutable(v.resolve("bin/pg_ctl")))) {
        return null;
      }
    } catch (IOException e) {
      // not there
    }
    return "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin; install them with: apt-get install -y postgresql-15";
  }

  static Path writeNodeConfig(
      Path dir, String scope, int i, int restPort, int pgPort, int raftPort, Secrets secrets)
      throws IOException {
    Path nodeDir = dir.resolve("node" + i);
    Files.createDirectories(nodeDir);
    List<String> raft =
        List.of(
            "127.0.0.1:" + raftPort, "127.0.0.1:" + (raftPort + 1), "127.0.0.1:" + (raftPort + 2));
    String yml =
        nodeYaml(
            scope,
            "node" + i,
            restPort + i - 1,
            pgPort + i - 1,
            raft,
            i - 1,
            nodeDir,
            "",
            "",
            secrets);
    Path file = dir.resolve("node" + i + ".yml");
    writePrivate(file, yml);
    return file;
  }

  /**
   * The passwords a demo or fixture cluster's node files carry (the same on every node).
   *
   * @param raftPassword raft.password, or null for an unauthenticated Raft transport
   */
  public record Secrets(String raftPassword, String superuserPassword, String replicationPassword) {
    /** The demo's: a fresh Raft secret, and the PostgreSQL passwords the demo prints. */
    public static Secrets demo() {
      return new Secrets(newClusterSecret(), "postgres", "replicator");
    }

    /** Every password fresh and random. */
    public static Secrets random() {
      return new Secrets(newClusterSecret(), newClusterSecret(), newClusterSecret());
    }

    @Override
    public String toString() {
      return "Secrets[raft=" + (raftPassword == null ? "none" : "***") + ", postgres=***]";
    }
  }

  /**
   * A fresh cluster secret for raft.password: 32 random bytes, base64. One per demo or fixture
   * cluster, so the authenticated Raft transport is the one that runs and is tested.
   */
  public static String newClusterSecret() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return Base64.getEncoder().encodeToString(b);
  }

  /**
   * Writes a file only its owner can read (0600 from its creation): node configs hold passwords.
   */
  public static void writePrivate(Path file, String text) throws IOException {
    Files.deleteIfExists(file);
    Files.createFile(
        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, text);
  }

  /**
   * One node's YAML (Patroni's format plus Synod's raft section), as the demo and the test fixtures
   * write it: everything on 127.0.0.1, data under {@code nodeDir}.
   *
   * @param raftPeers every node's Raft address; {@code self} indexes this node's
   * @param extraDcs YAML lines added under bootstrap.dcs (indented by 4), e.g. " ttl: 3\n"
   * @param tags YAML lines under a top-level tags section (indented by 2), or empty
   * @param secrets the cluster's passwords (the same on every node)
   */
  public static String nodeYaml(
      String scope,
      String name,
      int restPort,
      int pgPort,
      List<String> raftPeers,
      int self,
      Path nodeDir,
      String extraDcs,
      String tags,
      Secrets secrets) {
    List<String> partners = new ArrayList<>(raftPeers);
    partners.remove(self);
    return """
        # Written by Synod (demo or test fixture). Patroni's format; raft is Synod's own store.
        scope: %s
        name: %s
        restapi:
          listen: 127.0.0.1:%d
          connect_address: 127.0.0.1:%d
        raft:
          data_dir: %s
          self_addr: %s
          partner_addrs: [%s]
        %s
        bootstrap:
          dcs:
        %s    postgresql:
              use_pg_rewind: true
              parameters:
                max_connections: 50
                shared_buffers: 32MB
          initdb:
            - encoding: UTF8
            - data-checksums
        postgresql:
          listen: 127.0.0.1:%d
          connect_address: 127.0.0.1:%d
          data_dir: %s
          use_pg_rewind: true
          authentication:
            superuser:
              username: postgres
              password: '%s'
            replication:
              username: replicator
              password: '%s'
        """
            .formatted(
                scope,
                name,
                restPort,
                restPort,
                nodeDir.resolve("raft"),
                raftPeers.get(self),
                String.join(", ", partners),
                secrets.raftPassword() == null
                    ? "  # no password: Raft peers are not authenticated"
                    : "  password: '"
                        + secrets.raftPassword()
                        + "'  # peers authenticate with this secret",
                extraDcs,
                pgPort,
                pgPort,
                nodeDir.resolve("pgdata"),
                secrets.superuserPassword(),
                secrets.replicationPassword())
        + (tags.isEmpty() ? "" : "tags:\n" + tags);
  }

  /**
   * A database node's YAML made a witness's: its postgresql section (the last top-level section but
   * tags) goes, {@code tags: {witness: true}} comes.
   */
  public static String witnessYaml(String databaseNodeYaml) {
    StringBuilder out = new StringBuilder();
    boolean inPostgresql = false;
    boolean inTags = false;
    for (String line : databaseNodeYaml.split("\n", -1)) {
      boolean topLevel = !line.isEmpty() && !Character.isWhitespace(line.charAt(0));
      if (topLevel) {
        inPostgresql = line.startsWith("postgresql:");
        inTags = line.startsWith("tags:");
        if (inTags) {
          out.append(line).append('\n').append("  witness: true\n");
          continue;
        }
      }
      if (!inPostgresql) {
        out.append(line).append('\n');
      }
    }
    String yml = out.toString();
    return yml.contains("\ntags:") ? yml : yml + "tags:\n  witness: true\n";
  }

  /** Starts {@code synod run NODE_YML} as its own JVM, output appended to {@code log}. */
  public static Process startNode(Path yml, Path log) throws IOException {
    // Three nodes share one machine here: C1-only JIT and the serial GC keep a starting JVM from
    // starving its neighbours' Raft heartbeats (a 300 ms election timeout tolerates little).
    List<String> cmd = new ArrayList<>();
    // Its own session and process group, as a service manager would start it: a signal to the
    // demo's (or the test's) group does not reach the node, and faults aimed at one node's
    // process group (kill -STOP -PGID) hit only that node.
    if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
      cmd.add("/usr/bin/setsid");
    }
    // Under nohup (or anything that ignores SIGHUP) a JVM cannot install its SIGHUP handler, and
    // `kill -HUP` would not reload the node; its own session keeps terminal hangups away anyway.
    if (Files.isExecutable(Path.of("/usr/bin/env"))) {
      cmd.addAll(List.of("/usr/bin/env", "--default-signal=HUP"));
    }
    cmd.addAll(io.synod.store.JvmFlags.nodeJava());
    // the launcher's class archive, when there is one for this jar (ClassArchive)
    cmd.addAll(ClassArchive.flags(System.getProperty("java.class.path")));
    // temp files (captured command output) stay in the node's dir: a killed node leaves nothing in
    // /tmp
    cmd.add("-Djava.io.tmpdir=" + log.getParent());
    cmd.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            SynodMain.class.getName(),
            "run",
            yml.toString()));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    // one dir per node: RocksDB extracts its native library under a fixed name there
    pb.environment().put("ROCKSDB_SHAREDLIB_DIR", log.getParent().toString());
    io.synod.store.JvmFlags.NODE_ENV.forEach(pb.environment()::putIfAbsent); // as bin/synod
    return pb.start();
  }
}

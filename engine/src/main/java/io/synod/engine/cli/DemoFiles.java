package io.synod.engine.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The demo's per-node YAML and process launch. */
final class DemoFiles {
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

  static Path writeNodeConfig(Path dir, String scope, int i, int restPort, int pgPort, int raftPort) throws IOException {
    Path nodeDir = dir.resolve("node" + i);
    Files.createDirectories(nodeDir);
    List<String> partners = new ArrayList<>();
    for (int j = 1; j <= 3; j++) {
      if (j != i) {
        partners.add("127.0.0.1:" + (raftPort + j - 1));
      }
    }
    String yml = """
        # Written by 'synod demo'. Patroni's format; raft is Synod's own store.
        scope: %s
        name: node%d
        restapi:
          listen: 127.0.0.1:%d
          connect_address: 127.0.0.1:%d
        raft:
          data_dir: %s
          self_addr: 127.0.0.1:%d
          partner_addrs: [%s]
        bootstrap:
          dcs:
            postgresql:
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
              password: postgres
            replication:
              username: replicator
              password: replicator
        """.formatted(scope, i, restPort + i - 1, restPort + i - 1, nodeDir.resolve("raft"), raftPort + i - 1,
        String.join(", ", partners), pgPort + i - 1, pgPort + i - 1, nodeDir.resolve("pgdata"));
    Path file = dir.resolve("node" + i + ".yml");
    Files.writeString(file, yml);
    return file;
  }

  /** Starts {@code synod run NODE_YML} as its own JVM, output appended to {@code log}. */
  static Process startNode(Path yml, Path log) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx384m"));
    cmd.addAll(JvmFlags.REQUIRED);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), SynodMain.class.getName(), "run", yml.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    // one dir per node: RocksDB extracts its native library under a fixed name there
    pb.environment().put("ROCKSDB_SHAREDLIB_DIR", log.getParent().toString());
    return pb.start();
  }
}

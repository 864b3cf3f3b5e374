package io.synod.engine.cli;

import io.synod.bridges.BridgeConfig;
import io.synod.bridges.Bridges;
import io.synod.config.ConfigException;
import io.synod.config.ConfigLoader;
import io.synod.config.LogConfig;
import io.synod.config.SynodConfig;
import io.synod.engine.PgVersions;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code synod --validate-config NODE_YML}: everything that would stop this node from starting,
 * listed at once (the YAML and PATRONI_* variables, the mirror sections, the PostgreSQL binaries
 * and their version, the data and log directories, {@code #FIXME} placeholders left by {@code
 * --generate-sample-config}), then the warnings. Exit 0 when the node could start, 1 otherwise.
 */
final class ValidateConfig {
  static final String FIXME = "#FIXME";

  private ValidateConfig() {}

  static int run(Path file, Map<String, String> env, PrintStream out, PrintStream err) {
    List<String> problems = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    SynodConfig cfg = null;
    try {
      cfg = ConfigLoader.read(file, env);
      warnings.addAll(cfg.warnings());
    } catch (ConfigException e) {
      problems.addAll(e.problems());
    }
    if (cfg != null) {
      String where = cfg.source() == null ? "config" : cfg.source().toString();
      fixmes(where, "", cfg.raw(), problems);
      if (cfg.raft() == null) {
        problems.add(
            where
                + ": raft: required (Synod runs its own Raft store; etcd3/zookeeper/consul are"
                + " mirror targets)");
      }
      try {
        BridgeConfig bc = Bridges.config(cfg);
        bc.warnings().forEach(w -> warnings.add(where + ": " + w));
      } catch (RuntimeException e) {
        problems.add(where + ": " + e.getMessage());
      }
      try {
        io.synod.engine.api.Tls.serverContext(cfg.restapi()); // certfile/keyfile/cafile, ciphers
      } catch (IllegalStateException e) {
        problems.add(where + ": " + e.getMessage());
      }
      if (!cfg.witness()) { // a witness needs no PostgreSQL binaries or data directory
        postgres(where, cfg, problems);
      }
      logDir(where, cfg.log(), problems);
    }
    for (String w : warnings) {
      err.println("warning: " + w);
    }
    if (problems.isEmpty()) {
      out.println(file + ": valid");
      return 0;
    }
    err.println(
        file + ": " + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + ":");
    for (String p : problems) {
      err.println("  " + p);
    }
    return 1;
  }

  private static void postgres(String where, SynodConfig cfg, List<String> problems) {
    Path pgCtl;
    try {
      pgCtl = cfg.postgresql().binary("pg_ctl");
    } catch (ConfigException e) {
      problems.addAll(e.problems());
      return;
    }
    try {
      PgVersions.check(pgCtl, cfg.postgresql().dataDir());
    } catch (IllegalStateException e) {
      problems.add(where + ": " + e.getMessage());
    }
    Path data = cfg.postgresql().dataDir();
    if (data != null && Files.exists(data) && !Files.isDirectory(data)) {
      problems.add(where + ": postgresql.data_dir: " + data + " is not a directory");
    } else if (data != null
        && Files.isDirectory(data)
        && !Files.exists(data.resolve("PG_VERSION"))
        && !isEmpty(data)) {
      problems.add(
          where
              + ": postgresql.data_dir: "
              + data
              + " is neither empty nor a PostgreSQL data directory (no PG_VERSION)");
    }
  }

  private static void logDir(String where, LogConfig log, List<String> problems) {
    Path dir = log.dir();
    if (dir == null) {
      return;
    }
    Path existing = dir;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null || !Files.isDirectory(existing) || !Files.isWritable(existing)) {
      problems.add(
          where
              + ": log.dir: "
              + dir
              + (Files.exists(dir) ? " is not a writable directory" : " cannot be created"));
    }
  }

  private static boolean isEmpty(Path dir) {
    try (var s = Files.list(dir)) {
      return s.findAny().isEmpty();
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /** Values still set to #FIXME by --generate-sample-config. */
  private static void fixmes(String where, String path, Object v, List<String> out) {
    if (v instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        fixmes(
            where, path.isEmpty() ? "" + e.getKey() : path + "." + e.getKey(), e.getValue(), out);
      }
    } else if (v instanceof List<?> l) {
      for (int i = 0; i < l.size(); i++) {
        fixmes(where, path + "[" + i + "]", l.get(i), out);
      }
    } else if (v instanceof String s && s.contains(FIXME)) {
      out.add(where + ": " + path + ": still " + FIXME + " (fill it in)");
    }
  }
}

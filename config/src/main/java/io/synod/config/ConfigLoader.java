package io.synod.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a Patroni-style YAML file, applies {@code PATRONI_*} environment overrides, then types and
 * validates everything, reporting all problems at once in a {@link ConfigException}.
 *
 * <p>Where the configuration comes from:
 *
 * <ol>
 *   <li>{@code PATRONI_CONFIGURATION}, when set and non-empty, is the whole YAML: the file is not
 *       read and the other {@code PATRONI_*} variables are ignored (with a warning each).
 *   <li>Otherwise the file (or, for a directory, every {@code *.yml}/{@code *.yaml} in it, merged
 *       in name order), with the {@code PATRONI_*} variables applied on top.
 *   <li>With no file, the {@code PATRONI_*} variables alone.
 * </ol>
 *
 * Patroni itself prefers an existing file over {@code PATRONI_CONFIGURATION}; Synod lets the
 * variable win so a container can replace a baked-in file without deleting it.
 */
public final class ConfigLoader {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigLoader.class);

  /** Patroni reserves this member name for strict synchronous mode. */
  static final String RESERVED_NAME = "__patroni_strict_sync_replica_placeholder__";

  private ConfigLoader() {}

  /**
   * @param file a YAML file or a directory of them; null = environment only
   * @param env the environment, usually {@code System.getenv()}
   * @throws ConfigException listing every problem (unreadable file, bad YAML, invalid values)
   */
  public static SynodConfig load(Path file, Map<String, String> env) {
    SynodConfig c = read(file, env);
    c.warnings().forEach(w -> LOG.warn("{}", w));
    return c;
  }

  /**
   * Same as {@link #load} without logging the warnings: a node configures its logging from the
   * result first, then logs them ({@link SynodConfig#warnings()}) where the operator wants them.
   */
  public static SynodConfig read(Path file, Map<String, String> env) {
    Map<String, String> e = env == null ? Map.of() : env;
    if (hasConfiguration(e)) {
      return fromConfigurationVariable(e);
    }
    if (file == null) {
      return build(new LinkedHashMap<>(), "environment", null, e);
    }
    Problems io = new Problems(file.toString());
    Map<String, Object> m = read(file, io);
    io.throwIfErrors();
    return build(m, file.toString(), file, e);
  }

  /**
   * Same as {@link #load} for YAML already in memory.
   *
   * @param originName how problems name the source, e.g. {@code "node1.yml"}
   */
  public static SynodConfig fromYaml(String yaml, String originName, Map<String, String> env) {
    Map<String, String> e = env == null ? Map.of() : env;
    SynodConfig c;
    if (hasConfiguration(e)) {
      c = fromConfigurationVariable(e);
    } else {
      Problems p = new Problems(originName);
      Map<String, Object> m = parseTop(yaml, originName, p);
      p.throwIfErrors();
      c = build(m, originName, null, e);
    }
    c.warnings().forEach(w -> LOG.warn("{}", w));
    return c;
  }

  /**
   * The tree the {@code PATRONI_*} variables of {@code env} set (Patroni's rules), e.g. {@code
   * {scope: main, postgresql: {authentication: {superuser: {password: ...}}}}}; problems with the
   * variables are ignored here (loading the result reports them). Used by {@code synod
   * --generate-sample-config}, which fills the sample from the environment as Patroni does.
   */
  public static Map<String, Object> environmentOverrides(Map<String, String> env) {
    return Maps.mutableCopy(EnvOverrides.build(env, new Problems("environment")).tree);
  }

  private static boolean hasConfiguration(Map<String, String> env) {
    String c = env.get(EnvOverrides.CONFIGURATION);
    return c != null && !c.isBlank();
  }

  private static SynodConfig fromConfigurationVariable(Map<String, String> env) {
    String origin = EnvOverrides.CONFIGURATION;
    Problems p = new Problems(origin);
    Map<String, Object> m = parseTop(env.get(origin), origin, p);
    p.throwIfErrors();
    return build(m, origin, null, null, env);
  }

  private static SynodConfig build(
      Map<String, Object> fileMap, String origin, Path source, Map<String, String> env) {
    return build(fileMap, origin, source, env, null);
  }

  /**
   * @param env overrides to apply; null when PATRONI_CONFIGURATION made them irrelevant
   */
  private static SynodConfig build(
      Map<String, Object> fileMap,
      String origin,
      Path source,
      Map<String, String> env,
      Map<String, String> ignoredEnv) {
    Problems envProblems = new Problems("environment");
    Map<String, String> sources = Map.of();
    Map<String, Object> merged = fileMap;
    if (env != null) {
      EnvOverrides o = EnvOverrides.build(env, envProblems);
      merged = Maps.mergePatch(fileMap, o.tree);
      sources = o.sources;
    } else if (ignoredEnv != null) {
      EnvOverrides.warnIgnoredBecauseOfConfiguration(ignoredEnv, envProblems);
    }
    Problems p = new Problems(origin, "", sources);
    p.addAll(envProblems.errors(), envProblems.warnings());
    SynodConfig config = type(merged, p, source);
    p.throwIfErrors();
    return config;
  }

  static SynodConfig type(Map<String, Object> m, Problems p, Path source) {
    Section root = new Section(p, "", m);
    String scope = root.requiredString("scope");
    String namespace = root.string("namespace", SynodConfig.DEFAULT_NAMESPACE);
    String name = root.requiredString("name");
    if (RESERVED_NAME.equals(name)) {
      root.error("name", Problems.show(name) + " is reserved by Patroni");
    }
    RestApiConfig restapi = RestApiConfig.from(root.section("restapi"));
    CtlConfig ctl = CtlConfig.from(root.section("ctl"));
    Section raftSection = root.section("raft");
    RaftConfig raft = raftSection.present() ? RaftConfig.from(raftSection) : null;
    Map<String, Object> etcd3 = root.mapValue("etcd3");
    Map<String, Object> zookeeper = root.mapValue("zookeeper");
    Map<String, Object> consul = root.mapValue("consul");
    checkOneDcs(root, raftSection.present(), etcd3, zookeeper, consul);
    BootstrapConfig bootstrap = BootstrapConfig.from(root.section("bootstrap"));
    Section pgSection = root.section("postgresql");
    Tags tags = Tags.from(root.section("tags"));
    boolean witness = tags.witness() || (raftSection.present() && !pgSection.present());
    PostgresqlConfig postgresql = null;
    if (!witness) {
      postgresql = PostgresqlConfig.from(pgSection);
    } else if (pgSection.present()) {
      refuseWitnessDatabase(root, pgSection);
    } else if (!tags.witness()) {
      // A misspelt section (postgres:) must not quietly turn a database node into a witness.
      root.warn(
          "postgresql",
          "no postgresql section: this node runs as a witness (a Raft voter with no database that"
              + " never becomes primary); set tags.witness: true to say so and silence this"
              + " warning, or add the postgresql section to make it a database node");
    }
    if (postgresql != null) {
      checkStreamTags(root, name, tags, postgresql, bootstrap.dcs());
    }
    LogConfig log = LogConfig.from(root.section("log"));
    Section wd = root.section("watchdog");
    WatchdogConfig watchdog = wd.present() ? WatchdogConfig.from(wd) : WatchdogConfig.defaults();
    // bridge: Synod's own section for the etcd3/zookeeper/consul mirrors (typed by the dcs-bridges
    // module)
    root.raw("bridge");
    root.accept("thread_pool_size", "thread_stack_size");
    root.notUsed("kubernetes", "etcd", "exhibitor", "citus");
    root.finish();
    if (raft != null) {
      checkRaftTiming(root, raft, bootstrap.dcs(), watchdog);
    }
    watchdog.check(root, bootstrap.dcs().ttlSeconds());
    return new SynodConfig(
        scope,
        namespace,
        name,
        restapi,
        ctl,
        raft,
        etcd3,
        zookeeper,
        consul,
        bootstrap,
        postgresql,
        witness,
        tags,
        log,
        watchdog,
        source,
        m,
        p.warnings());
  }

  /**
   * replicatefrom and nostream are honoured as Patroni does; the combinations that would not do
   * what the operator expects are said once at start: a nostream replica with no restore_command
   * never receives WAL, a replicatefrom naming the node itself or beside nostream has no effect.
   */
  private static void checkStreamTags(
      Section root, String name, Tags tags, PostgresqlConfig pg, DynamicConfig dcs) {
    String from = tags.replicatefrom();
    if (tags.nostream()) {
      boolean restore =
          pg.recoveryConf().containsKey("restore_command")
              || pg.parameters().containsKey("restore_command")
              || dcs.postgresqlParameters().containsKey("restore_command");
      if (!restore) {
        root.warn(
            "tags.nostream",
            "this replica streams no WAL and no restore_command is set (postgresql.recovery_conf"
                + " or parameters): it will not receive any WAL until one is");
      }
      if (from != null) {
        root.warn("tags.replicatefrom", "has no effect beside tags.nostream: nothing is streamed");
      }
    } else if (from != null && from.equals(name)) {
      root.warn("tags.replicatefrom", "names this node itself; it streams from the leader");
    }
  }

  /**
   * A witness runs no PostgreSQL: a postgresql section beside tags.witness is a contradiction (the
   * operator meant a database node, or left a template's section in). Reported where each part was
   * set: the file, or each PATRONI_* variable.
   */
  private static void refuseWitnessDatabase(Section root, Section pg) {
    String why =
        "a witness (tags.witness: true) runs no PostgreSQL; remove the postgresql section, or"
            + " tags.witness to make this a database node";
    java.util.Set<String> reported = new java.util.LinkedHashSet<>();
    List<String> leaves = new ArrayList<>();
    leafPaths("postgresql", pg.map(), leaves);
    if (leaves.isEmpty()) {
      leaves.add("postgresql");
    }
    for (String leaf : leaves) {
      String source = root.problems().source(leaf);
      if (source.equals(root.problems().origin())) {
        if (reported.add(source)) {
          root.error("postgresql", why);
        }
      } else if (reported.add(source)) {
        root.problems().error(leaf, why);
      }
    }
  }

  private static void leafPaths(String path, Map<String, Object> m, List<String> out) {
    for (Map.Entry<String, Object> e : m.entrySet()) {
      String p = path + "." + e.getKey();
      if (e.getValue() instanceof Map<?, ?> sub && !sub.isEmpty()) {
        leafPaths(p, Section.cast(sub), out);
      } else {
        out.add(p);
      }
    }
  }

  private static void checkOneDcs(
      Section root,
      boolean raft,
      Map<String, Object> etcd3,
      Map<String, Object> zookeeper,
      Map<String, Object> consul) {
    List<String> configured = new ArrayList<>();
    if (raft) {
      configured.add("raft");
    }
    if (etcd3 != null) {
      configured.add("etcd3");
    }
    if (zookeeper != null) {
      configured.add("zookeeper");
    }
    if (consul != null) {
      configured.add("consul");
    }
    if (configured.isEmpty()) {
      root.error(
          "raft",
          "required: Synod keeps its cluster state in an embedded Raft group (or configure "
              + "one of etcd3, zookeeper, consul)");
    } else if (configured.size() > 1 && !raft) {
      // Members choosing different stores would each see a different leader lock. With raft, the
      // etcd3/zookeeper/consul sections are mirror targets (dcs-bridges), any number of them.
      root.error(
          configured.get(1),
          "more than one DCS configured (" + String.join(", ", configured) + "); keep exactly one");
    }
  }

  /**
   * A Raft leader change blocks DCS writes, lease renewals included. With jraft's election delay at
   * half a timeout, a follower finds a dead leader silent at most 2.5 election timeouts after its
   * last heartbeat, and the vote takes milliseconds (measured: median 2x, about one election in ten
   * needs a second round). The primary believes its lease until ttl less the 2% drift margin after
   * its last renewal, is fenced safety_margin before that, and retries a failed renewal every
   * ttl/16: a leader change longer than that slack makes a healthy primary demote (safe, but an
   * outage).
   */
  private static void checkRaftTiming(
      Section root, RaftConfig raft, DynamicConfig dcs, WatchdogConfig watchdog) {
    double ttl = dcs.ttlSeconds();
    double electionWorst = 2.5 * raft.electionTimeoutMs() / 1000.0;
    double slack = ttl * 0.98 - watchdog.safetyMarginMs(ttl) / 1000.0 - ttl / 16;
    if (electionWorst > slack) {
      root.warn(
          "raft.election_timeout_ms",
          raft.electionTimeoutMs()
              + " ms: a Raft leader change can take 2.5x that ("
              + Problems.num(electionWorst)
              + " s), more than the primary's lease slack, ttl*0.98 - watchdog.safety_margin"
              + " - ttl/16 ("
              + Problems.num(Math.round(slack * 1000) / 1000.0)
              + " s); the primary may demote during one");
    }
  }

  private static Map<String, Object> read(Path file, Problems p) {
    if (Files.isDirectory(file)) {
      // Patroni: every *.yml / *.yaml in the directory, merged in name order.
      List<Path> files;
      try (Stream<Path> s = Files.list(file)) {
        files =
            s.filter(
                    f ->
                        Files.isRegularFile(f)
                            && (f.toString().endsWith(".yml") || f.toString().endsWith(".yaml")))
                .sorted()
                .toList();
      } catch (IOException e) {
        p.errorLine(file + ": cannot read directory: " + e);
        return Map.of();
      }
      if (files.isEmpty()) {
        p.errorLine(file + ": directory has no *.yml or *.yaml files");
      }
      Map<String, Object> merged = new LinkedHashMap<>();
      for (Path f : files) {
        Map<String, Object> one = readFile(f, p);
        if (one != null) {
          Maps.mergePatch(merged, one);
        }
      }
      return merged;
    }
    Map<String, Object> m = readFile(file, p);
    return m == null ? new LinkedHashMap<>() : m;
  }

  private static Map<String, Object> readFile(Path f, Problems p) {
    String text;
    try {
      text = Files.readString(f, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      p.errorLine(f + ": file not found");
      return null;
    } catch (java.nio.charset.CharacterCodingException e) {
      p.errorLine(f + ": cannot read: not UTF-8 text");
      return null;
    } catch (IOException e) {
      p.errorLine(
          f
              + ": cannot read: "
              + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : " " + e.getMessage()));
      return null;
    }
    return parseTop(text, f.toString(), p);
  }

  private static Map<String, Object> parseTop(String text, String origin, Problems p) {
    Object parsed;
    try {
      parsed = YamlText.parse(text == null ? "" : text, origin);
    } catch (YamlText.SyntaxError e) {
      p.errorLine(e.getMessage());
      return null;
    }
    if (parsed == null) {
      p.errorLine(
          origin + ": empty; expected a YAML mapping (scope, name, restapi, raft, postgresql...)");
      return null;
    }
    if (!(parsed instanceof Map<?, ?> m)) {
      p.errorLine(
          origin + ": expected a YAML mapping at the top level, got " + Problems.typeName(parsed));
      return null;
    }
    return Section.cast(m);
  }
}

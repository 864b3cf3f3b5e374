package io.synod.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A node's typed, validated configuration: Patroni's YAML layout plus Synod's {@code raft} section,
 * after {@code PATRONI_*} environment overrides. Built by {@link ConfigLoader}; immutable.
 *
 * <p>As in Patroni, {@code bootstrap.dcs} ({@link #dynamic()}) only seeds the cluster-wide
 * configuration kept in the DCS; everything else ({@link #localOnly()}) belongs to this node.
 */
public final class SynodConfig {
  public static final String DEFAULT_NAMESPACE = "/service";

  private final String scope;
  private final String namespace;
  private final String name;
  private final RestApiConfig restapi;
  private final CtlConfig ctl;
  private final RaftConfig raft;
  private final Map<String, Object> etcd3;
  private final Map<String, Object> zookeeper;
  private final Map<String, Object> consul;
  private final BootstrapConfig bootstrap;
  private final PostgresqlConfig postgresql;
  private final boolean witness;
  private final Tags tags;
  private final LogConfig log;
  private final WatchdogConfig watchdog;
  private final Path source;
  private final Map<String, Object> raw;
  private final List<String> warnings;

  SynodConfig(
      String scope,
      String namespace,
      String name,
      RestApiConfig restapi,
      CtlConfig ctl,
      RaftConfig raft,
      Map<String, Object> etcd3,
      Map<String, Object> zookeeper,
      Map<String, Object> consul,
      BootstrapConfig bootstrap,
      PostgresqlConfig postgresql,
      boolean witness,
      Tags tags,
      LogConfig log,
      WatchdogConfig watchdog,
      Path source,
      Map<String, Object> raw,
      List<String> warnings) {
    this.scope = scope;
    this.namespace = namespace;
    this.name = name;
    this.restapi = restapi;
    this.ctl = ctl;
    this.raft = raft;
    this.etcd3 = etcd3;
    this.zookeeper = zookeeper;
    this.consul = consul;
    this.bootstrap = bootstrap;
    this.postgresql = postgresql;
    this.witness = witness;
    this.tags = tags;
    this.log = log;
    this.watchdog = watchdog;
    this.source = source;
    this.raw = Maps.immutableCopy(raw);
    this.warnings = List.copyOf(warnings);
  }

  /** How a primary is fenced (Patroni's watchdog section). */
  public WatchdogConfig watchdog() {
    return watchdog;
  }

  /** Cluster name. */
  public String scope() {
    return scope;
  }

  /** DCS path prefix, default {@value #DEFAULT_NAMESPACE}. */
  public String namespace() {
    return namespace;
  }

  /** This member's name, unique in the cluster. */
  public String name() {
    return name;
  }

  /**
   * Where the cluster's keys live: {@code /<namespace>/<scope>} with duplicate slashes collapsed
   * (Patroni).
   */
  public String basePath() {
    return ("/" + namespace + "/" + scope).replaceAll("/+", "/");
  }

  public RestApiConfig restapi() {
    return restapi;
  }

  public CtlConfig ctl() {
    return ctl;
  }

  /** The embedded Raft group; null when another DCS is configured. */
  public RaftConfig raft() {
    return raft;
  }

  /** {@code etcd3} section as written; null when absent. */
  public Map<String, Object> etcd3() {
    return etcd3;
  }

  /** {@code zookeeper} section as written; null when absent. */
  public Map<String, Object> zookeeper() {
    return zookeeper;
  }

  /** {@code consul} section as written; null when absent. */
  public Map<String, Object> consul() {
    return consul;
  }

  /** Which DCS is configured: raft, etcd3, zookeeper or consul (exactly one is). */
  public String dcs() {
    return raft != null
        ? "raft"
        : etcd3 != null ? "etcd3" : zookeeper != null ? "zookeeper" : "consul";
  }

  public BootstrapConfig bootstrap() {
    return bootstrap;
  }

  /** This node's PostgreSQL; null on a {@link #witness()}. */
  public PostgresqlConfig postgresql() {
    return postgresql;
  }

  /**
   * A witness: a Raft voter that holds no database ({@code tags.witness: true}, or a raft section
   * and no postgresql section). It never bootstraps, clones, runs PostgreSQL or takes the leader
   * lock; two database nodes and a witness make a cluster that survives the loss of any one.
   */
  public boolean witness() {
    return witness;
  }

  public Tags tags() {
    return tags;
  }

  public LogConfig log() {
    return log;
  }

  /**
   * The file or directory read; null when the config came from PATRONI_CONFIGURATION or a string.
   */
  public Path source() {
    return source;
  }

  /**
   * The merged map (file + environment overrides) that was typed. Contains secrets: do not log it.
   */
  public Map<String, Object> raw() {
    return raw;
  }

  /**
   * Non-fatal problems (unknown keys, Patroni settings Synod ignores...), each naming origin and
   * path.
   */
  public List<String> warnings() {
    return warnings;
  }

  /** The dynamic configuration seeded from {@code bootstrap.dcs} (Synod defaults when absent). */
  public DynamicConfig dynamic() {
    return bootstrap.dcs();
  }

  /** {@link #raw()} without {@code bootstrap.dcs}: the settings that belong to this node only. */
  public Map<String, Object> localOnly() {
    Map<String, Object> m = Maps.mutableCopy(raw);
    if (m.get("bootstrap") instanceof Map<?, ?> b) {
      Map<String, Object> copy = Maps.mutableCopy(b);
      copy.remove("dcs");
      m.put("bootstrap", copy);
    }
    return Maps.immutableCopy(m);
  }

  @Override
  public String toString() {
    return "SynodConfig[scope="
        + scope
        + ", name="
        + name
        + ", namespace="
        + namespace
        + ", dcs="
        + dcs()
        + ", source="
        + source
        + "]";
  }
}

package io.synod.bridges;

import io.synod.config.SynodConfig;
import io.synod.store.RaftStore;
import io.synod.store.cluster.ClusterStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridges of one node, built from its YAML ({@code etcd3}, {@code zookeeper}, {@code consul},
 * {@code bridge}): one {@link Mirror} per configured {@link Target}. Empty when none is configured.
 * Every node runs the same bridges; only the one that is the Raft leader writes.
 */
public final class Bridges implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Bridges.class);

  private final List<Mirror> bridges;

  public Bridges(List<Mirror> bridges) {
    this.bridges = List.copyOf(bridges);
  }

  public static Bridges none() {
    return new Bridges(List.of());
  }

  /**
   * Types the node's {@code etcd3}, {@code zookeeper}, {@code consul} and {@code bridge} sections
   * and logs the settings it ignores. Call it before starting anything, so a bad section stops the
   * node early.
   *
   * @throws BridgeConfigException when a section is wrong (each problem names its field)
   */
  public static BridgeConfig config(SynodConfig cfg) {
    BridgeConfig bc =
        BridgeConfig.parse(cfg.etcd3(), cfg.zookeeper(), cfg.consul(), cfg.raw().get("bridge"));
    for (String w : bc.warnings()) {
      LOG.warn("{}: {}", cfg.source() == null ? "config" : cfg.source().getFileName(), w);
    }
    return bc;
  }

  /**
   * The bridges {@code bc} asks for, reading this node's Raft replica; call {@link #start()} next.
   */
  public static Bridges fromConfig(
      BridgeConfig bc, SynodConfig cfg, RaftStore raft, ClusterStore store) {
    MirrorOptions opts =
        MirrorOptions.defaults(cfg.dynamic().ttl().toMillis(), cfg.name(), bc.acceptRequests());
    return create(bc, new RaftMirrorSource(raft, store), opts);
  }

  public static Bridges create(BridgeConfig bc, MirrorSource source, MirrorOptions opts) {
    List<Target> targets = new ArrayList<>();
    if (bc.etcd() != null) {
      targets.add(new EtcdTarget(bc.etcd(), source.store().keys(), opts));
    }
    if (bc.zookeeper() != null) {
      targets.add(new ZooKeeperTarget(bc.zookeeper(), source.store().keys(), opts));
    }
    if (bc.consul() != null) {
      targets.add(new ConsulTarget(bc.consul(), source.store().keys(), opts));
    }
    return new Bridges(targets.stream().map(t -> new Mirror(source, t, opts)).toList());
  }

  /** Starts every bridge's threads; returns at once (no network I/O here). */
  public Bridges start() {
    bridges.forEach(Mirror::start);
    return this;
  }

  /**
   * One entry per bridge: {@code synod_bridge_up} and {@code synod_bridge_lag_seconds} come from
   * here.
   */
  public List<BridgeMetrics> metrics() {
    return bridges.stream().map(Mirror::metrics).toList();
  }

  /**
   * The bridges' metrics in Prometheus text format (HELP/TYPE lines included), ready to append to
   * {@code /metrics}; empty when no bridge is configured.
   */
  public String prometheus() {
    return prometheus(metrics());
  }

  static String prometheus(List<BridgeMetrics> ms) {
    if (ms.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    b.append(
        "# HELP synod_bridge_up 1 when the last call to the mirror target (write, keepalive or probe) succeeded\n");
    b.append("# TYPE synod_bridge_up gauge\n");
    for (BridgeMetrics m : ms) {
      b.append("synod_bridge_up{target=\"")
          .append(m.target())
          .append("\"} ")
          .append(m.up() ? 1 : 0)
          .append('\n');
    }
    b.append(
        "# HELP synod_bridge_lag_seconds Age of the oldest store change not yet mirrored into the target "
            + "(0 when caught up or on nodes that do not write the mirror)\n");
    b.append("# TYPE synod_bridge_lag_seconds gauge\n");
    for (BridgeMetrics m : ms) {
      b.append("synod_bridge_lag_seconds{target=\"")
          .append(m.target())
          .append("\"} ")
          .append(String.format(Locale.ROOT, "%.3f", m.lagSeconds()))
          .append('\n');
    }
    b.append("# HELP synod_bridge_writer 1 on the node that writes the mirror (the Raft leader)\n");
    b.append("# TYPE synod_bridge_writer gauge\n");
    for (BridgeMetrics m : ms) {
      b.append("synod_bridge_writer{target=\"")
          .append(m.target())
          .append("\"} ")
          .append(m.writer() ? 1 : 0)
          .append('\n');
    }
    return b.toString();
  }

  /** Stops every bridge (bounded: a dead target does not hold up the node's shutdown). */
  @Override
  public void close() {
    for (Mirror b : bridges) {
      try {
        b.stop();
      } catch (RuntimeException e) {
        LOG.warn("bridge {}: stopping: {}", b.name(), e.toString());
      }
    }
  }
}

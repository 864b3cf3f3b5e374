package io.synod.bridges;

import java.util.List;

/** The {@code zookeeper} section as the bridge uses it: {@code hosts} as host:port strings. */
public record ZooKeeperSettings(List<String> hosts) {
  /** ZooKeeper's connect string, {@code h1:2181,h2:2181}. */
  public String connectString() {
    return String.join(",", hosts);
  }
}

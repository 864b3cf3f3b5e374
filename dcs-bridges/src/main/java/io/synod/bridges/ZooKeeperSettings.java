package io.synod.bridges;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.zookeeper.data.ACL;

/**
 * The {@code zookeeper} section as the bridge uses it.
 *
 * @param hosts host:port strings
 * @param acls Patroni's {@code set_acls}: the ACL of every znode the bridge creates; empty =
 *     ZooKeeper's default (open to everyone)
 * @param authData Patroni's {@code auth_data}: scheme -> credential sent when the session starts
 *     (e.g. digest -> user:password). Never printed.
 */
public record ZooKeeperSettings(List<String> hosts, List<ACL> acls, Map<String, String> authData) {
  public ZooKeeperSettings {
    // Not List.copyOf: ZooKeeper's validateACL asks contains(null), which immutable lists refuse.
    acls =
        acls == null
            ? Collections.emptyList()
            : Collections.unmodifiableList(new ArrayList<>(acls));
    authData = authData == null ? Map.of() : Map.copyOf(authData);
  }

  public ZooKeeperSettings(List<String> hosts) {
    this(hosts, List.of(), Map.of());
  }

  /** ZooKeeper's connect string, {@code h1:2181,h2:2181}. */
  public String connectString() {
    return String.join(",", hosts);
  }

  @Override
  public String toString() {
    return "ZooKeeperSettings[hosts="
        + hosts
        + ", acls="
        + acls.size()
        + ", authData="
        + authData.keySet()
        + "]";
  }
}

package io.synod.bridges;

/**
 * One key as the target must hold it.
 *
 * @param key relative to the cluster prefix: {@code leader}, {@code members/node1}, {@code
 *     optime/leader}
 * @param value exactly the bytes Patroni would write (member name, member JSON, ...)
 * @param ttlMs 0 for a persistent key; otherwise the key lives only while its writer does (etcd
 *     lease, ZooKeeper ephemeral node, Consul session with behavior=delete)
 */
public record MirrorEntry(String key, String value, long ttlMs) {
  public boolean ephemeral() {
    return ttlMs > 0;
  }
}

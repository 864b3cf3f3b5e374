package io.synod.engine.ha;

import io.synod.store.ReadMode;
import io.synod.store.StoreException;
import io.synod.store.cluster.ClusterStore;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's member key, for the HA loop and the witness loop alike: written at once when its
 * content changed, else every ttl/2 (its lease is ttl), so an idle node does not rewrite the same
 * value into the Raft log every loop. A key owned by another node (the same name configured twice)
 * is fatal.
 */
final class MemberKey {
  private static final Logger LOG = LoggerFactory.getLogger("io.synod.ha");

  private final String name;
  private final ClusterStore store;
  private Map<String, Object> lastTouched;
  private long lastTouchNanos;

  MemberKey(String name, ClusterStore store) {
    this.name = name;
    this.store = store;
  }

  /**
   * @param present the key is in the cluster view this loop read (or the store was not read)
   * @return null, or why this node must stop (already logged)
   */
  String refresh(Map<String, Object> data, boolean present, Duration ttl) {
    long now = System.nanoTime();
    if (present && data.equals(lastTouched) && now - lastTouchNanos < ttl.toNanos() / 2) {
      return null;
    }
    try {
      if (!store.touchMember(name, data, ttl)) {
        String other = store.memberOwner(name, ReadMode.LOCAL);
        String msg =
            "another node ("
                + other
                + ") is registered as member "
                + name
                + "; every node needs a unique name: this node stops";
        LOG.error("{}", msg);
        return msg;
      }
      lastTouched = data;
      lastTouchNanos = now;
    } catch (StoreException e) {
      LOG.warn("could not refresh my member key: {}", e.getMessage());
    }
    return null;
  }
}

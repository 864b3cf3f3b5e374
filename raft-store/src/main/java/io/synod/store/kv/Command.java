package io.synod.store.kv;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A state-machine command as it travels through the Raft log (JSON-encoded). Expiry is a command
 * too: replicas never drop keys on their own clocks.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Command(
    Op op, String key, String value, long ttlMs, String owner, Expect expect, long expireRevision) {
  public enum Op {
    PUT,
    DELETE,
    DELETE_PREFIX,
    EXPIRE
  }

  public static Command put(String key, String value, long ttlMs, String owner, Expect expect) {
    return new Command(Op.PUT, key, value, ttlMs, owner, expect, 0);
  }

  public static Command delete(String key, Expect expect) {
    return new Command(Op.DELETE, key, null, 0, null, expect, 0);
  }

  public static Command deletePrefix(String prefix) {
    return new Command(Op.DELETE_PREFIX, prefix, null, 0, null, Expect.ANY, 0);
  }

  /**
   * Proposed only by the Raft leader; applies only if the key still has the revision it saw expire.
   */
  public static Command expire(String key, long revision) {
    return new Command(Op.EXPIRE, key, null, 0, null, Expect.ANY, revision);
  }
}

package io.synod.store;

import java.io.Serializable;

/**
 * The RPCs Synod adds to jraft's transport: a follower forwards a write to the leader, or asks it
 * to keep a lease alive. Plain serializable classes: sofa-bolt encodes them with its default
 * (Hessian) serializer.
 */
public final class StoreRpc {
  private StoreRpc() {}

  public static final class Request implements Serializable {
    private static final long serialVersionUID = 1L;
    public String groupId;
    public byte[] command;
  }

  public static final class Response implements Serializable {
    private static final long serialVersionUID = 1L;

    /** null when the command was applied; otherwise NOT_LEADER, TIMEOUT, REJECTED. */
    public String error;

    public String message;
    public String leaderHint;
    public byte[] result;
  }

  /**
   * Extend the lease of {@code key} by {@code ttlMs} if it still holds {@code value} from {@code
   * owner} with that TTL. Answered with a {@link Response} whose result is one byte: 1 extended, 0
   * not (the caller writes instead).
   */
  public static final class KeepAlive implements Serializable {
    private static final long serialVersionUID = 1L;
    public String groupId;
    public String key;
    public String value;
    public String owner;
    public long ttlMs;
  }
}

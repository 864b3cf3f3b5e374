package io.synod.store;

import java.io.Serializable;

/**
 * The one RPC Synod adds to jraft's transport: a follower forwards a write to the leader. Plain
 * serializable classes: sofa-bolt encodes them with its default (Hessian) serializer.
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
}

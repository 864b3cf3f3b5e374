package io.synod.engine.api;

import io.synod.store.StoreStatus;

/**
 * What the REST API needs of the embedded Raft group ({@code io.synod.store.RaftStore}): its status
 * for /raft and /metrics, and online membership changes for {@code synodctl members}.
 */
public interface RaftControl {
  /** This peer's view (may ask the Raft leader for the peer list). */
  StoreStatus status();

  /** This peer's current term, from memory. */
  long term();

  /** Whether this peer is the Raft leader, from memory. */
  boolean isLeader();

  /** Store watches waiting for a change on this peer (a leak would make it grow). */
  default int watching() {
    return 0;
  }

  /** Index of the last entry in this peer's Raft log, from memory (-1 when unknown). */
  default long lastLogIndex() {
    return -1;
  }

  /** The Raft leader's address as this peer knows it, from memory (null: none). */
  default String leader() {
    return status().leader();
  }

  /** jraft's state of this peer (STATE_LEADER, STATE_FOLLOWER, ...), from memory. */
  default String state() {
    return status().state();
  }

  void addPeer(String raftAddr);

  void removePeer(String raftAddr);

  void transferLeadership(String raftAddr);

  /** Adapts the real store. */
  static RaftControl of(io.synod.store.RaftStore s) {
    return new RaftControl() {
      @Override
      public StoreStatus status() {
        return s.status();
      }

      @Override
      public long term() {
        return s.term();
      }

      @Override
      public boolean isLeader() {
        return s.isLeader();
      }

      @Override
      public int watching() {
        return s.watching();
      }

      @Override
      public long lastLogIndex() {
        return s.lastLogIndex();
      }

      @Override
      public String leader() {
        return s.leader();
      }

      @Override
      public String state() {
        return s.nodeState();
      }

      @Override
      public void addPeer(String raftAddr) {
        s.addPeer(raftAddr);
      }

      @Override
      public void removePeer(String raftAddr) {
        s.removePeer(raftAddr);
      }

      @Override
      public void transferLeadership(String raftAddr) {
        s.transferLeadership(raftAddr);
      }
    };
  }
}

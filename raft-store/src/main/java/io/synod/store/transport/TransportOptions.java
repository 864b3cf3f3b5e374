package io.synod.store.transport;

import com.alipay.sofa.jraft.option.CliOptions;
import com.alipay.sofa.jraft.option.NodeOptions;

/**
 * jraft options that carry the {@link RaftTransport}: jraft hands a node's (or a CLI service's)
 * options to the RPC factory when it creates its clients, and {@link SynodRaftRpcFactory} reads the
 * transport from them.
 */
public final class TransportOptions {
  private TransportOptions() {}

  /** Options whose clients authenticate with {@link #transport()}. */
  public interface Secured {
    RaftTransport transport();
  }

  /** For a Raft node: replicators, votes, snapshot copies, read-index. */
  public static final class Node extends NodeOptions implements Secured {
    private final RaftTransport transport;

    public Node(RaftTransport transport) {
      this.transport = transport;
    }

    @Override
    public RaftTransport transport() {
      return transport;
    }
  }

  /** For jraft's CLI service: membership changes, leader transfer, peer queries. */
  public static final class Cli extends CliOptions implements Secured {
    private final RaftTransport transport;

    public Cli(RaftTransport transport) {
      this.transport = transport;
    }

    @Override
    public RaftTransport transport() {
      return transport;
    }
  }
}

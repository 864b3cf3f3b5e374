package io.synod.store.transport;

import com.alipay.sofa.jraft.option.RpcOptions;
import com.alipay.sofa.jraft.rpc.RpcClient;
import com.alipay.sofa.jraft.rpc.RpcServer;
import com.alipay.sofa.jraft.rpc.impl.BoltRaftRpcFactory;
import com.alipay.sofa.jraft.rpc.impl.BoltRpcClient;
import com.alipay.sofa.jraft.rpc.impl.BoltRpcServer;
import com.alipay.sofa.jraft.util.Endpoint;
import com.alipay.sofa.jraft.util.SPI;

/**
 * jraft's RPC factory, as Synod needs it (found through {@code
 * META-INF/services/com.alipay.sofa.jraft.rpc.RaftRpcFactory}; the higher priority wins over
 * jraft's own bolt factory):
 *
 * <ul>
 *   <li>a server listens on the host of the endpoint it is given, not on every interface;
 *   <li>every client jraft creates for a node or a CLI service (replicators, votes, snapshots,
 *       admin RPCs) gets the {@link RaftTransport} its options carry ({@link
 *       TransportOptions.Secured}), so it authenticates exactly as the server side demands.
 * </ul>
 */
@SPI(name = "synod", priority = 100)
public class SynodRaftRpcFactory extends BoltRaftRpcFactory {

  @Override
  public RpcServer createRpcServer(Endpoint endpoint, ConfigHelper<RpcServer> helper) {
    int port = endpoint.getPort();
    if (port <= 0 || port >= 0xFFFF) {
      throw new IllegalArgumentException("Raft port out of range: " + port);
    }
    String ip = endpoint.getIp();
    com.alipay.remoting.rpc.RpcServer bolt =
        new com.alipay.remoting.rpc.RpcServer(
            ip == null || ip.isEmpty() ? "0.0.0.0" : ip, port, true);
    RpcServer server = new BoltRpcServer(bolt);
    if (helper != null) {
      helper.config(server);
    }
    return server;
  }

  /** A server bound to {@code endpoint}'s host that authenticates peers with {@code transport}. */
  public RpcServer createRpcServer(Endpoint endpoint, RaftTransport transport) {
    return createRpcServer(endpoint, s -> transport.configure(((BoltRpcServer) s).getServer()));
  }

  /** A client that authenticates itself and its peers with {@code transport}. */
  public RpcClient createRpcClient(RaftTransport transport) {
    return createRpcClient(c -> transport.configure(((BoltRpcClient) c).getRpcClient()));
  }

  @Override
  public ConfigHelper<RpcClient> defaultJRaftClientConfigHelper(RpcOptions opts) {
    if (opts instanceof TransportOptions.Secured s) {
      RaftTransport t = s.transport();
      return c -> t.configure(((BoltRpcClient) c).getRpcClient());
    }
    return null;
  }
}

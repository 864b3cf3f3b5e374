package io.synod.bench.cluster;

import com.alipay.sofa.jraft.option.RpcOptions;
import com.alipay.sofa.jraft.rpc.RpcClient;
import com.alipay.sofa.jraft.util.Endpoint;
import com.alipay.sofa.jraft.util.RpcFactoryHelper;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.synod.store.StoreRpc;
import io.synod.store.kv.Command;
import io.synod.store.kv.Expect;
import io.synod.store.transport.RaftTransport;
import io.synod.store.transport.SynodRaftRpcFactory;
import java.util.List;

/**
 * Writes one key into a running Synod cluster's Raft store from outside, through the same RPC a
 * follower uses to forward a write to the Raft leader. Used to request a switchover by writing the
 * failover key ({"leader": L, "member": C}) when the node's REST API has no {@code POST
 * /switchover}.
 */
public final class SynodStoreClient implements AutoCloseable {
  static {
    if (System.getProperty("sofa.middleware.log.disable") == null) {
      System.setProperty("sofa.middleware.log.disable", "true");
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private final RpcClient client;
  private volatile String lastGood;

  /**
   * @param transport the cluster's Raft transport settings (its secret): peers refuse others
   */
  public SynodStoreClient(RaftTransport transport) {
    client = ((SynodRaftRpcFactory) RpcFactoryHelper.rpcFactory()).createRpcClient(transport);
    client.init(new RpcOptions());
  }

  /** Puts key=value (no lease, no condition); true once the Raft leader applied it. */
  public boolean put(List<String> peers, String group, String key, String value, long timeoutMs)
      throws Exception {
    StoreRpc.Request req = new StoreRpc.Request();
    req.groupId = group;
    req.command = JSON.writeValueAsBytes(Command.put(key, value, 0, null, Expect.ANY));
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    String last = "no peer answered";
    java.util.List<String> order = new java.util.ArrayList<>(peers);
    if (lastGood != null && order.remove(lastGood)) {
      order.add(0, lastGood); // the Raft leader that took the last write
    }
    while (System.nanoTime() < deadline) {
      for (String p : order) {
        String[] hp = p.split(":");
        try {
          StoreRpc.Response r =
              (StoreRpc.Response)
                  client.invokeSync(new Endpoint(hp[0], Integer.parseInt(hp[1])), req, 1000);
          if (r.error == null) {
            lastGood = p;
            return true;
          }
          last = p + ": " + r.error + " " + r.message;
        } catch (Exception e) {
          last = p + ": " + e;
        }
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException(
        "could not write " + key + " within " + timeoutMs + " ms: " + last);
  }

  @Override
  public void close() {
    client.shutdown();
  }
}

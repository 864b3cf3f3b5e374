package io.synod.store;

import com.alipay.sofa.jraft.CliService;
import com.alipay.sofa.jraft.RaftServiceFactory;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.conf.Configuration;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.option.RpcOptions;
import com.alipay.sofa.jraft.rpc.RpcClient;
import com.alipay.sofa.jraft.util.RpcFactoryHelper;
import io.synod.store.kv.Command;
import io.synod.store.kv.Expect;
import io.synod.store.transport.SynodRaftRpcFactory;
import io.synod.store.transport.TransportOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * What any process holding this peer's transport settings can send to other peers directly,
 * bypassing the store's own logic: jraft's admin RPCs (CliService) and the store's forward RPC.
 * Tests use it as an attacker would, from a process with a wrong secret or certificate.
 *
 * <p>Commands (the cluster is given as comma-separated "host:port"):
 *
 * <ul>
 *   <li>{@code cli-peers CLUSTER}
 *   <li>{@code cli-add CLUSTER ADDR}, {@code cli-remove CLUSTER ADDR}
 *   <li>{@code cli-transfer CLUSTER ADDR}
 *   <li>{@code cli-reset TARGET NEWCONF}: jraft's ResetPeer sent straight to one peer
 *   <li>{@code forward TARGET KEY VALUE}: the store's forward RPC, a PUT sent straight to a peer
 * </ul>
 */
public final class Outsider {
  private final StoreOptions opts;
  private final CliService cli;
  private final RpcClient rpc;

  public Outsider(StoreOptions opts) {
    this.opts = opts;
    this.cli =
        RaftServiceFactory.createAndInitCliService(new TransportOptions.Cli(opts.transport()));
    this.rpc =
        ((SynodRaftRpcFactory) RpcFactoryHelper.rpcFactory()).createRpcClient(opts.transport());
    this.rpc.init(new RpcOptions());
  }

  public String handle(String[] w) throws Exception {
    String group = opts.groupId();
    switch (w[0]) {
      case "cli-peers":
        try {
          return "PEERS " + cli.getPeers(group, conf(w[1]));
        } catch (RuntimeException e) {
          return "FAILED " + e.getMessage();
        }
      case "cli-add":
        return status(cli.addPeer(group, conf(w[1]), peer(w[2])));
      case "cli-remove":
        return status(cli.removePeer(group, conf(w[1]), peer(w[2])));
      case "cli-transfer":
        return status(cli.transferLeader(group, conf(w[1]), peer(w[2])));
      case "cli-reset":
        return status(cli.resetPeer(group, peer(w[1]), conf(w[2])));
      case "forward":
        {
          StoreRpc.Request req = new StoreRpc.Request();
          req.groupId = group;
          req.command = Codec.encode(Command.put(w[2], w[3], 0, "outsider", Expect.ANY));
          try {
            StoreRpc.Response r =
                (StoreRpc.Response) rpc.invokeSync(peer(w[1]).getEndpoint(), req, 3000);
            return r.error == null ? "OK" : "REFUSED " + r.error + " " + r.message;
          } catch (Exception e) {
            return "FAILED " + e;
          }
        }
      default:
        return "ERR unknown command " + List.of(w);
    }
  }

  private static String status(Status s) {
    return s.isOk() ? "OK" : "FAILED " + s.getErrorMsg();
  }

  private static Configuration conf(String csv) {
    List<PeerId> ids = new ArrayList<>();
    for (String a : csv.split(",")) {
      ids.add(peer(a));
    }
    return new Configuration(ids);
  }

  private static PeerId peer(String addr) {
    PeerId p = new PeerId();
    if (!p.parse(addr)) {
      throw new IllegalArgumentException("not host:port: " + addr);
    }
    return p;
  }
}

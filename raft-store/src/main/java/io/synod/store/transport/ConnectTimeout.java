package io.synod.store.transport;

import com.alipay.remoting.Url;
import com.alipay.remoting.rpc.RpcAddressParser;

/**
 * A short TCP connect timeout for every Raft connection bolt opens (its own default is 1 s, and
 * jraft offers no setting for it). jraft opens a missing connection to each peer synchronously
 * while holding its node lock when it starts a pre-vote or a vote. Over a partition that drops
 * packets, with the connection already closed (TCP_USER_TIMEOUT, {@link SocketTuning}), every
 * election round therefore stalled for a whole second on the unreachable peer: longer than the vote
 * timeout, so the reachable majority lost round after round (seen in the chaos campaign's
 * isolate-raft-leader: 5-6 terms and 6-11 s without a Raft leader). A connect to a live peer is one
 * round trip of the network, far below this bound on any network a 300 ms election timeout suits.
 */
final class ConnectTimeout extends RpcAddressParser {
  static final int MS = 100;

  @Override
  public Url parse(String address) {
    // bolt caches parsed addresses process-wide: set the bound on whatever it hands back
    Url url = super.parse(address);
    if (url.getProperty("_CONNECTTIMEOUT") == null) {
      url.setConnectTimeout(MS);
    }
    return url;
  }
}

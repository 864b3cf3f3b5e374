package io.synod.store;

import com.alipay.sofa.jraft.util.Endpoint;
import io.synod.store.transport.RaftTransport;

/** Package-private pieces of RaftStore, for tests in other packages. */
public final class RaftStoreAccess {
  private RaftStoreAccess() {}

  public static boolean warnIfOpen(String host, int port, RaftTransport t) {
    return RaftStore.warnIfOpen(new Endpoint(host, port), t);
  }
}

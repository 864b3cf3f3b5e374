package io.synod.bridges;

import io.synod.store.cluster.Keys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.AuthInfo;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;

/**
 * Mirror into ZooKeeper (Curator): znodes exactly where Patroni's ZooKeeper DCS puts them ({@code
 * /<namespace>/<scope>/leader}, {@code .../members/<name>}, ...). TTL'd keys are ephemeral znodes
 * of this writer's session (whose timeout is the cluster's {@code ttl}, within the server's 2-20
 * tickTime bounds), so they vanish when the writer dies. A new writer takes an ephemeral znode over
 * from the previous writer's session with one multi-op (delete + create), so readers never see it
 * missing; persistent znodes are set with their stat version (compare-and-set).
 */
public final class ZooKeeperTarget extends Target {
  public static final String TARGET = "zookeeper";

  private final ZooKeeperSettings settings;
  private final String base;
  private final int sessionTimeoutMs;
  private final int connectionTimeoutMs;
  private volatile CuratorFramework client;
  private volatile long closeAtNanos;

  public ZooKeeperTarget(ZooKeeperSettings settings, Keys keys, MirrorOptions opts) {
    super(TARGET);
    this.settings = settings;
    String b = keys.base();
    this.base = b.substring(0, b.length() - 1); // no trailing slash: a znode path
    this.sessionTimeoutMs = (int) Math.max(1000, opts.ttlMs());
    this.connectionTimeoutMs = (int) opts.requestTimeoutMs();
  }

  @Override
  public synchronized void open() {
    if (client != null) {
      return;
    }
    CuratorFrameworkFactory.Builder b =
        CuratorFrameworkFactory.builder()
            .connectString(settings.connectString())
            .sessionTimeoutMs(sessionTimeoutMs)
            .connectionTimeoutMs(connectionTimeoutMs)
            .retryPolicy(new RetryNTimes(1, 100))
            .waitForShutdownTimeoutMs(2000);
    if (!settings.authData().isEmpty()) {
      List<AuthInfo> auth = new ArrayList<>();
      settings
          .authData()
          .forEach(
              (scheme, cred) ->
                  auth.add(new AuthInfo(scheme, cred.getBytes(StandardCharsets.UTF_8))));
      b.authorization(auth);
    }
    if (!settings.acls().isEmpty()) {
      // Patroni's set_acls: every znode the bridge creates, parents included, gets these ACLs.
      List<ACL> acls = settings.acls();
      b.aclProvider(
          new ACLProvider() {
            @Override
            public List<ACL> getDefaultAcl() {
              return acls;
            }

            @Override
            public List<ACL> getAclForPath(String path) {
              return acls;
            }
          });
    }
    CuratorFramework c = b.build();
    c.getConnectionStateListenable()
        .addListener(
            (cf, state) -> {
              // ephemeral znodes may be gone (LOST) or owned by a dead session: resync
              if (state == ConnectionState.LOST || state == ConnectionState.RECONNECTED) {
                sessionLost();
              }
            });
    c.start();
    client = c;
  }

  private CuratorFramework zk() {
    open();
    return client;
  }

  private long sessionId() throws Exception {
    return zk().getZookeeperClient().getZooKeeper().getSessionId();
  }

  @Override
  public void ping() throws Exception {
    zk().checkExists().forPath("/");
  }

  @Override
  public Map<String, Stored> readAll() throws Exception {
    Map<String, Stored> out = new LinkedHashMap<>();
    long me = sessionId();
    List<String> children;
    try {
      children = zk().getChildren().forPath(base);
    } catch (KeeperException.NoNodeException e) {
      return out;
    }
    for (String c : children) {
      List<String> grand;
      try {
        grand = zk().getChildren().forPath(base + "/" + c);
      } catch (KeeperException.NoNodeException e) {
        continue;
      }
      if (grand.isEmpty()) {
        Stored s = readNode(base + "/" + c, me);
        if (s != null) {
          out.put(c, s);
        }
      } else {
        for (String g : grand) {
          Stored s = readNode(base + "/" + c + "/" + g, me);
          if (s != null) {
            out.put(c + "/" + g, s);
          }
        }
      }
    }
    return out;
  }

  @Override
  public Stored read(String key) throws Exception {
    return readNode(base + "/" + key, sessionId());
  }

  private Stored readNode(String path, long me) throws Exception {
    Stat st = new Stat();
    byte[] data;
    try {
      data = zk().getData().storingStatIn(st).forPath(path);
    } catch (KeeperException.NoNodeException e) {
      return null;
    }
    long owner = st.getEphemeralOwner();
    return new Stored(
        data == null ? "" : new String(data, StandardCharsets.UTF_8),
        st.getVersion(),
        owner != 0,
        owner != 0 && owner == me);
  }

  @Override
  public Stored put(MirrorEntry e, Stored current) throws Exception {
    String path = base + "/" + e.key();
    byte[] data = e.value().getBytes(StandardCharsets.UTF_8);
    CreateMode mode = e.ephemeral() ? CreateMode.EPHEMERAL : CreateMode.PERSISTENT;
    CuratorFramework c = zk();
    long me = sessionId();
    try {
      if (current == null) {
        c.create().creatingParentsIfNeeded().withMode(mode).forPath(path, data);
        return new Stored(e.value(), 0, e.ephemeral(), e.ephemeral());
      }
      if (current.ephemeral() == e.ephemeral() && (!e.ephemeral() || current.mine())) {
        Stat st = c.setData().withVersion((int) current.version()).forPath(path, data);
        return new Stored(e.value(), st.getVersion(), e.ephemeral(), e.ephemeral());
      }
      // Another session's ephemeral (the previous writer), or the wrong kind of znode: replace it
      // atomically.
      c.transaction()
          .forOperations(
              c.transactionOp().delete().withVersion((int) current.version()).forPath(path),
              c.transactionOp().create().withMode(mode).forPath(path, data));
      return new Stored(e.value(), 0, e.ephemeral(), e.ephemeral() && sessionId() == me);
    } catch (KeeperException.NodeExistsException
        | KeeperException.BadVersionException
        | KeeperException.NoNodeException ex) {
      throw new ConflictException(path + " changed in ZooKeeper (" + ex.code() + ")");
    }
  }

  @Override
  public void delete(String key, Stored current) throws Exception {
    String path = base + "/" + key;
    try {
      zk().delete().withVersion(current.ephemeral() ? -1 : (int) current.version()).forPath(path);
    } catch (KeeperException.NoNodeException e) {
      // already gone
    } catch (KeeperException.BadVersionException e) {
      throw new ConflictException(path + " changed in ZooKeeper (" + e.code() + ")");
    }
  }

  @Override
  public long keepAliveIntervalMs() {
    return 1000; // Curator pings by itself; this only checks the connection so "up" stays true to
    // fact
  }

  @Override
  public void keepAlive() throws Exception {
    CuratorFramework c = client;
    if (c == null || !c.getZookeeperClient().isConnected()) {
      throw new IOException("not connected to ZooKeeper " + settings.connectString());
    }
  }

  @Override
  public void relinquish() {
    // Keep the session for one more timeout (the next writer takes the ephemerals over meanwhile),
    // then close it so whatever it still owns disappears, as an expired etcd lease would.
    closeAtNanos = System.nanoTime() + sessionTimeoutMs * 1_000_000L;
  }

  @Override
  public void idle() {
    long at = closeAtNanos;
    if (at != 0 && System.nanoTime() - at >= 0) {
      closeAtNanos = 0;
      close();
    }
  }

  @Override
  public synchronized void close() {
    CuratorFramework c = client;
    client = null;
    if (c != null) {
      c.close();
    }
  }
}

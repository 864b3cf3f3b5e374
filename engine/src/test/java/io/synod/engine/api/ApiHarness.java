package io.synod.engine.api;

import io.synod.config.DynamicConfig;
import io.synod.config.RestApiConfig;
import io.synod.config.Tags;
import io.synod.engine.ha.Action;
import io.synod.engine.ha.Decision;
import io.synod.engine.ha.ManualRequests;
import io.synod.engine.ha.NodeStatus;
import io.synod.engine.postgres.PgState;
import io.synod.store.ReadMode;
import io.synod.store.StoreException;
import io.synod.store.StoreStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A REST API with everything faked but the routing: an in-memory store, a fake Raft group, and a
 * "loop" thread that runs the queued restart/reinit/reload requests with canned outcomes.
 */
public final class ApiHarness implements AutoCloseable {
  public static final long MB = 1024 * 1024;

  public final String name;
  public final Map<String, Object> tags;
  public final FakeStore store = new FakeStore();
  public final FakeRaft raft = new FakeRaft();
  public final AtomicReference<NodeStatus> status = new AtomicReference<>();
  public final List<String> calls = Collections.synchronizedList(new ArrayList<>());
  public io.synod.engine.ha.HaEvents events;
  public volatile ManualRequests.Outcome restartOutcome =
      new ManualRequests.Outcome(true, "restarted successfully");
  public volatile ManualRequests.Outcome reinitOutcome =
      new ManualRequests.Outcome(true, "reinitialized from leader 'node1'");
  public volatile boolean reinitStarts = true;

  /** How long the fake restart takes (to test "already in progress"). */
  public volatile long restartMillis;

  public final ManualRequests manual;

  /** When set, the fake loop publishes a fresh status every cycle (as the HA loop does). */
  public volatile java.util.function.Supplier<NodeStatus> publisher;

  public final RestApi api;
  private final Thread loop;
  private volatile boolean stop;
  private HttpServer http;

  public ApiHarness(
      String name, Map<String, Object> tags, RestApiConfig restapi, Duration switchoverWait) {
    this.name = name;
    this.tags = tags == null ? Map.of() : tags;
    manual =
        new ManualRequests(
            new ManualRequests.Worker() {
              @Override
              public ManualRequests.Outcome restart(ManualRequests.RestartSpec spec) {
                calls.add(
                    "restart role="
                        + spec.role()
                        + " pending="
                        + spec.pendingOnly()
                        + " version="
                        + spec.postgresVersion()
                        + " timeout="
                        + spec.timeout());
                sleep(restartMillis);
                return restartOutcome;
              }

              @Override
              public ManualRequests.Outcome reinitialize(boolean fromLeader, Runnable started) {
                calls.add("reinitialize from_leader=" + fromLeader);
                if (reinitStarts) {
                  started.run();
                }
                return reinitOutcome;
              }

              @Override
              public void reload() {
                calls.add("reload");
              }
            },
            () -> {});
    Access access =
        new Access(
            restapi == null ? RestApiConfig.defaults() : restapi,
            () -> RestApi.memberApiUrls(status.get()));
    api =
        new RestApi(
            new RestApi.Services(
                "test",
                name,
                Tags.fromMap(this.tags, "test: tags"),
                status::get,
                store,
                manual,
                raft,
                () -> calls.add("wake"),
                DynamicConfig.defaults(),
                () -> access,
                switchoverWait,
                null,
                events = new io.synod.engine.ha.HaEvents(name),
                null));
    loop =
        new Thread(
            () -> {
              while (!stop) {
                manual.runPending();
                java.util.function.Supplier<NodeStatus> p = publisher;
                if (p != null) {
                  status.set(p.get());
                }
                sleep(10);
              }
            },
            "fake-ha-loop");
    loop.setDaemon(true);
    loop.start();
  }

  public ApiHarness(String name) {
    this(name, Map.of(), null, Duration.ofSeconds(5));
  }

  /** A three-member cluster, node1 leading, with a dynamic config. */
  public ApiHarness threeNodes() {
    store.config.putAll(DynamicConfig.defaults().toMap());
    store.configRevision = 5;
    store.leader = "node1";
    store.optime = 50 * MB;
    store.member("node1", "primary", "running", 50 * MB, Map.of(), 5432);
    store.member("node2", "replica", "running", 50 * MB, Map.of(), 5433);
    store.member("node3", "replica", "running", 49 * MB, Map.of(), 5434);
    return this;
  }

  /** Publishes a status as the HA loop would: this node as the leader running a primary. */
  public ApiHarness asPrimary() {
    status.set(status(primaryPg(50 * MB), true, "primary"));
    return this;
  }

  /** This node as a streaming replica with replay position {@code replay}. */
  public ApiHarness asReplica(long replay) {
    status.set(status(replicaPg(replay, true), false, "replica"));
    return this;
  }

  public NodeStatus status(PgState pg, boolean leaseHeld, String role) {
    io.synod.store.cluster.Cluster c;
    try {
      c = store.load(ReadMode.LINEARIZABLE);
    } catch (StoreException e) {
      c = null;
    }
    return new NodeStatus(
        name,
        pg,
        c,
        c == null ? "NO_QUORUM: test" : null,
        new Decision(Action.NONE, null, "test"),
        leaseHeld,
        leaseHeld ? 1500 : 0,
        Instant.now(),
        Instant.now(),
        role,
        pg.running() ? "running" : "stopped",
        // the HA loop publishes the dynamic configuration in force: the store's config key
        c == null || c.config().isEmpty()
            ? null
            : DynamicConfig.fromMap(c.config(), "store: config key"));
  }

  public static PgState primaryPg(long lsn) {
    return new PgState(
        true,
        false,
        true,
        4242,
        true,
        false,
        1,
        lsn,
        0,
        0,
        null,
        List.of(
            new PgState.ReplicationRow(
                "node2", "127.0.0.1", "streaming", "async", lsn, lsn, lsn, lsn)),
        "7000000000000000001",
        150013,
        Instant.parse("2030-01-01T00:00:00Z"),
        false,
        null,
        null);
  }

  public static PgState replicaPg(long replay, boolean streaming) {
    return new PgState(
        true,
        false,
        true,
        4343,
        true,
        true,
        1,
        0,
        replay,
        replay,
        streaming
            ? new PgState.WalReceiver("streaming", "127.0.0.1", 5432, 1, "node2", replay)
            : null,
        List.of(),
        "7000000000000000001",
        150013,
        Instant.parse("2030-01-01T00:00:00Z"),
        false,
        null,
        null);
  }

  public Response call(String method, String path, String body) {
    return call(method, path, body, null, "127.0.0.1");
  }

  public Response call(
      String method, String path, String body, String authorization, String remote) {
    String p = path;
    Map<String, List<String>> q = new LinkedHashMap<>();
    int qm = path.indexOf('?');
    if (qm >= 0) {
      p = path.substring(0, qm);
      for (String kv : path.substring(qm + 1).split("&")) {
        int eq = kv.indexOf('=');
        q.computeIfAbsent(eq < 0 ? kv : kv.substring(0, eq), k -> new ArrayList<>())
            .add(eq < 0 ? "" : kv.substring(eq + 1));
      }
    }
    // As a well-behaved client (patronictl, synodctl, curl -H): JSON bodies say so.
    Map<String, String> headers =
        body == null || body.isBlank() ? Map.of() : Map.of("content-type", "application/json");
    return api.handle(new Request(method, p, q, body, remote, authorization, headers, false));
  }

  /** Serves the API over HTTP on a free port. */
  public HttpServer serve() {
    http = new HttpServer().start("127.0.0.1", 0, api::handle);
    return http;
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + http.port();
  }

  @Override
  public void close() {
    stop = true;
    if (http != null) {
      http.close();
    }
  }

  public static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A Raft group of three peers in memory; records membership changes. */
  public static final class FakeRaft implements RaftControl {
    public final List<String> peers =
        Collections.synchronizedList(
            new ArrayList<>(List.of("127.0.0.1:8300", "127.0.0.1:8301", "127.0.0.1:8302")));
    public volatile String self = "127.0.0.1:8300";
    public volatile StoreException next;

    @Override
    public StoreStatus status() {
      return new StoreStatus(
          self,
          "127.0.0.1:8300",
          self.equals("127.0.0.1:8300"),
          7,
          "STATE_LEADER",
          120,
          118,
          118,
          List.copyOf(peers),
          List.copyOf(peers));
    }

    @Override
    public long term() {
      return 7;
    }

    @Override
    public boolean isLeader() {
      return true;
    }

    @Override
    public void addPeer(String raftAddr) {
      throwIfSet();
      if (!raftAddr.contains(":")) {
        throw new IllegalArgumentException("not a Raft peer address (host:port): " + raftAddr);
      }
      peers.add(raftAddr);
    }

    @Override
    public void removePeer(String raftAddr) {
      throwIfSet();
      peers.remove(raftAddr);
    }

    @Override
    public void transferLeadership(String raftAddr) {
      throwIfSet();
    }

    private void throwIfSet() {
      StoreException e = next;
      next = null;
      if (e != null) {
        throw e;
      }
    }
  }
}

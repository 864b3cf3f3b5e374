package io.synod.store;

import com.alipay.sofa.jraft.CliService;
import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.RaftGroupService;
import com.alipay.sofa.jraft.RaftServiceFactory;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.closure.ReadIndexClosure;
import com.alipay.sofa.jraft.conf.Configuration;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.entity.Task;
import com.alipay.sofa.jraft.error.InvokeTimeoutException;
import com.alipay.sofa.jraft.error.RaftError;
import com.alipay.sofa.jraft.error.RemotingException;
import com.alipay.sofa.jraft.option.NodeOptions;
import com.alipay.sofa.jraft.option.ReadOnlyOption;
import com.alipay.sofa.jraft.option.RpcOptions;
import com.alipay.sofa.jraft.rpc.RaftRpcServerFactory;
import com.alipay.sofa.jraft.rpc.RpcClient;
import com.alipay.sofa.jraft.rpc.RpcContext;
import com.alipay.sofa.jraft.rpc.RpcProcessor;
import com.alipay.sofa.jraft.rpc.RpcServer;
import com.alipay.sofa.jraft.util.Endpoint;
import com.alipay.sofa.jraft.util.RpcFactoryHelper;
import io.synod.store.kv.Command;
import io.synod.store.kv.CommandResult;
import io.synod.store.kv.KvEntry;
import io.synod.store.transport.RaftTransport;
import io.synod.store.transport.SynodRaftRpcFactory;
import io.synod.store.transport.TransportOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One peer of the cluster store: a SOFAJRaft node running the {@link KvStateMachine}, plus the
 * write forwarding that lets any peer accept writes. Every call is bounded by {@link
 * StoreOptions#requestTimeoutMs()}; past it the caller gets a {@link StoreException}.
 *
 * <p>(Over ~600 lines: jraft's wiring, write forwarding, linearizable reads and membership changes
 * share one node and its options; the key-value semantics themselves live in {@code kv/}.)
 */
public final class RaftStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RaftStore.class);

  static {
    // sofa-bolt's logging otherwise writes its own files under ~/logs; route it through SLF4J
    // (quieted to ERROR in our logback config) instead. Must run before any bolt class loads.
    if (System.getProperty("sofa.middleware.log.disable") == null) {
      System.setProperty("sofa.middleware.log.disable", "true");
    }
    io.synod.store.lean.PoolSizes.applyDefaults();
  }

  static final int HEARTBEATS_PER_ELECTION_TIMEOUT = 4;
  private static final long RETRY_PAUSE_MS = 20;

  /** Longest sleep of the expiry timer: a safety net, deadlines normally wake it. */
  private static final long EXPIRY_MAX_SLEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  private static final long PERMISSION_SWEEP_MS = 5_000;

  /** Where jraft writes what a SIGUSR2 asks for (default: the working directory). */
  private static final List<String> JRAFT_SIGNAL_DIRS =
      List.of(
          "jraft.signal.node.describe.dir",
          "jraft.signal.node.metrics.dir",
          "jraft.signal.thread.pool.metrics.dir");

  private final StoreOptions opts;
  private final KvStateMachine fsm = new KvStateMachine();
  private RaftGroupService group;
  private Node node;
  private RpcClient rpcClient;
  private boolean ownClient; // false: forwarding shares the node's own client (and connections)
  private CliService cli; // created on first use: membership changes and /raft on a follower
  private ScheduledExecutorService timer;
  private volatile boolean closed = true;

  /** Starts as the options say; follows retry_timeout when the dynamic config changes it. */
  private volatile long requestTimeoutMs;

  public RaftStore(StoreOptions opts) {
    this.opts = opts;
    this.requestTimeoutMs = opts.requestTimeoutMs();
  }

  /** The bound on every later write and linearizable read. */
  public void requestTimeoutMs(long ms) {
    if (ms <= 0) {
      throw new IllegalArgumentException("request timeout must be positive: " + ms);
    }
    requestTimeoutMs = ms;
  }

  public long requestTimeoutMs() {
    return requestTimeoutMs;
  }

  public synchronized RaftStore start() {
    PrivateDir.create(opts.dataDir());
    // kill -USR2 makes jraft describe the node into files; they go where the node's state is
    // (private), not into whatever the working directory is
    for (String p : JRAFT_SIGNAL_DIRS) {
      if (System.getProperty(p) == null) {
        System.setProperty(p, opts.dataDir().toAbsolutePath().toString());
      }
    }
    if (!(RpcFactoryHelper.rpcFactory() instanceof SynodRaftRpcFactory)) {
      // Without it jraft's own clients would not authenticate and would not be heard.
      throw new StoreException(
          StoreException.Kind.REJECTED,
          "raft: jraft loaded "
              + RpcFactoryHelper.rpcFactory().getClass().getName()
              + " instead of Synod's transport; META-INF/services/"
              + "com.alipay.sofa.jraft.rpc.RaftRpcFactory from synod-raft-store is missing"
              + " from the class path");
    }
    // lease expiry and forwarded writes' timeouts; made first: the RPC server may call on it
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "synod-lease-expiry");
              t.setDaemon(true);
              return t;
            });
    RaftTransport transport = opts.transport();
    SynodRaftRpcFactory factory = (SynodRaftRpcFactory) RpcFactoryHelper.rpcFactory();
    PeerId self = peer(opts.self());
    Endpoint listen = peer(opts.listenAddress()).getEndpoint();
    warnIfOpen(listen, transport);
    RpcServer rpcServer = factory.createRpcServer(listen, transport);
    RaftRpcServerFactory.addRaftRequestProcessors(rpcServer);
    rpcServer.registerProcessor(new ForwardProcessor());
    rpcServer.registerProcessor(new KeepAliveProcessor());

    NodeOptions no = new TransportOptions.Node(transport);
    io.synod.store.lean.PoolSizes.size(no);
    io.synod.store.lean.RocksDbMemory.apply();
    no.setFsm(fsm);
    no.setElectionTimeoutMs(opts.electionTimeoutMs());
    // jraft adds up to maxElectionDelayMs (default 1 s) of random delay to each election timer
    // period. Half a timeout still separates two candidates by far more than a vote round trip
    // (milliseconds) and bounds detection of a dead Raft leader at 2.5 timeouts instead of 3.
    no.getRaftOptions().setMaxElectionDelayMs(Math.max(1, opts.electionTimeoutMs() / 2));
    // A linearizable read on the Raft leader checks the leader's lease (a majority acknowledged it
    // within 90% of an election timeout) instead of sending a heartbeat round of its own; a
    // follower's read is one RPC to the leader. The lease rests on the same bounded clock-rate
    // drift as the leader lock (package docs), and jraft falls back to a heartbeat round whenever
    // the lease is not fresh.
    no.getRaftOptions().setReadOnlyOptions(ReadOnlyOption.ReadOnlyLeaseBased);
    // Heartbeats every quarter of the election timeout (jraft's default: a tenth, i.e. 30 ms at
    // 300 ms, 67 RPCs a second from an idle leader): a follower still hears four before it may
    // start an election, so one lost heartbeat does not cost a term.
    no.getRaftOptions().setElectionHeartbeatFactor(HEARTBEATS_PER_ELECTION_TIMEOUT);
    no.setRpcConnectTimeoutMs(connectTimeoutMs(opts.electionTimeoutMs()));
    no.setLogUri(opts.dataDir().resolve("log").toString());
    no.setRaftMetaUri(opts.dataDir().resolve("meta").toString());
    no.setSnapshotUri(opts.dataDir().resolve("snapshot").toString());
    no.setSnapshotIntervalSecs(opts.snapshotIntervalSecs());
    Configuration conf = new Configuration();
    opts.peers().forEach(p -> conf.addPeer(peer(p)));
    no.setInitialConf(conf);

    group = new RaftGroupService(opts.groupId(), self, no, rpcServer);
    node = group.start();
    if (node == null) {
      timer.shutdownNow();
      throw new StoreException(
          StoreException.Kind.REJECTED,
          "raft: could not start peer "
              + opts.self()
              + " in "
              + opts.dataDir()
              + " (is "
              + opts.listenAddress()
              + " free and an address of this host?)");
    }
    rpcClient = nodeClient(node);
    if (rpcClient == null) {
      rpcClient = factory.createRpcClient(transport);
      rpcClient.init(new RpcOptions());
      ownClient = true;
    }
    fsm.leases.onDeadline(this::expireAt);
    expireAt(System.nanoTime());
    timer.scheduleWithFixedDelay(
        this::tightenDataDir, PERMISSION_SWEEP_MS, PERMISSION_SWEEP_MS, TimeUnit.MILLISECONDS);
    closed = false;
    LOG.info(
        "raft: peer {} started in group {} with peers {}, listening on {}, peers authenticated by"
            + " {}",
        opts.self(),
        opts.groupId(),
        opts.peers(),
        opts.listenAddress(),
        transport.describe());
    return this;
  }

  /**
   * How long jraft may spend opening a missing connection to a peer (a TCP connect, the TLS
   * handshake and a ping; jraft's default is 1 s). jraft does this synchronously, holding its node
   * lock, for every peer when it starts a pre-vote or a vote. Behind a partition that drops packets
   * the connection to the cut-off peer is gone (TCP_USER_TIMEOUT), so each round stalled for the
   * whole second, past the vote timeout: the two reachable peers lost round after round (the chaos
   * campaign's isolate-raft-leader after a leadership transfer: 5-6 terms, 6-11 s without a Raft
   * leader). A fifth of an election timeout (60 ms at the default) keeps that stall short next to
   * jraft's random election delay (half a timeout), so two candidates rarely start in step, and is
   * still far longer than a connect and handshake between live peers on a network a 300 ms election
   * timeout suits. A peer not reached in time is only skipped for that round.
   */
  static int connectTimeoutMs(int electionTimeoutMs) {
    return Math.max(25, electionTimeoutMs / 5);
  }

  /**
   * Plain Raft on an address other hosts can reach: anyone there can rewrite the cluster.
   *
   * @return whether it warned
   */
  static boolean warnIfOpen(Endpoint listen, RaftTransport transport) {
    if (transport.authenticated()) {
      return false;
    }
    boolean loopback;
    try {
      loopback = InetAddress.getByName(listen.getIp()).isLoopbackAddress();
    } catch (IOException e) {
      loopback = false;
    }
    if (!loopback) {
      LOG.warn(
          "raft: SECURITY: the Raft port {} is reachable from other hosts and peers are NOT"
              + " authenticated: anyone who can connect to it can change the cluster (leader,"
              + " configuration, pg_hba) and gain superuser access to PostgreSQL. Set the same"
              + " raft.password on every node (e.g. the output of `openssl rand -base64 32`), or"
              + " raft.certfile/raft.keyfile/raft.cafile for mutual TLS.",
          listen);
    }
    return !loopback;
  }

  private void tightenDataDir() {
    try {
      PrivateDir.tighten(opts.dataDir());
    } catch (RuntimeException e) {
      LOG.debug("raft.data_dir permissions: {}", e.toString());
    }
  }

  // --- writes ------------------------------------------------------------------------------

  /**
   * Proposes a command through Raft, from any peer, and waits for it to be applied.
   *
   * @throws StoreException NO_QUORUM when no leader could be found before the timeout; TIMEOUT when
   *     the leader did not confirm in time (the write may still be applied later)
   */
  public CommandResult write(Command c) {
    ensureOpen();
    byte[] payload = Codec.encode(c);
    long deadline = System.nanoTime() + requestTimeoutMs * 1_000_000L;
    String lastLeader = null;
    while (true) {
      long left = (deadline - System.nanoTime()) / 1_000_000L;
      if (left <= 0) {
        throw lastLeader == null
            ? new StoreException(
                StoreException.Kind.NO_QUORUM,
                "no Raft leader within "
                    + requestTimeoutMs
                    + " ms: a majority of "
                    + opts.peers()
                    + " is unreachable")
            : new StoreException(
                StoreException.Kind.TIMEOUT,
                "Raft leader "
                    + lastLeader
                    + " could not be reached within "
                    + requestTimeoutMs
                    + " ms");
      }
      PeerId leader = node.getLeaderId();
      if (leader == null || leader.isEmpty()) {
        pause(Math.min(RETRY_PAUSE_MS, left));
        continue;
      }
      lastLeader = leader.getEndpoint().toString();
      if (fsm.isLeader()) {
        return applyLocally(payload, left);
      }
      StoreRpc.Request req = new StoreRpc.Request();
      req.groupId = opts.groupId();
      req.command = payload;
      StoreRpc.Response resp;
      try {
        resp = (StoreRpc.Response) rpcClient.invokeSync(leader.getEndpoint(), req, left);
      } catch (InvokeTimeoutException e) {
        throw new StoreException(
            StoreException.Kind.TIMEOUT,
            "Raft leader "
                + lastLeader
                + " did not answer within "
                + left
                + " ms; the write may or may not be applied",
            e);
      } catch (RemotingException e) {
        // Not delivered (connection refused/reset): safe to retry once a leader is known again.
        pause(Math.min(RETRY_PAUSE_MS, left));
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StoreException(StoreException.Kind.CLOSED, "interrupted", e);
      }
      if (resp.error == null) {
        try {
          return Codec.decodeResult(resp.result);
        } catch (IOException e) {
          throw new StoreException(
              StoreException.Kind.REJECTED, "unreadable answer from " + lastLeader, e);
        }
      }
      throwUnlessNotLeader(resp, lastLeader);
      pause(Math.min(RETRY_PAUSE_MS, left)); // it no longer leads: ask the next one
    }
  }

  private CommandResult applyLocally(byte[] payload, long timeoutMs) {
    KvStateMachine.ApplyClosure done = new KvStateMachine.ApplyClosure();
    node.apply(new Task(ByteBuffer.wrap(payload), done));
    try {
      return done.future.get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new StoreException(
          StoreException.Kind.TIMEOUT,
          "not committed within "
              + timeoutMs
              + " ms (a majority may be unreachable); the write may still be applied");
    } catch (ExecutionException e) {
      throw new StoreException(
          StoreException.Kind.TIMEOUT,
          "not applied: "
              + e.getCause().getMessage()
              + "; leadership changed, the outcome is unknown",
          e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException(StoreException.Kind.CLOSED, "interrupted", e);
    }
  }

  /** The leader's error answer to a forwarded request: returns when it only no longer leads. */
  private static void throwUnlessNotLeader(StoreRpc.Response resp, String leader) {
    switch (resp.error) {
      case "NOT_LEADER" -> {}
      case "TIMEOUT" ->
          throw new StoreException(
              StoreException.Kind.TIMEOUT, "Raft leader " + leader + ": " + resp.message);
      default ->
          throw new StoreException(
              StoreException.Kind.REJECTED, "Raft leader " + leader + ": " + resp.message);
    }
  }

  /**
   * Answers a forwarded request that this peer must not serve: another Raft group (REJECTED), or
   * this peer does not lead (NOT_LEADER, with a hint where the leader is).
   *
   * @return whether it answered
   */
  private boolean refused(RpcContext ctx, StoreRpc.Response resp, String groupId) {
    if (!opts.groupId().equals(groupId)) {
      resp.error = "REJECTED";
      resp.message = "wrong Raft group " + groupId + " (this peer serves " + opts.groupId() + ")";
    } else if (closed || !fsm.isLeader()) {
      resp.error = "NOT_LEADER";
      PeerId l = node == null ? null : node.getLeaderId();
      resp.leaderHint = l == null ? null : l.toString();
    } else {
      return false;
    }
    ctx.sendResponse(resp);
    return true;
  }

  /** The leader applies writes forwarded by followers. */
  private final class ForwardProcessor implements RpcProcessor<StoreRpc.Request> {
    @Override
    public void handleRequest(RpcContext ctx, StoreRpc.Request req) {
      StoreRpc.Response resp = new StoreRpc.Response();
      if (refused(ctx, resp, req.groupId)) {
        return;
      }
      KvStateMachine.ApplyClosure done = new KvStateMachine.ApplyClosure();
      node.apply(new Task(ByteBuffer.wrap(req.command), done));
      // on the store's own timer thread: CompletableFuture.orTimeout would start a JDK thread
      // that then lives as long as the JVM, for a timeout that almost never fires
      java.util.concurrent.ScheduledFuture<?> giveUp =
          timer.schedule(
              () -> done.future.completeExceptionally(new TimeoutException()),
              requestTimeoutMs,
              TimeUnit.MILLISECONDS);
      done.future
          .whenComplete((r, err) -> giveUp.cancel(false))
          .whenComplete(
              (r, err) -> {
                if (err == null) {
                  resp.result = Codec.encode(r);
                } else if (err instanceof TimeoutException) {
                  resp.error = "TIMEOUT";
                  resp.message = "not committed within " + requestTimeoutMs + " ms";
                } else {
                  resp.error = "TIMEOUT";
                  resp.message = "not applied: " + err.getMessage() + "; the outcome is unknown";
                }
                ctx.sendResponse(resp);
              });
    }

    @Override
    public String interest() {
      return StoreRpc.Request.class.getName();
    }
  }

  // --- keep-alives -------------------------------------------------------------------------

  /**
   * Keeps the lease of {@code key} alive without a log entry, as etcd does: the Raft leader moves
   * its deadline to a full {@code ttlMs} from when the request reached it, if the key still holds
   * {@code value} written by {@code owner} with that TTL. Only the leader's memory changes, which
   * is safe because a new leader grants every lease a full TTL from its own election, and that
   * election comes after the old leader confirmed its leadership for this request (a heartbeat
   * round, {@link ReadOnlyOption#ReadOnlySafe}, whatever the node's read option): the lease ends,
   * on any leader, no earlier than the request arrived plus its TTL.
   *
   * @return true when the lease was extended; false when the caller must write the key instead (it
   *     changed, is gone, its lease ran out or is expiring, its TTL differs, or the leader could
   *     not be asked)
   * @throws StoreException as {@link #write} when no leader answered within the request timeout
   */
  public boolean keepAlive(String key, String value, String owner, long ttlMs) {
    ensureOpen();
    long deadline = System.nanoTime() + requestTimeoutMs * 1_000_000L;
    String lastLeader = null;
    while (true) {
      long left = (deadline - System.nanoTime()) / 1_000_000L;
      if (left <= 0) {
        throw lastLeader == null
            ? new StoreException(
                StoreException.Kind.NO_QUORUM,
                "no Raft leader within " + requestTimeoutMs + " ms to keep " + key + " alive")
            : new StoreException(
                StoreException.Kind.TIMEOUT,
                "Raft leader " + lastLeader + " did not keep " + key + " alive in time");
      }
      PeerId leader = node.getLeaderId();
      if (leader == null || leader.isEmpty()) {
        pause(Math.min(RETRY_PAUSE_MS, left));
        continue;
      }
      lastLeader = leader.getEndpoint().toString();
      if (fsm.isLeader()) {
        try {
          return keepAliveHere(key, value, owner, ttlMs).get(left, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
          throw new StoreException(
              StoreException.Kind.TIMEOUT,
              "could not confirm Raft leadership within " + left + " ms to keep " + key + " alive");
        } catch (ExecutionException e) {
          pause(Math.min(RETRY_PAUSE_MS, left)); // lost leadership meanwhile: ask the next one
          continue;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new StoreException(StoreException.Kind.CLOSED, "interrupted", e);
        }
      }
      StoreRpc.KeepAlive req = new StoreRpc.KeepAlive();
      req.groupId = opts.groupId();
      req.key = key;
      req.value = value;
      req.owner = owner;
      req.ttlMs = ttlMs;
      StoreRpc.Response resp;
      try {
        resp = (StoreRpc.Response) rpcClient.invokeSync(leader.getEndpoint(), req, left);
      } catch (InvokeTimeoutException e) {
        throw new StoreException(
            StoreException.Kind.TIMEOUT,
            "Raft leader " + lastLeader + " did not answer a keep-alive within " + left + " ms",
            e);
      } catch (RemotingException e) {
        // Not delivered, or a peer without keep-alives (an older version during an upgrade): the
        // logged write has its own retries and works with every version.
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StoreException(StoreException.Kind.CLOSED, "interrupted", e);
      }
      if (resp.error == null) {
        return resp.result != null && resp.result.length == 1 && resp.result[0] == 1;
      }
      throwUnlessNotLeader(resp, lastLeader);
      pause(Math.min(RETRY_PAUSE_MS, left)); // it no longer leads: ask the next one
    }
  }

  /**
   * The leader's half of {@link #keepAlive}. The key is checked once the read index is applied, so
   * every write committed before the request arrived is seen; the deadline counts from arrival.
   * Completes exceptionally when leadership could not be confirmed.
   */
  private CompletableFuture<Boolean> keepAliveHere(
      String key, String value, String owner, long ttlMs) {
    long arrived = System.nanoTime();
    CompletableFuture<Boolean> f = new CompletableFuture<>();
    node.readIndex(
        ReadOnlyOption.ReadOnlySafe,
        new byte[0],
        new ReadIndexClosure(requestTimeoutMs) {
          @Override
          public void run(Status status, long index, byte[] reqCtx) {
            if (!status.isOk()) {
              f.completeExceptionally(new KvStateMachine.NotAppliedException(status));
              return;
            }
            KvEntry e = fsm.state.get(key);
            f.complete(
                e != null
                    && e.hasLease()
                    && e.ttlMs() == ttlMs
                    && e.value().equals(value)
                    && java.util.Objects.equals(e.leaseOwner(), owner)
                    && fsm.leases.extend(
                        key, e.modRevision(), arrived + ttlMs * 1_000_000L, System.nanoTime()));
          }
        });
    return f;
  }

  /** The leader answers keep-alives sent by followers. */
  private final class KeepAliveProcessor implements RpcProcessor<StoreRpc.KeepAlive> {
    @Override
    public void handleRequest(RpcContext ctx, StoreRpc.KeepAlive req) {
      StoreRpc.Response resp = new StoreRpc.Response();
      if (refused(ctx, resp, req.groupId)) {
        return;
      }
      if (req.key == null || req.value == null) {
        resp.result = new byte[] {0};
        ctx.sendResponse(resp);
        return;
      }
      keepAliveHere(req.key, req.value, req.owner, req.ttlMs)
          .whenComplete(
              (ok, err) -> {
                if (err == null) {
                  resp.result = new byte[] {(byte) (ok ? 1 : 0)};
                } else {
                  resp.error = "NOT_LEADER";
                  resp.message = "leadership not confirmed: " + err.getMessage();
                }
                ctx.sendResponse(resp);
              });
    }

    @Override
    public String interest() {
      return StoreRpc.KeepAlive.class.getName();
    }
  }

  // --- reads -------------------------------------------------------------------------------

  public Optional<KvEntry> get(String key, ReadMode mode) {
    awaitReadable(mode);
    return Optional.ofNullable(fsm.state.get(key));
  }

  public List<KvEntry> list(String prefix, ReadMode mode) {
    awaitReadable(mode);
    return fsm.state.list(prefix);
  }

  /** The revision (log index) this replica has applied: the point a watch re-arms from. */
  public long revision() {
    return fsm.state.appliedIndex();
  }

  private void awaitReadable(ReadMode mode) {
    ensureOpen();
    if (mode == ReadMode.LOCAL) {
      return;
    }
    long deadline = System.nanoTime() + requestTimeoutMs * 1_000_000L;
    Status last = null;
    while (true) {
      long left = (deadline - System.nanoTime()) / 1_000_000L;
      if (left <= 0) {
        throw new StoreException(
            StoreException.Kind.NO_QUORUM,
            "linearizable read failed within "
                + requestTimeoutMs
                + " ms: "
                + (last == null ? "no Raft leader" : last));
      }
      CompletableFuture<Status> f = new CompletableFuture<>();
      node.readIndex(
          new byte[0],
          new ReadIndexClosure(left) {
            @Override
            public void run(Status status, long index, byte[] reqCtx) {
              f.complete(status);
            }
          });
      try {
        last = f.get(left + 50, TimeUnit.MILLISECONDS);
        if (last.isOk()) {
          return;
        }
      } catch (TimeoutException e) {
        last = new Status(-1, "timed out");
      } catch (ExecutionException e) {
        last = new Status(-1, e.getCause().toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StoreException(StoreException.Kind.CLOSED, "interrupted", e);
      }
      pause(Math.min(RETRY_PAUSE_MS, Math.max(1, (deadline - System.nanoTime()) / 1_000_000L)));
    }
  }

  // --- watches -----------------------------------------------------------------------------

  /**
   * Waits until this replica applies a change under {@code prefix} after {@code afterRevision}.
   *
   * @return the revision of that change, or -1 when the timeout passed first
   */
  public long awaitChange(String prefix, long afterRevision, Duration timeout) {
    ensureOpen();
    try {
      return fsm.watches
          .watch(prefix, afterRevision)
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return -1;
    } catch (ExecutionException e) {
      throw new StoreException(StoreException.Kind.REJECTED, "watch failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** Watches registered and waiting for a change (flat at idle: nobody leaks them). */
  public int watching() {
    return fsm.watches.waiting();
  }

  /** Async form of {@link #awaitChange}, for callers that multiplex watches. */
  public CompletableFuture<Long> watch(String prefix, long afterRevision) {
    return fsm.watches.watch(prefix, afterRevision);
  }

  // --- lease expiry (leader only) ----------------------------------------------------------

  private final Object expiryLock = new Object();
  private ScheduledFuture<?> nextExpiry; // guarded by expiryLock
  private long nextExpiryAt; // guarded by expiryLock

  /**
   * Runs the expiry check at {@code atNanos} unless one is already due by then. The timer sleeps
   * until the next lease deadline instead of scanning every few milliseconds; a lease granted with
   * an earlier deadline (or a failed expiry proposal) brings the wake-up forward.
   */
  private void expireAt(long atNanos) {
    synchronized (expiryLock) {
      if (nextExpiry != null && nextExpiryAt - atNanos <= 0) {
        return;
      }
      if (nextExpiry != null) {
        nextExpiry.cancel(false);
      }
      try {
        nextExpiry =
            timer.schedule(
                this::expiryTick, Math.max(0, atNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        nextExpiryAt = atNanos;
      } catch (java.util.concurrent.RejectedExecutionException e) {
        nextExpiry = null; // closed
      }
    }
  }

  private void expiryTick() {
    synchronized (expiryLock) {
      nextExpiry = null;
    }
    try {
      expireDueLeases();
    } finally {
      long now = System.nanoTime();
      long next = fsm.leases.nextDeadlineNanos();
      boolean soon = next != Long.MAX_VALUE && next - now < EXPIRY_MAX_SLEEP_NANOS;
      expireAt(soon ? next : now + EXPIRY_MAX_SLEEP_NANOS);
    }
  }

  private void expireDueLeases() {
    try {
      if (closed || !fsm.isLeader()) {
        return;
      }
      for (Map.Entry<String, Long> e : fsm.leases.due(System.nanoTime()).entrySet()) {
        KvStateMachine.ApplyClosure done = new KvStateMachine.ApplyClosure();
        node.apply(new Task(KvStateMachine.encode(Command.expire(e.getKey(), e.getValue())), done));
        done.future.whenComplete(
            (r, err) -> {
              if (err != null) {
                fsm.leases.retry(e.getKey(), e.getValue());
              } else if (r.succeeded()) {
                LOG.info("lease of {} expired (revision {})", e.getKey(), e.getValue());
              }
            });
      }
    } catch (RuntimeException ex) {
      LOG.warn("lease expiry scan failed: {}", ex.toString());
    }
  }

  // --- status and membership ---------------------------------------------------------------

  public boolean isLeader() {
    return !closed && fsm.isLeader();
  }

  public String leader() {
    PeerId l = node == null ? null : node.getLeaderId();
    return l == null || l.isEmpty() ? null : l.getEndpoint().toString();
  }

  public long term() {
    return fsm.term.get();
  }

  /** This peer's jraft state (STATE_LEADER, STATE_FOLLOWER, ...), from memory. */
  public String nodeState() {
    Node n = node;
    return closed || n == null ? "STATE_SHUTDOWN" : String.valueOf(n.getNodeState());
  }

  /** Index of the last entry in this peer's log, from memory; -1 when closed. */
  public long lastLogIndex() {
    Node n = node;
    return closed || n == null ? -1 : n.getLastLogIndex();
  }

  public StoreStatus status() {
    ensureOpen();
    List<String> peers = fsm.isLeader() ? names(node.listPeers()) : names(currentPeers());
    List<String> alive = fsm.isLeader() ? names(node.listAlivePeers()) : List.of();
    return new StoreStatus(
        opts.self(),
        leader(),
        fsm.isLeader(),
        term(),
        String.valueOf(node.getNodeState()),
        node.getLastLogIndex(),
        node.getLastCommittedIndex(),
        node.getLastAppliedLogIndex(),
        peers,
        alive);
  }

  /** Adds a voting peer online (joint consensus through the leader). */
  public void addPeer(String addr) {
    // jraft gives a new peer one election timeout to catch up; one that is still starting (JVM,
    // TLS handshake) or loading a snapshot misses that often, so the change is retried a few times
    // before it is reported as failed.
    Status s = null;
    for (int attempt = 1; attempt <= ADD_PEER_ATTEMPTS; attempt++) {
      s = cli().addPeer(opts.groupId(), knownConf(), peer(addr));
      boolean lagging =
          s.getCode() == RaftError.ECATCHUP.getNumber()
              || String.valueOf(s.getErrorMsg()).contains("catch up");
      if (s.isOk() || !lagging) {
        break;
      }
      LOG.info("raft: new peer {} has not caught up yet (attempt {}), retrying", addr, attempt);
      sleepQuietly(requestTimeoutMs);
    }
    membership("add", addr, s);
  }

  private static final int ADD_PEER_ATTEMPTS = 5;

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Removes a voting peer online. Removing down to two voters loses tolerance to any failure. */
  public void removePeer(String addr) {
    membership("remove", addr, cli().removePeer(opts.groupId(), knownConf(), peer(addr)));
  }

  /** Asks the current leader to hand leadership to {@code addr} (used for planned maintenance). */
  public void transferLeadership(String addr) {
    membership(
        "transfer leadership to",
        addr,
        cli().transferLeader(opts.groupId(), knownConf(), peer(addr)));
  }

  /**
   * If this peer leads the Raft group, hands leadership to another live peer (the one with the most
   * log). The engine calls it on the PostgreSQL primary's node: when that node dies, the store then
   * needs no election, and the dead primary's lease expires exactly one TTL after its last renewal
   * instead of one TTL after a new Raft leader took over.
   *
   * <p>Only while every peer answers: with one cut off, the new leader's election has to run behind
   * that partition, where each round first waits for the connection to the unreachable peer ({@link
   * #connectTimeoutMs}) and two candidates that started together split the vote; the chaos campaign
   * saw 3-5 lost rounds and seconds without a Raft leader (and so without lease renewals) that way.
   * The transfer waits until the partition heals.
   *
   * @return the peer asked to take over, or null when there is nothing to do
   */
  public String transferLeadershipAway() {
    if (closed || !fsm.isLeader()) {
      return null;
    }
    PeerId self = peer(opts.self());
    PeerId target = null;
    try {
      List<PeerId> alive = node.listAlivePeers();
      if (alive.size() < node.listPeers().size()) {
        return null;
      }
      for (PeerId p : alive) {
        if (!p.equals(self)) {
          target = p;
          break;
        }
      }
    } catch (IllegalStateException e) {
      return null; // stepped down meanwhile
    }
    if (target == null) {
      return null;
    }
    Status st = node.transferLeadershipTo(target);
    return st.isOk() ? target.getEndpoint().toString() : null;
  }

  /** Takes a snapshot now (and lets jraft truncate the log before it). */
  public void snapshot() {
    ensureOpen();
    CompletableFuture<Status> f = new CompletableFuture<>();
    node.snapshot(f::complete);
    try {
      Status s = f.get(requestTimeoutMs * 5, TimeUnit.MILLISECONDS);
      if (!s.isOk()) {
        throw new StoreException(StoreException.Kind.REJECTED, "snapshot failed: " + s);
      }
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      throw new StoreException(StoreException.Kind.TIMEOUT, "snapshot did not finish: " + e);
    }
  }

  private void membership(String verb, String addr, Status s) {
    if (!s.isOk()) {
      throw new StoreException(
          StoreException.Kind.REJECTED,
          "cannot " + verb + " Raft peer " + addr + ": " + s.getErrorMsg());
    }
    LOG.info("raft: {} peer {}: done", verb, addr);
  }

  /**
   * The client jraft's node already has for its peers (it authenticates with the same transport):
   * forwarding writes over it saves a second client with its own connections and threads. Null if
   * this jraft does not expose it.
   */
  private static RpcClient nodeClient(Node n) {
    if (n instanceof com.alipay.sofa.jraft.core.NodeImpl impl
        && impl.getRpcService()
            instanceof com.alipay.sofa.jraft.rpc.impl.AbstractClientService svc) {
      return svc.getRpcClient();
    }
    return null;
  }

  /**
   * jraft's CLI service, started on first use: it brings its own client, connections and threads,
   * which an idle node that nobody reconfigures does not need.
   */
  private synchronized CliService cli() {
    ensureOpen();
    if (cli == null) {
      TransportOptions.Cli co = new TransportOptions.Cli(opts.transport());
      io.synod.store.lean.PoolSizes.size(co);
      cli = RaftServiceFactory.createAndInitCliService(co);
    }
    return cli;
  }

  private List<PeerId> currentPeers() {
    try {
      List<PeerId> p = cli().getPeers(opts.groupId(), knownConf());
      return p == null ? List.of() : p;
    } catch (RuntimeException e) {
      return List.of();
    }
  }

  private Configuration knownConf() {
    Set<PeerId> peers = new LinkedHashSet<>();
    opts.peers().forEach(p -> peers.add(peer(p)));
    if (node != null && fsm.isLeader()) {
      try {
        peers.addAll(node.listPeers()); // only the leader knows the current configuration
      } catch (IllegalStateException e) {
        // stepped down meanwhile
      }
    }
    return new Configuration(new ArrayList<>(peers));
  }

  private static List<String> names(List<PeerId> ids) {
    return ids.stream().map(p -> p.getEndpoint().toString()).sorted().toList();
  }

  static PeerId peer(String addr) {
    PeerId p = new PeerId();
    if (!p.parse(addr)) {
      throw new IllegalArgumentException("not a Raft peer address (host:port): " + addr);
    }
    return p;
  }

  private void ensureOpen() {
    if (closed) {
      throw new StoreException(StoreException.Kind.CLOSED, "the store is not running");
    }
  }

  private static void pause(long ms) {
    try {
      Thread.sleep(Math.max(1, ms));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException(StoreException.Kind.CLOSED, "interrupted", e);
    }
  }

  /**
   * How many snapshots this peer loaded since it started (at start-up, or installed from the
   * leader).
   */
  public int snapshotLoads() {
    return fsm.snapshotLoads.get();
  }

  public StoreOptions options() {
    return opts;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    timer.shutdownNow();
    try {
      if (cli != null) {
        cli.shutdown();
      }
      if (ownClient) {
        rpcClient.shutdown(); // the node's own client stops with the node
      }
    } catch (RuntimeException e) {
      LOG.debug("closing rpc client: {}", e.toString());
    }
    group.shutdown();
    try {
      group.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LOG.info("raft: peer {} stopped", opts.self());
  }
}

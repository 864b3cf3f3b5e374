package io.synod.engine;

import io.synod.bridges.BridgeConfig;
import io.synod.bridges.Bridges;
import io.synod.config.ConfigException;
import io.synod.config.ConfigLoader;
import io.synod.config.DynamicConfig;
import io.synod.config.HostPort;
import io.synod.config.RaftConfig;
import io.synod.config.RestApiConfig;
import io.synod.config.SynodConfig;
import io.synod.config.VerifyClient;
import io.synod.engine.api.Access;
import io.synod.engine.api.HttpServer;
import io.synod.engine.api.RaftControl;
import io.synod.engine.api.RestApi;
import io.synod.engine.api.Tls;
import io.synod.engine.ha.HaActions;
import io.synod.engine.ha.HaLoop;
import io.synod.engine.ha.HaSettings;
import io.synod.engine.ha.Leadership;
import io.synod.engine.ha.ManualActions;
import io.synod.engine.ha.ManualRequests;
import io.synod.engine.ha.NodeIdentity;
import io.synod.engine.ha.PeerProbe;
import io.synod.engine.ha.WitnessLoop;
import io.synod.engine.ha.WitnessRequests;
import io.synod.engine.log.LogSetup;
import io.synod.engine.postgres.PgProcess;
import io.synod.engine.postgres.PgSettings;
import io.synod.engine.postgres.Postgres;
import io.synod.engine.tls.ClientTls;
import io.synod.engine.watchdog.Watchdog;
import io.synod.store.RaftStore;
import io.synod.store.StoreOptions;
import io.synod.store.cluster.RaftClusterStore;
import io.synod.store.transport.RaftTransport;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Synod node: the store peer, PostgreSQL control, the HA loop and the REST API, wired together.
 */
public final class SynodNode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SynodNode.class);

  private volatile SynodConfig cfg;
  private volatile DynamicConfig currentDcs;
  private final AtomicReference<Access> access = new AtomicReference<>();
  private RaftStore raft;
  private Postgres pg;
  private HaActions actions;
  private HaLoop loop;
  private WitnessLoop witnessLoop;
  private Runnable loopBody;
  private String loopName;
  private final CountDownLatch loopDone = new CountDownLatch(1);
  private HttpServer http;
  private Bridges bridges = Bridges.none();
  private int pgMajor;
  private ManualRequests manual;

  public SynodNode(SynodConfig cfg) {
    this.cfg = cfg;
  }

  /**
   * Starts the node and runs its HA loop on a thread of its own (tests, the class archive's
   * training run).
   */
  public SynodNode start() {
    startServices();
    new Thread(this::runLoop, loopName).start();
    return this;
  }

  /**
   * Starts everything but the HA loop, which the caller then runs with {@link #runLoop()}: the
   * launcher's main thread, which would otherwise only wait for a loop thread to end (a thread for
   * the node's whole life, saved).
   */
  public SynodNode startServices() {
    RaftConfig r = cfg.raft();
    if (r == null) {
      throw new IllegalStateException(
          cfg.source()
              + ": raft: required (Synod runs its own Raft store; "
              + "etcd3/zookeeper/consul are mirror targets, not the source of truth)");
    }
    if (cfg.witness()) {
      return startWitness(r);
    }
    // Refuse PostgreSQL older than 13 (or a data dir of another major) before anything starts.
    pgMajor = PgVersions.check(cfg.postgresql().binary("pg_ctl"), cfg.postgresql().dataDir());
    requirePasswords(cfg);
    DynamicConfig dcs = cfg.dynamic();
    RaftClusterStore store = startStore(r, dcs);

    PgSettings ps = PgSettingsFactory.build(cfg, dcs, pgMajor);
    pg = new Postgres(ps);
    NodeIdentity id = identity(cfg, ps);
    List<String> stop =
        new ArrayList<>(
            List.of(
                ps.binDir().resolve(ps.options().binary("pg_ctl")).toString(),
                "stop",
                "-m",
                "immediate",
                "-w",
                "-D",
                ps.dataDir().toString()));
    Watchdog watchdog = new Watchdog(r.dataDir(), ps.dataDir(), PgProcess.asPostgres(stop));
    // the leader race asks the peers' REST APIs as a client of this cluster would (fails here,
    // naming the file, when a TLS setting cannot be used)
    PeerProbe probe = new PeerProbe(ClientTls.of(cfg.ctl(), cfg.restapi()));
    warnIfProbeBlind(cfg);
    AtomicReference<HaSettings> live =
        new AtomicReference<>(HaSettings.of(dcs, cfg.postgresql().usePgRewind()));
    Leadership leadership = new Leadership(cfg.name(), store, watchdog, cfg.watchdog(), live::get);
    checkUniqueName(store);
    actions = new HaActions(id, store, pg, leadership, dcs, () -> loop.wakeUp());
    loop =
        new HaLoop(
            id,
            store,
            pg,
            actions,
            live,
            cfg.postgresql().usePgRewind(),
            this::onDynamicConfig,
            probe);
    loop.onFatal(msg -> new Thread(() -> System.exit(3), "synod-duplicate-name-exit").start());
    currentDcs = dcs;
    manual =
        new ManualRequests(
            new ManualActions(id, store, pg, actions, loop, this::reloadConfig), loop::wakeUp);
    loop.setManualRequests(manual);
    access.set(new Access(cfg.restapi(), () -> RestApi.memberApiUrls(loop.status())));
    RestApi api =
        new RestApi(
            new RestApi.Services(
                cfg.scope(),
                cfg.name(),
                cfg.tags(),
                loop::status,
                store,
                manual,
                RaftControl.of(raft),
                loop::wakeUp,
                dcs,
                access::get,
                null,
                () -> bridges.prometheus(),
                loop.events(),
                probe));
    http = serve(api);
    loopBody = loop;
    loopName = "synod-ha-loop";
    LOG.info(
        "node {} of cluster {} started (REST {}, PostgreSQL {}:{}, Raft {})",
        cfg.name(),
        cfg.scope(),
        cfg.restapi().apiUrl(),
        ps.connectHost(),
        ps.port(),
        r.selfAddr());
    return this;
  }

  /** The Raft peer and the mirrors: what every node runs, witness or not. */
  private RaftClusterStore startStore(RaftConfig r, DynamicConfig dcs) {
    BridgeConfig bridgeConfig =
        Bridges.config(cfg); // a bad etcd3/zookeeper/consul/bridge section stops us here
    List<String> peers = new ArrayList<>();
    for (HostPort hp : r.peers()) {
      peers.add(hp.host() + ":" + hp.port());
    }
    String self = r.selfAddr().host() + ":" + r.selfAddr().port();
    StoreOptions so =
        new StoreOptions(
            cfg.scope(),
            r.dataDir(),
            self,
            peers,
            r.electionTimeoutMs(),
            r.snapshotIntervalSecs(),
            dcs.retryTimeout().toMillis(),
            (r.listenAddr().isWildcard() ? "0.0.0.0" : r.listenAddr().host())
                + ":"
                + r.listenAddr().port(),
            raftTransport(r, cfg.scope(), self));
    raft = new RaftStore(so).start();
    RaftClusterStore store = new RaftClusterStore(raft, cfg.namespace(), cfg.scope());
    // Mirrors of the store in etcd3/zookeeper/consul: own threads, never on the HA loop's path.
    bridges = Bridges.fromConfig(bridgeConfig, cfg, raft, store).start();
    return store;
  }

  /**
   * A witness: the Raft peer, the REST API and {@link WitnessLoop} (its member key), nothing else.
   * No PostgreSQL controller, fence, {@code Leadership} or {@code HaActions} is built, so nothing
   * in this process can start PostgreSQL or take the leader lock.
   */
  private SynodNode startWitness(RaftConfig r) {
    DynamicConfig dcs = cfg.dynamic();
    RaftClusterStore store = startStore(r, dcs);
    NodeIdentity id =
        new NodeIdentity(
            cfg.name(), null, 0, cfg.restapi().apiUrl(), cfg.tags().asMap(), true, 0, null);
    checkUniqueName(store);
    AtomicReference<HaSettings> live = new AtomicReference<>(HaSettings.of(dcs, null));
    witnessLoop = new WitnessLoop(id, store, live);
    witnessLoop.onFatal(
        msg -> new Thread(() -> System.exit(3), "synod-duplicate-name-exit").start());
    currentDcs = dcs;
    manual = new ManualRequests(new WitnessRequests(this::reloadConfig), witnessLoop::wakeUp);
    witnessLoop.setManualRequests(manual);
    access.set(new Access(cfg.restapi(), () -> RestApi.memberApiUrls(witnessLoop.status())));
    RestApi api =
        new RestApi(
            new RestApi.Services(
                cfg.scope(),
                cfg.name(),
                cfg.tags(),
                witnessLoop::status,
                store,
                manual,
                RaftControl.of(raft),
                witnessLoop::wakeUp,
                dcs,
                access::get,
                null,
                () -> bridges.prometheus(),
                witnessLoop.events(),
                new PeerProbe(ClientTls.of(cfg.ctl(), cfg.restapi()))));
    http = serve(api);
    loopBody = witnessLoop;
    loopName = "synod-witness-loop";
    LOG.info(
        "node {} of cluster {} started as a witness: a Raft voter without PostgreSQL (REST {},"
            + " Raft {})",
        cfg.name(),
        cfg.scope(),
        cfg.restapi().apiUrl(),
        r.selfAddr());
    return this;
  }

  /** What goes into this node's member key: conn_url from postgresql.connect_address. */
  static NodeIdentity identity(SynodConfig cfg, PgSettings ps) {
    return new NodeIdentity(
        cfg.name(),
        ps.connectHost(),
        // conn_url's port is connect_address's (a proxy or NAT may sit in front of listen)
        cfg.postgresql().connectHostPort().port(),
        cfg.restapi().apiUrl(),
        cfg.tags().asMap(),
        cfg.tags().nofailover(),
        cfg.tags().failoverPriority(),
        cfg.postgresql().proxyAddress());
  }

  /** The REST API on its address, with the warning when it is open to other hosts. */
  private HttpServer serve(RestApi api) {
    HttpServer h =
        new HttpServer()
            .lanes(api::lane)
            .start(
                cfg.restapi().host(),
                cfg.restapi().port(),
                Tls.serverContext(cfg.restapi()),
                HttpServer.Options.from(cfg.restapi()),
                api::handle);
    warnIfRestOpen(cfg.restapi());
    return h;
  }

  /**
   * Patroni's REST API is open by default and Synod keeps that for compatibility; on an address
   * other hosts can reach, say so loudly.
   */
  static boolean warnIfRestOpen(RestApiConfig r) {
    if (r.authentication() != null
        || r.verifyClient() == VerifyClient.REQUIRED
        || !r.allowlist().isEmpty()) {
      return false;
    }
    String host = r.host();
    boolean loopback;
    try {
      loopback = !host.isEmpty() && InetAddress.getByName(host).isLoopbackAddress();
    } catch (IOException e) {
      loopback = false;
    }
    if (loopback) {
      return false;
    }
    LOG.warn(
        "restapi: SECURITY: the REST API listens on {} without restapi.authentication: anyone who"
            + " can reach it can switch over, fail over, restart or reinitialize PostgreSQL and"
            + " change the cluster configuration. Set restapi.authentication (username, password),"
            + " or verify_client: required with restapi.cafile, or restrict restapi.allowlist.",
        r.listen());
    return true;
  }

  /**
   * The leader race asks the other members' REST APIs; against {@code verify_client: required} it
   * needs a client certificate, which (as in Patroni) comes from ctl.certfile only.
   */
  static boolean warnIfProbeBlind(SynodConfig cfg) {
    if (cfg.restapi().verifyClient() != VerifyClient.REQUIRED
        || (cfg.ctl() != null && cfg.ctl().certfile() != null)) {
      return false;
    }
    LOG.warn(
        "restapi.verify_client is required but ctl.certfile is not set: during a leader race this"
            + " node cannot ask the other members' REST APIs and counts them as unreachable. Set"
            + " ctl.certfile and ctl.keyfile to a client certificate signed by restapi.cafile.");
    return true;
  }

  /**
   * Synod and the replicas connect over TCP; a role without a password could only be let in by
   * {@code trust}, i.e. by anyone who can open a TCP connection to PostgreSQL from this host. Synod
   * refuses to start (and so to bootstrap) rather than write such pg_hba lines.
   */
  static void requirePasswords(SynodConfig cfg) {
    List<String> missing = new ArrayList<>();
    var pg = cfg.postgresql();
    if (blank(pg.superuser().password())) {
      missing.add("postgresql.authentication.superuser.password");
    }
    if (blank(pg.replication().password())) {
      missing.add("postgresql.authentication.replication.password");
    }
    if (pg.rewind() != null && blank(pg.rewind().password())) {
      missing.add("postgresql.authentication.rewind.password");
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException(
          (cfg.source() == null ? "" : cfg.source() + ": ")
              + String.join(", ", missing)
              + ": required. Without a password PostgreSQL would have to trust every TCP"
              + " connection for that role from this host; set one in the file or with"
              + " PATRONI_SUPERUSER_PASSWORD / PATRONI_REPLICATION_PASSWORD /"
              + " PATRONI_REWIND_PASSWORD");
    }
  }

  private static boolean blank(String s) {
    return s == null || s.isEmpty();
  }

  /** raft.certfile (mutual TLS with the operator's PKI), raft.password, or nothing. */
  static RaftTransport raftTransport(RaftConfig r, String scope, String self) {
    if (r.tls()) {
      return RaftTransport.mutualTls(r.certfile(), r.keyfile(), r.keyfilePassword(), r.cafile());
    }
    if (r.password() != null) {
      return RaftTransport.sharedSecret(r.password().toCharArray(), scope, self, r.dataDir());
    }
    return RaftTransport.plain();
  }

  /**
   * Two nodes configured with one name would share a member key and a lock value: the second one
   * refuses to start while the first one's member key lives (it names another Raft address).
   */
  private void checkUniqueName(RaftClusterStore store) {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (true) {
      try {
        String owner = store.memberOwner(cfg.name(), io.synod.store.ReadMode.LINEARIZABLE);
        // a key written by an older Synod carries the member name as owner: not a conflict
        if (owner != null && owner.contains(":") && !owner.equals(store.owner())) {
          throw new IllegalStateException(
              "member name "
                  + cfg.name()
                  + " is already in use by the node at Raft address "
                  + owner
                  + " (this node is "
                  + store.owner()
                  + "); every node needs a unique name");
        }
        return;
      } catch (io.synod.store.StoreException e) {
        if (System.nanoTime() > deadline) {
          LOG.warn("could not check that name {} is unique: {}", cfg.name(), e.getMessage());
          return;
        }
        try {
          Thread.sleep(200);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** SIGHUP (Patroni's systemd reload): re-read the YAML on the loop's thread, as POST /reload. */
  public void reload() {
    ManualRequests m = manual;
    if (m != null) {
      m.reload();
    }
  }

  /**
   * A change of the dynamic config: new settings; rewrite the config files and reload when they
   * changed.
   */
  private void onDynamicConfig(DynamicConfig d) {
    currentDcs = d;
    PgSettings next = PgSettingsFactory.build(cfg, d, pgMajor);
    // parameters, pg_hba, pg_ident, or the synchronous-mode stop limit changed
    if (!next.equals(pg.settings())) {
      pg.updateSettings(next);
      if (pg.writeConfig() && pg.isRunning()) {
        pg.reload();
        pg.runCallback("on_reload", pg.state().isPrimary() ? "primary" : "replica");
      }
    }
  }

  /**
   * The DCS bridges of this node (empty when none is configured): {@code bridges().metrics()} gives
   * {@code synod_bridge_up} / {@code synod_bridge_lag_seconds} per target, {@code
   * bridges().prometheus()} the same as Prometheus text.
   */
  public Bridges bridges() {
    return bridges;
  }

  /**
   * POST /reload (on the HA loop's thread): re-reads the YAML; applies PostgreSQL parameters and
   * pg_hba, the REST API's authentication and allowlist, and the log section (new warnings are
   * logged once). Listen addresses, TLS files, tags and the Raft section need a restart. An invalid
   * file is logged and changes nothing.
   */
  private void reloadConfig() {
    if (cfg.source() == null) {
      return;
    }
    SynodConfig next;
    try {
      next = ConfigLoader.read(cfg.source(), System.getenv());
    } catch (ConfigException e) {
      LOG.error(
          "reload: {} is invalid, keeping the running configuration: {}",
          cfg.source(),
          String.join("; ", e.problems()));
      return;
    }
    List<String> needRestart = ReloadDiff.needRestart(cfg.raw(), next.raw());
    try {
      LogSetup.apply(next.log());
    } catch (IllegalStateException ex) {
      LOG.error("reload: keeping the running log settings: {}", ex.getMessage());
    }
    SynodConfig previous = cfg;
    next.warnings().stream()
        .filter(w -> !previous.warnings().contains(w))
        .forEach(w -> LOG.warn("{}", w));
    cfg = next;
    access.set(
        new Access(
            next.restapi(),
            () -> RestApi.memberApiUrls(loop != null ? loop.status() : witnessLoop.status())));
    if (pg != null) {
      pg.updateSettings(PgSettingsFactory.build(next, currentDcs, pgMajor));
      LOG.info(
          "reload: re-read {}; applied PostgreSQL parameters, pg_hba, pg_ident, the REST API's"
              + " access rules and the log settings",
          next.source());
    } else {
      LOG.info(
          "reload: re-read {}; applied the REST API's access rules and the log settings",
          next.source());
    }
    if (!needRestart.isEmpty()) {
      LOG.warn(
          "reload: changed settings that take effect only after a restart of this node: {}",
          String.join(", ", needRestart));
    }
  }

  /** The HA loop; null on a witness. */
  public HaLoop loop() {
    return loop;
  }

  /**
   * Runs the HA loop (a witness's, on a witness) on the calling thread, named for it meanwhile,
   * until {@link #close()} stops it.
   */
  public void runLoop() {
    Thread t = Thread.currentThread();
    String was = t.getName();
    t.setName(loopName);
    try {
      loopBody.run();
    } finally {
      t.setName(was);
      loopDone.countDown();
    }
  }

  /** Clean stop: the leader hands over (releases its lock) and PostgreSQL shuts down fast. */
  @Override
  public synchronized void close() {
    if (loop == null && witnessLoop == null) {
      return;
    }
    LOG.info("node {} shutting down", cfg.name());
    if (loop != null) {
      loop.stop();
    } else {
      witnessLoop.stop(); // its member key expires after ttl; it holds nothing to hand over
    }
    try {
      // a latch, not a join: the loop may run on the launcher's main thread, which lives on
      // after the loop (it may be the thread calling System.exit, waiting for this hook)
      loopDone.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (actions != null) {
      actions.shutdown();
      pg.close();
    }
    http.close();
    bridges.close();
    raft.close();
    loop = null;
    witnessLoop = null;
  }
}

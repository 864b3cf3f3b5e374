package io.synod.bridges;

import io.synod.store.cluster.Keys;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One bridge: keeps one {@link Target} equal to the Raft store, on the node that is the Raft leader
 * only. It runs on its own threads: start() and stop() never wait on the target's network, and a
 * dead or slow target shows only in {@link #metrics()} and the log, never in the HA loop.
 *
 * <p>Three threads, none shared with the HA loop:
 *
 * <ul>
 *   <li>the <b>watcher</b> waits for changes of the cluster's keys in the local replica, diffs the
 *       new {@link Snapshot} against the last one it queued, and offers the changes to a bounded,
 *       coalescing {@link OpQueue} (when it overflows, it asks for a full resync instead);
 *   <li>the <b>sender</b> applies queued changes to the target. Any failure marks the bridge down,
 *       backs off (exponential, with jitter) and asks for a <b>full resync</b>: read everything the
 *       target holds, write what differs, delete what Raft no longer has. It resyncs also when this
 *       node becomes the writer (taking TTL'd keys over from the previous writer's lease or
 *       session), after a lost lease or session, and after a failed compare-and-set. With {@code
 *       accept_requests} it also looks for failover/config keys written by tooling and applies them
 *       (see {@link RequestApplier});
 *   <li>the <b>keepalive</b> renews the lease or session of the TTL'd keys while this node writes.
 * </ul>
 *
 * On the other nodes the sender only probes the target once a second, so {@code up} means the same
 * everywhere, and the client is already connected when leadership moves here.
 */
public final class Mirror {
  private static final Logger LOG = LoggerFactory.getLogger(Mirror.class);
  private static final long PING_EVERY_MS = 1000;
  private static final long KEEPALIVE_TICK_MS = 100;
  private static final long DRAIN_ON_STOP_MS = 1000;

  private final String name;
  private final MirrorSource source;
  private final Target target;
  private final MirrorOptions opts;
  private final RequestApplier requests;
  private final OpQueue queue;

  private final Object lock = new Object();

  /** What the watcher last queued from; null when the sender must resync first. Guarded by lock. */
  private Snapshot baseline;

  private boolean resyncNeeded = true;

  /** Since when the target may miss changes not in the queue (failure, pending resync); 0: not. */
  private long staleSinceNanos;

  // sender thread only
  private final Map<String, Stored> known = new HashMap<>();
  private boolean tenureSynced;
  private long nextRequestCheck;
  private long nextPing;
  private long nextFullResync;
  private long backoffMs;

  private volatile boolean running;
  private volatile boolean writer;
  private volatile boolean up;
  private volatile long nextKeepAlive;
  private volatile String lastError;
  private final AtomicLong writes = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private final AtomicLong resyncs = new AtomicLong();
  private Thread watcher;
  private Thread sender;
  private ScheduledExecutorService keepalive;

  public Mirror(MirrorSource source, Target target, MirrorOptions opts) {
    this.name = target.name();
    this.source = source;
    this.target = target;
    this.opts = opts;
    this.requests = opts.acceptRequests() ? new RequestApplier(name, source.store()) : null;
    this.queue = new OpQueue(opts.queueCapacity());
    this.backoffMs = opts.backoffMinMs();
  }

  /**
   * The metric label and log name of the target: {@code etcd3}, {@code zookeeper} or {@code
   * consul}.
   */
  public String name() {
    return name;
  }

  /** Starts the threads; returns at once (no network I/O here). */
  public synchronized void start() {
    if (running) {
      return;
    }
    running = true;
    watcher = new Thread(this::watchLoop, "synod-bridge-" + name + "-watch");
    sender = new Thread(this::sendLoop, "synod-bridge-" + name + "-send");
    watcher.setDaemon(true);
    sender.setDaemon(true);
    keepalive =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "synod-bridge-" + name + "-keepalive");
              t.setDaemon(true);
              return t;
            });
    keepalive.scheduleWithFixedDelay(
        this::keepAliveTick, KEEPALIVE_TICK_MS, KEEPALIVE_TICK_MS, TimeUnit.MILLISECONDS);
    watcher.start();
    sender.start();
    LOG.info("bridge {}: started (accept_requests={})", name, opts.acceptRequests());
  }

  /**
   * Stops the threads (letting a writer flush for up to a second) and closes the client; TTL'd keys
   * are left to expire in the target.
   */
  public void stop() {
    synchronized (this) {
      if (!running) {
        return;
      }
      if (writer && up) {
        long deadline = System.nanoTime() + DRAIN_ON_STOP_MS * 1_000_000L;
        while (queue.size() > 0 && System.nanoTime() < deadline) {
          sleepQuietly(20);
        }
      }
      running = false;
    }
    keepalive.shutdownNow();
    queue.wake();
    watcher.interrupt();
    joinQuietly(watcher);
    joinQuietly(sender);
    if (sender.isAlive()) {
      sender.interrupt();
      joinQuietly(sender);
    }
    try {
      target.close();
    } catch (RuntimeException e) {
      LOG.debug("bridge {}: closing the client: {}", name, e.toString());
    }
    LOG.info("bridge {}: stopped", name);
  }

  public BridgeMetrics metrics() {
    return new BridgeMetrics(
        name, up, lagSeconds(), writer, writes.get(), errors.get(), resyncs.get(), lastError);
  }

  /**
   * Seconds since the oldest change not yet confirmed in the target (0 when caught up or not
   * writing).
   */
  public double lagSeconds() {
    if (!writer) {
      return 0;
    }
    long oldest = queue.oldestSinceNanos();
    synchronized (lock) {
      if (staleSinceNanos != 0) {
        oldest = Math.min(oldest, staleSinceNanos);
      }
    }
    return oldest == Long.MAX_VALUE ? 0 : Math.max(0, System.nanoTime() - oldest) / 1e9;
  }

  // --- watcher -----------------------------------------------------------------------------

  private void watchLoop() {
    CompletableFuture<Long> watch = null;
    long armedAt = -1;
    while (running) {
      try {
        if (!source.isWriter()) {
          synchronized (lock) {
            if (baseline != null) {
              baseline = null;
              queue.clear();
            }
          }
          watch = null;
          Thread.sleep(opts.pollMs());
          continue;
        }
        long rev;
        synchronized (lock) {
          if (baseline == null) {
            markResyncLocked();
          } else if (!resyncNeeded) {
            Snapshot s = source.snapshot();
            long now = System.nanoTime();
            boolean overflow = false;
            for (Snapshot.Change c : Snapshot.diff(baseline, s)) {
              if (!queue.offer(new OpQueue.Op(c.key(), c.entry(), now))) {
                overflow = true;
                break;
              }
            }
            if (overflow) {
              LOG.warn(
                  "bridge {}: more than {} keys wait for the target; dropping them for a full resync",
                  name,
                  opts.queueCapacity());
              queue.clear();
              baseline = null;
              markResyncLocked();
            } else {
              baseline = s;
            }
          }
          // While a resync is pending the sender takes its own snapshot: nothing to diff until
          // then.
          rev = baseline == null || resyncNeeded ? -1 : baseline.revision();
        }
        if (rev < 0) {
          watch = null;
          Thread.sleep(opts.pollMs());
          continue;
        }
        if (watch != null && watch.isDone() && armedAt == rev) {
          Thread.sleep(10); // fired, but the snapshot did not move past it yet: never spin
        }
        if (watch == null || armedAt != rev) {
          watch = source.watch(rev);
          armedAt = rev;
        }
        try {
          watch.get(opts.pollMs(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
          // re-check the writer role; keep the same watch armed
        } catch (ExecutionException e) {
          watch = null;
          Thread.sleep(opts.pollMs());
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        if (!running) {
          return;
        }
        LOG.debug("bridge {}: reading the store: {}", name, e.toString());
        watch = null;
        sleepQuietly(opts.pollMs());
      }
    }
  }

  // --- sender ------------------------------------------------------------------------------

  private void sendLoop() {
    while (running) {
      try {
        boolean w = source.isWriter();
        if (w != writer) {
          onWriterChange(w);
        }
        if (!w) {
          idle();
          Thread.sleep(opts.pollMs());
          continue;
        }
        target.open();
        if (target.takeSessionLost()) {
          LOG.warn("bridge {}: the target lost this writer's lease/session; resyncing", name);
          requestResync();
        }
        boolean resync;
        synchronized (lock) {
          resync = resyncNeeded;
        }
        if (resync) {
          resync();
        } else {
          OpQueue.Op op = queue.poll(opts.pollMs());
          if (op != null) {
            apply(op);
          } else if (requests != null && System.nanoTime() - nextRequestCheck >= 0) {
            checkRequests();
            nextRequestCheck = System.nanoTime() + opts.requestPollMs() * 1_000_000L;
          } else if (opts.fullResyncMs() > 0 && System.nanoTime() - nextFullResync >= 0) {
            synchronized (lock) {
              resyncNeeded = true; // periodic: not a sign of lag, so staleSince stays as it is
            }
          }
        }
        succeeded();
      } catch (InterruptedException e) {
        return;
      } catch (ConflictException e) {
        errors.incrementAndGet();
        lastError = e.getMessage();
        LOG.info("bridge {}: {}; resyncing", name, e.getMessage());
        requestResync();
      } catch (Exception e) {
        if (!running) {
          return;
        }
        failed(e);
        requestResync();
        long pause = backoffMs + ThreadLocalRandom.current().nextLong(backoffMs / 4 + 1);
        backoffMs = Math.min(opts.backoffMaxMs(), backoffMs * 2);
        sleepQuietly(pause);
      }
    }
  }

  private void onWriterChange(boolean w) {
    writer = w;
    known.clear();
    tenureSynced = false;
    if (w) {
      LOG.info("bridge {}: this node is the Raft leader: it writes the mirror now", name);
      requestResync();
    } else {
      LOG.info(
          "bridge {}: no longer the Raft leader: stopped writing (TTL'd keys are left to the next writer)",
          name);
      try {
        target.relinquish();
      } catch (RuntimeException e) {
        LOG.debug("bridge {}: relinquish: {}", name, e.toString());
      }
      synchronized (lock) {
        queue.clear();
        baseline = null;
        resyncNeeded = true;
        staleSinceNanos = 0;
      }
    }
  }

  private void idle() {
    target.idle();
    if (System.nanoTime() - nextPing < 0) {
      return;
    }
    nextPing = System.nanoTime() + PING_EVERY_MS * 1_000_000L;
    try {
      target.open();
      target.ping();
      succeeded();
    } catch (Exception e) {
      failed(e);
    }
  }

  private void resync() throws Exception {
    boolean first = !tenureSynced;
    Snapshot s;
    synchronized (lock) {
      s = source.snapshot();
      queue.clear();
      baseline = s;
      resyncNeeded = false;
    }
    Map<String, Stored> actual = target.readAll();
    if (requests != null && tenureSynced && applyExternalWrites(actual, s)) {
      requestResync(); // read the store again: it holds the request now
      return;
    }
    known.clear();
    actual.forEach(
        (k, v) -> {
          if (Snapshot.isPatroniKey(k)) {
            known.put(k, v);
          }
        });
    int changed = 0;
    for (MirrorEntry e : s.entries().values()) {
      Stored cur = known.get(e.key());
      if (!upToDate(cur, e)) {
        known.put(e.key(), target.put(e, cur));
        writes.incrementAndGet();
        changed++;
      }
    }
    for (String k : new ArrayList<>(known.keySet())) {
      if (!s.entries().containsKey(k)) {
        target.delete(k, known.get(k));
        known.remove(k);
        writes.incrementAndGet();
        changed++;
      }
    }
    resyncs.incrementAndGet();
    tenureSynced = true;
    nextFullResync = System.nanoTime() + opts.fullResyncMs() * 1_000_000L;
    synchronized (lock) {
      if (!resyncNeeded) {
        staleSinceNanos = 0;
      }
    }
    nextKeepAlive = 0;
    if (changed > 0 || first) {
      LOG.info(
          "bridge {}: full resync at revision {}: {} keys, {} written or deleted",
          name,
          s.revision(),
          s.entries().size(),
          changed);
    } else {
      LOG.debug("bridge {}: full resync at revision {}: in sync", name, s.revision());
    }
  }

  private void apply(OpQueue.Op op) throws Exception {
    Stored cur = known.get(op.key());
    if (op.entry() == null) {
      if (cur != null) {
        target.delete(op.key(), cur);
        known.remove(op.key());
        writes.incrementAndGet();
      }
    } else if (!upToDate(cur, op.entry())) {
      known.put(op.key(), target.put(op.entry(), cur));
      writes.incrementAndGet();
    }
  }

  static boolean upToDate(Stored cur, MirrorEntry e) {
    return cur != null
        && Objects.equals(cur.value(), e.value())
        && cur.ephemeral() == e.ephemeral()
        && (!e.ephemeral() || cur.mine());
  }

  // --- reverse path (accept_requests) ------------------------------------------------------

  private static final List<String> REQUEST_KEYS = List.of(Keys.CONFIG, Keys.FAILOVER);

  /** Steady state: looks at the failover and config keys for versions this writer did not write. */
  private void checkRequests() throws Exception {
    if (!tenureSynced) {
      return;
    }
    Snapshot s;
    synchronized (lock) {
      s = baseline;
    }
    if (s == null) {
      return;
    }
    for (String key : REQUEST_KEYS) {
      Stored now = target.read(key);
      Stored was = known.get(key);
      if (now == null) {
        if (was != null) {
          known.remove(key);
          restore(key, s); // deleted by someone: put the store's value back
        }
        continue;
      }
      if (was != null && was.version() == now.version()) {
        continue;
      }
      known.put(key, now);
      MirrorEntry want = s.entries().get(key);
      if (want != null && want.value().equals(now.value())) {
        continue;
      }
      if (!requests.apply(key, now.value())) {
        restore(key, s);
      }
    }
  }

  /**
   * During a resync: a changed failover/config key is a request if this writer did not write that
   * version.
   */
  private boolean applyExternalWrites(Map<String, Stored> actual, Snapshot s) {
    boolean applied = false;
    for (String key : REQUEST_KEYS) {
      Stored now = actual.get(key);
      Stored was = known.get(key);
      MirrorEntry want = s.entries().get(key);
      if (now == null
          || (was != null && was.version() == now.version())
          || (want != null && want.value().equals(now.value()))) {
        continue;
      }
      applied |= requests.apply(key, now.value());
    }
    return applied;
  }

  private void restore(String key, Snapshot s) {
    queue.offer(new OpQueue.Op(key, s.entries().get(key), System.nanoTime()));
  }

  // --- keepalive ---------------------------------------------------------------------------

  private void keepAliveTick() {
    if (!running || !writer) {
      return;
    }
    long every = target.keepAliveIntervalMs();
    if (every <= 0 || System.nanoTime() - nextKeepAlive < 0) {
      return;
    }
    nextKeepAlive = System.nanoTime() + every * 1_000_000L;
    try {
      target.keepAlive();
    } catch (SessionLostException e) {
      LOG.warn("bridge {}: {}; resyncing", name, e.getMessage());
      requestResync();
    } catch (Exception e) {
      failed(e);
      requestResync();
    }
  }

  // --- state -------------------------------------------------------------------------------

  private void requestResync() {
    synchronized (lock) {
      markResyncLocked();
    }
    queue.wake();
  }

  private void markResyncLocked() {
    resyncNeeded = true;
    if (staleSinceNanos == 0) {
      staleSinceNanos = System.nanoTime();
    }
  }

  private void succeeded() {
    if (!up) {
      LOG.info("bridge {}: target reachable{}", name, writer ? "; writing the mirror" : "");
    }
    up = true;
    backoffMs = opts.backoffMinMs();
  }

  private void failed(Exception e) {
    errors.incrementAndGet();
    String msg = describe(e);
    lastError = msg;
    if (up || errors.get() == 1) {
      LOG.warn(
          "bridge {}: target unreachable or failing ({}); retrying with backoff, full resync once it answers",
          name,
          msg);
    } else {
      LOG.debug("bridge {}: still failing: {}", name, msg);
    }
    up = false;
  }

  static String describe(Throwable e) {
    Throwable t = e;
    while ((t instanceof ExecutionException
            || t instanceof java.util.concurrent.CompletionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void joinQuietly(Thread t) {
    try {
      t.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

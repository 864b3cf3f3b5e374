package io.synod.bridges;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.synod.store.cluster.Keys;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Mirror into etcd v3 (jetcd): keys exactly where Patroni's etcd3 DCS puts them ({@code
 * /<namespace>/<scope>/leader}, ...). TTL'd keys are attached to a lease of this writer, one lease
 * per TTL, renewed every third of it; persistent keys are written with a transaction that compares
 * mod_revision, so a key changed by someone else is never overwritten blindly.
 */
public final class EtcdTarget extends Target {
  public static final String TARGET = "etcd3";

  private final EtcdSettings settings;
  private final String prefix;
  private final long timeoutMs;
  private volatile Client client;

  /** TTL in seconds -> lease id, for the TTL'd keys this writer holds. */
  private final Map<Long, Long> leases = new ConcurrentHashMap<>();

  /**
   * A call failed: build a fresh client next time (gRPC's own reconnect backoff grows to minutes).
   */
  private volatile boolean rebuild;

  private long builtAtNanos;

  public EtcdTarget(EtcdSettings settings, Keys keys, MirrorOptions opts) {
    super(TARGET);
    this.settings = settings;
    this.prefix = keys.base();
    this.timeoutMs = opts.requestTimeoutMs();
  }

  @Override
  public synchronized void open() throws Exception {
    if (client != null && rebuild && System.nanoTime() - builtAtNanos > 1_000_000_000L) {
      client.close();
      client = null;
    }
    if (client != null) {
      return;
    }
    rebuild = false;
    builtAtNanos = System.nanoTime();
    ClientBuilder b =
        Client.builder()
            .endpoints(settings.endpoints().toArray(String[]::new))
            .connectTimeout(Duration.ofMillis(timeoutMs))
            .waitForReady(false)
            .retryMaxAttempts(2)
            .retryDelay(100)
            .retryMaxDelay(500)
            .retryChronoUnit(java.time.temporal.ChronoUnit.MILLIS)
            .retryMaxDuration(Duration.ofMillis(timeoutMs))
            .keepaliveTime(Duration.ofSeconds(5))
            .keepaliveTimeout(Duration.ofSeconds(2));
    if (settings.username() != null) {
      b.user(bytes(settings.username())).password(bytes(settings.password()));
    }
    if (settings.cacert() != null || settings.cert() != null) {
      b.sslContext(
          ssl -> {
            if (settings.cacert() != null) {
              ssl.trustManager(settings.cacert().toFile());
            }
            if (settings.cert() != null) {
              ssl.keyManager(settings.cert().toFile(), settings.key().toFile());
            }
          });
    }
    client = b.build();
  }

  private KV kv() throws Exception {
    open();
    return client.getKVClient();
  }

  @Override
  public void ping() throws Exception {
    await(kv().get(bytes(prefix + Keys.LEADER), GetOption.builder().withCountOnly(true).build()));
  }

  @Override
  public Map<String, Stored> readAll() throws Exception {
    GetResponse r = await(kv().get(bytes(prefix), GetOption.builder().isPrefix(true).build()));
    Map<String, Stored> out = new LinkedHashMap<>();
    for (KeyValue kv : r.getKvs()) {
      out.put(kv.getKey().toString(StandardCharsets.UTF_8).substring(prefix.length()), stored(kv));
    }
    return out;
  }

  @Override
  public Stored read(String key) throws Exception {
    GetResponse r = await(kv().get(bytes(prefix + key)));
    return r.getKvs().isEmpty() ? null : stored(r.getKvs().get(0));
  }

  private Stored stored(KeyValue kv) {
    long lease = kv.getLease();
    return new Stored(
        kv.getValue().toString(StandardCharsets.UTF_8),
        kv.getModRevision(),
        lease != 0,
        lease != 0 && leases.containsValue(lease));
  }

  @Override
  public Stored put(MirrorEntry e, Stored current) throws Exception {
    ByteSequence k = bytes(prefix + e.key());
    ByteSequence v = bytes(e.value());
    if (e.ephemeral()) {
      long ttl = ttlSeconds(e.ttlMs());
      long id = lease(ttl);
      try {
        PutResponse r = await(kv().put(k, v, PutOption.builder().withLeaseId(id).build()));
        return new Stored(e.value(), r.getHeader().getRevision(), true, true);
      } catch (ExecutionException ex) {
        if (leaseNotFound(ex)) {
          leases.remove(ttl, id);
          throw new ConflictException("etcd lease " + Long.toHexString(id) + " expired");
        }
        throw ex;
      }
    }
    long expected = current == null ? 0 : current.version();
    TxnResponse r =
        await(
            kv().txn()
                .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(expected)))
                .Then(Op.put(k, v, PutOption.DEFAULT))
                .commit());
    if (!r.isSucceeded()) {
      throw new ConflictException(
          prefix + e.key() + " changed in etcd (expected mod_revision " + expected + ")");
    }
    return new Stored(e.value(), r.getHeader().getRevision(), false, false);
  }

  @Override
  public void delete(String key, Stored current) throws Exception {
    ByteSequence k = bytes(prefix + key);
    if (current.ephemeral()) {
      await(kv().delete(k));
      return;
    }
    TxnResponse r =
        await(
            kv().txn()
                .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(current.version())))
                .Then(Op.delete(k, DeleteOption.DEFAULT))
                .commit());
    if (!r.isSucceeded()) {
      throw new ConflictException(
          prefix + key + " changed in etcd (expected mod_revision " + current.version() + ")");
    }
  }

  private synchronized long lease(long ttlSeconds) throws Exception {
    Long id = leases.get(ttlSeconds);
    if (id == null) {
      open();
      LeaseGrantResponse g = await(client.getLeaseClient().grant(ttlSeconds));
      id = g.getID();
      leases.put(ttlSeconds, id);
    }
    return id;
  }

  static long ttlSeconds(long ttlMs) {
    return Math.max(1, (ttlMs + 999) / 1000);
  }

  @Override
  public long keepAliveIntervalMs() {
    long min = leases.keySet().stream().mapToLong(Long::longValue).min().orElse(0);
    return min == 0 ? 500 : Math.max(200, min * 1000 / 3);
  }

  @Override
  public void keepAlive() throws Exception {
    for (Map.Entry<Long, Long> l : leases.entrySet()) {
      long id = l.getValue();
      try {
        LeaseKeepAliveResponse r = await(client.getLeaseClient().keepAliveOnce(id));
        if (r.getTTL() <= 0) {
          lost(l.getKey(), id);
        }
      } catch (ExecutionException ex) {
        if (leaseNotFound(ex)) {
          lost(l.getKey(), id);
        }
        throw ex;
      }
    }
  }

  private void lost(long ttl, long id) throws SessionLostException {
    leases.remove(ttl, id);
    sessionLost();
    throw new SessionLostException(
        "etcd lease " + Long.toHexString(id) + " (ttl " + ttl + " s) expired");
  }

  private static boolean leaseNotFound(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c.getMessage() != null && c.getMessage().contains("lease not found")) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void relinquish() {
    // No revoke: the next writer re-attaches every TTL'd key to its own lease; ours then expires
    // empty.
    leases.clear();
  }

  @Override
  public synchronized void close() {
    leases.clear();
    if (client != null) {
      client.close();
      client = null;
    }
  }

  private <T> T await(CompletableFuture<T> f) throws Exception {
    try {
      return f.get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      rebuild = true;
      throw new TimeoutException(
          "etcd " + settings.endpoints() + " did not answer within " + timeoutMs + " ms");
    } catch (ExecutionException e) {
      if (!leaseNotFound(e)) {
        rebuild = true;
      }
      throw e;
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}

package io.synod.bench;

import io.synod.bench.cluster.StorePeers;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Lease handover in the store: a holder keeps a TTL'd key (the leader lock) by renewing it with a
 * CAS every ttl/4, as Synod's lease keeper does (it renewed every ttl/8 from b772a99 to issue 15;
 * the wait after a crash is ttl minus the time since the last renewal either way). Each iteration
 * SIGKILLs the holder at a random point of that renewal cycle and times until another peer's
 * create-if-absent of the key succeeds (it retries every 10 ms). {@code holder=follower}: the
 * holder is a Raft follower, so this is the TTL wait; {@code holder=leader}: the holder also leads
 * Raft, so a re-election comes first and the new Raft leader grants the lease a full TTL from its
 * start.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 10)
public class LeaseHandover extends ForkedBenchmark {
  static final String KEY = "/service/bench/leader";

  /** The lease TTL (Synod's default ttl is 2 s). */
  @Param({"2000"})
  public long ttlMs;

  /** The Raft role of the lease holder when it dies. */
  @Param({"follower", "leader"})
  public String holder;

  private StorePeers peers;
  private final Random rnd = new Random(42);
  private int h;
  private int contender;
  private volatile boolean renewing;
  private Thread renewer;

  @Setup(Level.Trial)
  public void startPeers() throws Exception {
    peers = new StorePeers(3, 300, 10_000).startAll();
  }

  @Setup(Level.Iteration)
  public void prepare() throws Exception {
    peers.restartDead();
    int leader = peers.awaitLeader();
    for (int i = 0; i < 3; i++) {
      peers.putUntilOk(i, "/bench/warm", "p" + i, 0, "any", 30_000, 20);
    }
    leader = peers.awaitLeader();
    h = holder.equals("leader") ? leader : (leader + 1) % 3;
    contender = holder.equals("leader") ? (leader + 1) % 3 : (leader + 2) % 3;
    // the previous holder's lease is gone (or ours already): take it
    peers.putUntilOk(h, KEY, "h" + h, ttlMs, "any", 30_000, 20);
    renewing = true;
    final int holderIdx = h;
    renewer =
        new Thread(
            () -> {
              while (renewing) {
                try {
                  peers
                      .peer(holderIdx)
                      .ask("put " + KEY + " h" + holderIdx + " " + ttlMs + " value=h" + holderIdx);
                  Thread.sleep(ttlMs / 4);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "lease-renewer");
    renewer.start();
    Thread.sleep(ttlMs / 2 + (long) (rnd.nextDouble() * ttlMs / 4));
  }

  @Benchmark
  public String handover() throws Exception {
    renewing = false;
    renewer.interrupt();
    renewer.join();
    peers.crash(h);
    return peers.putUntilOk(contender, KEY, "c" + contender, ttlMs, "absent", 60_000, 10);
  }

  @TearDown(Level.Iteration)
  public void afterIteration() throws InterruptedException {
    renewing = false;
    if (renewer != null) {
      renewer.interrupt();
      renewer.join();
    }
  }

  @TearDown(Level.Trial)
  public void stopPeers() {
    if (peers != null) {
      peers.close();
    }
  }
}

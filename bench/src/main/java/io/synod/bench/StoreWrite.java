package io.synod.bench;

import io.synod.bench.cluster.Procs;
import io.synod.bench.cluster.StorePeers;
import io.synod.store.RaftStore;
import io.synod.store.StoreOptions;
import io.synod.store.kv.Command;
import io.synod.store.kv.CommandResult;
import io.synod.store.kv.Expect;
import io.synod.store.testing.Ports;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A compare-and-set through Raft ({@code RaftStore.write} of a PUT conditioned on the current
 * value, as the leader lock renewal does), issued from a peer running in the benchmark JVM while
 * two more peers run in their own JVMs. {@code from=leader}: this peer leads Raft (the lease keeper
 * on the Raft leader); {@code from=follower}: it follows, and the write is forwarded to the leader.
 * {@code cas}: latency distribution (SampleTime, ms); {@code casRate}: the sequential rate of one
 * client (Throughput, ops/s).
 */
@State(Scope.Benchmark)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 5)
@Threads(1)
public class StoreWrite extends ForkedBenchmark {
  static final String KEY = "/bench/cas";

  @Param({"leader", "follower"})
  public String from;

  private StorePeers others;
  private RaftStore local;
  private Path localDir;
  private long value;

  @Setup(Level.Trial)
  public void start() throws Exception {
    String self = "127.0.0.1:" + Ports.free();
    others = new StorePeers(2, java.util.List.of(self), 300, 5_000).startAll();
    localDir = Files.createTempDirectory("synod-bench-local-");
    local =
        new RaftStore(
                new StoreOptions(
                    StorePeers.GROUP, localDir, self, others.addrs(), 300, 3600, 5_000))
            .start();
    awaitRole();
    local.write(Command.put(KEY, "0", 0, "bench", Expect.ANY));
    value = 0;
  }

  /** Moves Raft leadership so that the local peer has the role under test. */
  private void awaitRole() throws InterruptedException {
    boolean wantLeader = from.equals("leader");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      String leader = local.leader();
      if (leader != null && local.isLeader() == wantLeader) {
        return;
      }
      if (leader != null) {
        try {
          String target = wantLeader ? local.options().self() : others.addrs().get(0);
          local.transferLeadership(target);
        } catch (RuntimeException e) {
          // retried below
        }
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("could not make the local peer a Raft " + from);
  }

  @Setup(Level.Iteration)
  public void checkRole() throws InterruptedException {
    awaitRole();
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public boolean cas() {
    return casOnce();
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public boolean casRate() {
    return casOnce();
  }

  private boolean casOnce() {
    CommandResult r =
        local.write(
            Command.put(
                KEY, Long.toString(value + 1), 0, "bench", Expect.value(Long.toString(value))));
    if (r.succeeded()) {
      value++;
    } else {
      value = r.current() == null ? 0 : Long.parseLong(r.current().value());
    }
    return r.succeeded();
  }

  @TearDown(Level.Trial)
  public void stop() {
    if (local != null) {
      local.close();
    }
    if (others != null) {
      others.close();
    }
    Procs.deleteRecursively(localDir);
  }
}

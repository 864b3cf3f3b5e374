package io.synod.store.lean;

import io.netty.util.Timeout;
import io.netty.util.Timer;
import io.netty.util.TimerTask;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The timer sofa-bolt arms for every RPC it sends (the request's timeout), on a thread that sleeps
 * until the next deadline. Bolt's own is a Netty wheel that ticks every 10 ms for the life of the
 * process, 100 wake-ups a second whether or not an RPC is in flight (measured: 0.19-0.58 % of a
 * core on each idle node). A Raft peer's RPCs are answered within a millisecond or two and their
 * timeouts cancelled, so this thread mostly sleeps. It is bolt's only timer: {@code
 * com.alipay.remoting.TimerHolder} in this module replaces bolt's class of that name.
 *
 * <p>Its own thread, not jraft's timer thread: jraft's election and step-down timers take the
 * node's lock, and an RPC's timeout must not wait for that lock to be free.
 */
public final class RpcTimeouts implements Timer {
  /** The process's one instance, which bolt gets from {@code TimerHolder.getTimer()}. */
  public static final RpcTimeouts INSTANCE = new RpcTimeouts("synod-rpc-timeouts");

  private final ScheduledThreadPoolExecutor scheduler;
  private final Deadlines<Handle> deadlines;

  RpcTimeouts(String threadName) {
    scheduler = Deadlines.scheduler(threadName);
    deadlines = new Deadlines<>(scheduler, "RPC timeouts");
  }

  @Override
  public Timeout newTimeout(TimerTask task, long delay, TimeUnit unit) {
    return deadlines.add(new Handle(task), delay, unit);
  }

  @Override
  public Set<Timeout> stop() {
    Set<Timeout> left = new LinkedHashSet<>(deadlines.stop());
    scheduler.shutdown();
    return Collections.unmodifiableSet(left);
  }

  /** How many timeouts wait to fire (for tests). */
  int pendingCount() {
    return deadlines.pendingCount();
  }

  private final class Handle extends Deadlines.Entry<TimerTask, Timer> implements Timeout {
    Handle(TimerTask task) {
      super(task, RpcTimeouts.this);
    }

    @Override
    protected void fire() throws Exception {
      task().run(this);
    }
  }
}

package io.synod.store.lean;

import io.netty.util.Timeout;
import io.netty.util.Timer;
import io.netty.util.TimerTask;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The timer sofa-bolt arms for every RPC it sends (the request's timeout), on a thread that sleeps
 * until the next deadline. Bolt's own is a Netty wheel that ticks every 10 ms for the life of the
 * process, 100 wake-ups a second whether or not an RPC is in flight (measured: 0.35-0.42 % of a
 * core on each idle node). A Raft peer's RPCs are answered within a millisecond or two and their
 * timeouts cancelled, so this thread mostly sleeps. It is bolt's only timer: {@code
 * com.alipay.remoting.TimerHolder} in this module replaces bolt's class of that name.
 *
 * <p>Its own thread, not jraft's timer thread: jraft's election and step-down timers take the
 * node's lock, and an RPC's timeout must not wait for that lock to be free.
 */
public final class RpcTimeouts implements Timer {
  private static final Logger LOG = LoggerFactory.getLogger(RpcTimeouts.class);

  /** The process's one instance, which bolt gets from {@code TimerHolder.getTimer()}. */
  public static final RpcTimeouts INSTANCE = new RpcTimeouts("synod-rpc-timeouts");

  private final ScheduledThreadPoolExecutor scheduler;
  private final Set<Handle> pending = ConcurrentHashMap.newKeySet();
  private volatile boolean stopped;

  RpcTimeouts(String threadName) {
    scheduler =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, threadName);
              t.setDaemon(true);
              return t;
            });
    // nearly every timeout is cancelled: remove it at once rather than keep it until its deadline
    scheduler.setRemoveOnCancelPolicy(true);
  }

  @Override
  public Timeout newTimeout(TimerTask task, long delay, TimeUnit unit) {
    if (stopped) {
      throw new RejectedExecutionException("RPC timeout timer is stopped");
    }
    Handle h = new Handle(task);
    pending.add(h);
    synchronized (h) {
      h.future = scheduler.schedule(h, Math.max(0, delay), unit);
    }
    return h;
  }

  @Override
  public Set<Timeout> stop() {
    stopped = true;
    Set<Timeout> left = new LinkedHashSet<>();
    for (Handle h : pending) {
      if (h.cancel()) {
        left.add(h);
      }
    }
    scheduler.shutdown();
    return Collections.unmodifiableSet(left);
  }

  /** How many timeouts wait to fire (for tests). */
  int pendingCount() {
    return pending.size();
  }

  private final class Handle implements Timeout, Runnable {
    private final TimerTask task;
    private ScheduledFuture<?> future;
    private volatile boolean expired;

    Handle(TimerTask task) {
      this.task = task;
    }

    @Override
    public void run() {
      pending.remove(this);
      expired = true;
      try {
        task.run(this);
      } catch (Throwable t) {
        // one failing task must not end the thread every RPC's timeout depends on
        LOG.warn("RPC timeout task failed", t);
      }
    }

    private synchronized ScheduledFuture<?> future() {
      return future;
    }

    @Override
    public Timer timer() {
      return RpcTimeouts.this;
    }

    @Override
    public TimerTask task() {
      return task;
    }

    @Override
    public boolean isExpired() {
      return expired;
    }

    @Override
    public boolean isCancelled() {
      ScheduledFuture<?> f = future();
      return f != null && f.isCancelled();
    }

    @Override
    public boolean cancel() {
      pending.remove(this);
      ScheduledFuture<?> f = future();
      return f != null && f.cancel(false);
    }
  }
}

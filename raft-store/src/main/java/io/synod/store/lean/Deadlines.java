package io.synod.store.lean;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One timer's timeouts on a scheduler thread that sleeps until the next deadline: what {@link
 * SleepingTimer} (jraft's timer interface) and {@link RpcTimeouts} (Netty's, for bolt) share. Each
 * timeout is an {@link Entry} that also implements the timer interface's own {@code Timeout}.
 */
final class Deadlines<E extends Deadlines.Entry<?, ?>> {
  private static final Logger LOG = LoggerFactory.getLogger(Deadlines.class);

  private final ScheduledExecutorService scheduler;
  private final String what;
  private final Set<E> pending = ConcurrentHashMap.newKeySet();
  private volatile boolean stopped;

  /**
   * @param scheduler one from {@link #scheduler}, or one like it
   * @param what the timer's name in a log line
   */
  Deadlines(ScheduledExecutorService scheduler, String what) {
    this.scheduler = scheduler;
    this.what = what;
  }

  /**
   * A daemon thread that sleeps until the next deadline; a cancelled timeout leaves its queue at
   * once, since nearly every timeout is cancelled (an election timer reset, an RPC answered).
   */
  static ScheduledThreadPoolExecutor scheduler(String threadName) {
    ScheduledThreadPoolExecutor s =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, threadName);
              t.setDaemon(true);
              return t;
            });
    s.setRemoveOnCancelPolicy(true);
    return s;
  }

  /** Schedules {@code e} to fire after {@code delay}; refused once stopped. */
  E add(E e, long delay, TimeUnit unit) {
    if (stopped) {
      throw new IllegalStateException(what + " is stopped");
    }
    e.owner = this;
    pending.add(e);
    synchronized (e) {
      e.future = scheduler.schedule(e, Math.max(0, delay), unit);
    }
    return e;
  }

  /** Refuses new timeouts and cancels the pending ones; returns those it cancelled. */
  List<E> stop() {
    stopped = true;
    List<E> left = new ArrayList<>();
    for (E e : pending) {
      if (e.cancel()) {
        left.add(e);
      }
    }
    pending.clear();
    return left;
  }

  int pendingCount() {
    return pending.size();
  }

  /**
   * A scheduled timeout of task type {@code K} on timer type {@code T}; a subclass implements the
   * timer interface's {@code Timeout} and runs the task in {@link #fire()}.
   */
  abstract static class Entry<K, T> implements Runnable {
    private final K task;
    private final T timer;
    Deadlines<?> owner;
    ScheduledFuture<?> future;
    private volatile boolean expired;

    Entry(K task, T timer) {
      this.task = task;
      this.timer = timer;
    }

    /** Runs the task; called once, on the scheduler's thread. */
    protected abstract void fire() throws Exception;

    public K task() {
      return task;
    }

    public T timer() {
      return timer;
    }

    @Override
    public final void run() {
      owner.pending.remove(this);
      expired = true;
      try {
        fire();
      } catch (Throwable t) {
        // one failing task must not end the thread the other timeouts wait on
        LOG.warn("{}: task failed", owner.what, t);
      }
    }

    private synchronized ScheduledFuture<?> future() {
      return future;
    }

    public boolean isExpired() {
      return expired;
    }

    public boolean isCancelled() {
      ScheduledFuture<?> f = future();
      return f != null && f.isCancelled();
    }

    public boolean cancel() {
      if (owner != null) {
        owner.pending.remove(this);
      }
      ScheduledFuture<?> f = future();
      return f != null && f.cancel(false);
    }
  }
}

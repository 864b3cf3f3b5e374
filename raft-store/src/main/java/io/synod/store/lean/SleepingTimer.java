package io.synod.store.lean;

import com.alipay.sofa.jraft.util.timer.Timeout;
import com.alipay.sofa.jraft.util.timer.Timer;
import com.alipay.sofa.jraft.util.timer.TimerTask;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A jraft {@link Timer} on a scheduler thread shared by every timer of the process, which sleeps
 * until the next deadline. {@link #stop()} cancels only this timer's own pending timeouts.
 */
public final class SleepingTimer implements Timer {
  private static final Logger LOG = LoggerFactory.getLogger(SleepingTimer.class);

  private static final ScheduledThreadPoolExecutor SCHEDULER = scheduler();

  private final String name;
  private final Set<Handle> pending = ConcurrentHashMap.newKeySet();
  private volatile boolean stopped;

  public SleepingTimer(String name) {
    this.name = name;
  }

  private static ScheduledThreadPoolExecutor scheduler() {
    ScheduledThreadPoolExecutor s =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "synod-raft-timer");
              t.setDaemon(true);
              return t;
            });
    s.setRemoveOnCancelPolicy(true); // election timers are reset often: no cancelled backlog
    return s;
  }

  @Override
  public Timeout newTimeout(TimerTask task, long delay, TimeUnit unit) {
    if (stopped) {
      throw new IllegalStateException("timer " + name + " is stopped");
    }
    Handle h = new Handle(task);
    pending.add(h);
    synchronized (h) {
      h.future = SCHEDULER.schedule(h, Math.max(0, delay), unit);
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
    pending.clear();
    return Collections.unmodifiableSet(left);
  }

  /** How many timeouts wait to run (for tests). */
  int pendingCount() {
    return pending.size();
  }

  private final class Handle implements Timeout, Runnable {
    private final TimerTask task;
    private ScheduledFuture<?> future;
    private volatile boolean ran;

    Handle(TimerTask task) {
      this.task = task;
    }

    @Override
    public void run() {
      pending.remove(this);
      ran = true;
      try {
        task.run(this);
      } catch (Throwable t) {
        // A throwing task must not kill the thread every other timer shares.
        LOG.warn("raft timer {}: task failed", name, t);
      }
    }

    private synchronized ScheduledFuture<?> future() {
      return future;
    }

    @Override
    public Timer timer() {
      return SleepingTimer.this;
    }

    @Override
    public TimerTask task() {
      return task;
    }

    @Override
    public boolean isExpired() {
      return ran;
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

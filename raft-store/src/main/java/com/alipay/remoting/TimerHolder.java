package com.alipay.remoting;

import io.netty.util.Timer;
import io.synod.store.lean.RpcTimeouts;

/**
 * Replaces sofa-bolt's class of this name, through which bolt arms every RPC's timeout: bolt's
 * version is a Netty wheel that wakes every 10 ms for the life of the process; this one hands out
 * {@link RpcTimeouts}, which sleeps until the next deadline. The shaded jars leave bolt's own
 * {@code TimerHolder} out (engine/pom.xml, bench/pom.xml), and on a Maven class path this module
 * comes before bolt, which it depends on. {@code RpcTimeoutsTest} fails if bolt's class is the one
 * loaded.
 */
public final class TimerHolder {
  private TimerHolder() {}

  /** The timer bolt schedules RPC timeouts on. */
  public static Timer getTimer() {
    return RpcTimeouts.INSTANCE;
  }
}

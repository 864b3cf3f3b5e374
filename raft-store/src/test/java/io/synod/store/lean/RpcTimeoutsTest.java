package io.synod.store.lean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alipay.remoting.BizContext;
import com.alipay.remoting.TimerHolder;
import com.alipay.remoting.rpc.RpcClient;
import com.alipay.remoting.rpc.RpcResponseFuture;
import com.alipay.remoting.rpc.RpcServer;
import com.alipay.remoting.rpc.exception.InvokeTimeoutException;
import com.alipay.remoting.rpc.protocol.SyncUserProcessor;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RpcTimeoutsTest {

  @Test
  void boltGetsThisTimerNotItsOwnWheel() {
    assertSame(RpcTimeouts.INSTANCE, TimerHolder.getTimer());
    // bolt's jar has a TimerHolder too: the one loaded must be this module's
    String from = TimerHolder.class.getProtectionDomain().getCodeSource().getLocation().toString();
    assertFalse(from.contains("bolt"), "TimerHolder loaded from " + from);
  }

  /** A real bolt RPC that gets no answer fails with bolt's timeout, fired by this timer. */
  @Test
  void anUnansweredBoltRpcTimesOut() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    CountDownLatch release = new CountDownLatch(1);
    RpcServer server = new RpcServer(port, false);
    server.registerUserProcessor(
        new SyncUserProcessor<String>() {
          @Override
          public Object handleRequest(BizContext ctx, String request) throws Exception {
            release.await(10, TimeUnit.SECONDS);
            return "late";
          }

          @Override
          public String interest() {
            return String.class.getName();
          }
        });
    server.startup();
    RpcClient client = new RpcClient();
    client.startup();
    try {
      RpcResponseFuture f = client.invokeWithFuture("127.0.0.1:" + port, "hello", 200);
      // without a timer that fires, get() would wait for the (never coming) answer
      assertTimeoutPreemptively(
          Duration.ofSeconds(8),
          () -> assertThrows(InvokeTimeoutException.class, f::get, "bolt's timeout fired"));
      assertTrue(
          Thread.getAllStackTraces().keySet().stream()
              .noneMatch(t -> t.getName().startsWith("DefaultTimer")),
          "bolt's wheel never started");
    } finally {
      release.countDown();
      client.shutdown();
      server.shutdown();
    }
  }

  // Firing, cancelling and a throwing task: Deadlines, which SleepingTimerTest covers too.

  @Test
  void stopReturnsWhatWasPendingAndRefusesMore() throws Exception {
    RpcTimeouts t = new RpcTimeouts("test-rpc-timeouts");
    AtomicInteger ran = new AtomicInteger();
    t.newTimeout(x -> ran.incrementAndGet(), 100, TimeUnit.MILLISECONDS);
    assertEquals(1, t.stop().size());
    Thread.sleep(200);
    assertEquals(0, ran.get());
    assertThrows(
        IllegalStateException.class, () -> t.newTimeout(x -> {}, 1, TimeUnit.MILLISECONDS));
  }
}

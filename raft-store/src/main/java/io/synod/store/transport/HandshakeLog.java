package io.synod.store.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits right behind the TLS handler of every Raft connection. A failed handshake closes the
 * connection (nothing reached bolt's decoder) and is logged on this node with the other side's
 * address: one line for the first rejected connection from a host, then at most one line a minute
 * per host with how many more there were, so a misconfigured peer that retries every few
 * milliseconds cannot flood the log.
 */
final class HandshakeLog extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger("io.synod.store.transport");
  static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(60);

  /** Per remote host, server and client side apart: [window start, suppressed count]. */
  private static final Map<String, long[]> RECENT = new ConcurrentHashMap<>();

  private static final java.util.concurrent.atomic.AtomicInteger LOGGED =
      new java.util.concurrent.atomic.AtomicInteger();

  private final boolean server;
  private boolean done;

  HandshakeLog(boolean server) {
    this.server = server;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof SslHandshakeCompletionEvent e && !done) {
      done = true;
      if (!e.isSuccess()) {
        rejected(ctx, e.cause());
        ctx.close();
        return; // bolt never learns about a connection that did not authenticate
      }
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
    if (!done && isHandshakeFailure(cause)) {
      // The completion event follows and is logged there; keep bolt from logging it again.
      ctx.close();
      return;
    }
    super.exceptionCaught(ctx, cause);
  }

  private void rejected(ChannelHandlerContext ctx, Throwable cause) {
    SocketAddress remote = ctx.channel().remoteAddress();
    String who = remote == null ? "unknown address" : remote.toString().replaceFirst("^/", "");
    String host =
        remote instanceof InetSocketAddress isa && isa.getAddress() != null
            ? isa.getAddress().getHostAddress()
            : who;
    long now = System.nanoTime();
    String key = (server ? "in " : "out ") + host;
    long[] slot = RECENT.computeIfAbsent(key, k -> new long[] {now - WINDOW_NANOS - 1, 0});
    long more;
    synchronized (slot) {
      if (now - slot[0] <= WINDOW_NANOS) {
        slot[1]++;
        return;
      }
      more = slot[1];
      slot[0] = now;
      slot[1] = 0;
    }
    LOGGED.incrementAndGet();
    String tail =
        more == 0
            ? ""
            : " (" + more + " more from this address in the minute before, not logged one by one)";
    if (server) {
      LOG.warn(
          "raft: refused a connection from {}: it did not authenticate as a member of this"
              + " cluster ({}); nothing it sent was read{}",
          who,
          reason(cause),
          tail);
    } else {
      LOG.warn(
          "raft: could not authenticate the connection to {} ({}): check that every node has"
              + " the same raft.password, or certificates from the same raft.cafile{}",
          who,
          reason(cause),
          tail);
    }
  }

  /** How many refusal lines were written (tests). */
  static int loggedForTests() {
    return LOGGED.get();
  }

  static String reason(Throwable t) {
    Throwable c = t;
    while (c instanceof DecoderException && c.getCause() != null) {
      c = c.getCause();
    }
    if (c instanceof NotSslRecordException) {
      return "it does not speak TLS: a peer without raft.password / raft TLS settings, or not a"
          + " Raft peer at all";
    }
    if (c instanceof SslHandshakeTimeoutException) {
      return "no TLS handshake within the timeout";
    }
    StringBuilder sb = new StringBuilder(String.valueOf(c.getMessage()));
    Throwable root = c;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root != c && root.getMessage() != null && !sb.toString().contains(root.getMessage())) {
      sb.append(": ").append(root.getMessage());
    }
    return sb.toString();
  }

  private static boolean isHandshakeFailure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof SSLException || c instanceof NotSslRecordException) {
        return true;
      }
    }
    return false;
  }
}

package io.synod.store.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;

/**
 * TCP_USER_TIMEOUT on every Raft connection (Linux, epoll transport): when data sent to a peer
 * stays unacknowledged that long, the kernel drops the connection instead of retransmitting with
 * exponential backoff for minutes. Over a partition the connection dies within {@code timeoutMs};
 * jraft's replicator then keeps opening new ones (each bounded by the connect timeout), so the
 * first one after the network heals succeeds promptly, instead of waiting for the next
 * retransmission of a connection that backed off to several seconds. A peer whose JVM is merely
 * slow still acknowledges at the TCP level, so this does not cut healthy peers.
 */
@ChannelHandler.Sharable
final class SocketTuning extends ChannelInboundHandlerAdapter {
  private final int timeoutMs;

  SocketTuning(int timeoutMs) {
    this.timeoutMs = timeoutMs;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    apply(ctx.channel());
  }

  private void apply(Channel ch) {
    if (ch instanceof EpollSocketChannel) {
      ch.config().setOption(EpollChannelOption.TCP_USER_TIMEOUT, timeoutMs);
    }
  }
}

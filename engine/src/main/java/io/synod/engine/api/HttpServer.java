package io.synod.engine.api;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API's transport: Netty HTTP/1.1. Requests are handed to a router on a small worker
 * pool, so a slow action (a switchover waits for the new leader) never blocks the event loop
 * that answers HAProxy's health checks.
 */
public final class HttpServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);
  /** Bodies are small JSON documents; anything larger is refused with 413. */
  static final int MAX_BODY = 64 * 1024;

  private final EventLoopGroup boss = new NioEventLoopGroup(1);
  private final EventLoopGroup workers = new NioEventLoopGroup(2);
  private final ExecutorService handlers = Executors.newFixedThreadPool(4, r -> {
    Thread t = new Thread(r, "synod-rest");
    t.setDaemon(true);
    return t;
  });
  private Channel channel;

  public HttpServer start(String host, int port, Function<Request, Response> router) {
    ServerBootstrap b = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_BODY), new Handler(router));
          }
        });
    try {
      channel = b.bind(host, port).sync().channel();
    } catch (Exception e) {
      close();
      throw new IllegalStateException("restapi.listen " + host + ":" + port + ": cannot listen: " + e.getMessage(), e);
    }
    LOG.info("REST API listening on {}:{}", host, port);
    return this;
  }

  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final Function<Request, Response> router;

    Handler(Function<Request, Response> router) {
      this.router = router;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
      QueryStringDecoder q = new QueryStringDecoder(msg.uri());
      String remote = ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : "";
      Request req = new Request(msg.method().name(), q.path(), q.parameters(), msg.content().toString(StandardCharsets.UTF_8),
          remote, msg.headers().get(HttpHeaderNames.AUTHORIZATION));
      boolean keepAlive = HttpUtil.isKeepAlive(msg);
      boolean head = msg.method().equals(HttpMethod.HEAD);
      handlers.execute(() -> {
        Response r;
        try {
          r = router.apply(req);
        } catch (RuntimeException e) {
          LOG.error("REST {} {} failed", req.method(), req.path(), e);
          r = Response.text(500, "internal error: " + e.getMessage());
        }
        write(ctx, r, keepAlive, head);
      });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof TooLongFrameException) {
        write(ctx, Response.text(413, "request body larger than " + MAX_BODY + " bytes"), false, false);
      } else {
        ctx.close();
      }
    }
  }

  private static void write(ChannelHandlerContext ctx, Response r, boolean keepAlive, boolean head) {
    byte[] body = r.body() == null ? new byte[0] : r.body().getBytes(StandardCharsets.UTF_8);
    FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()),
        head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
    resp.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
    resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, head ? 0 : body.length);
    resp.headers().set(HttpHeaderNames.SERVER, "Synod");
    if (keepAlive) {
      resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      ctx.writeAndFlush(resp);
    } else {
      ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void close() {
    if (channel != null) {
      channel.close().awaitUninterruptibly();
    }
    handlers.shutdownNow();
    boss.shutdownGracefully();
    workers.shutdownGracefully();
  }
}

package io.synod.engine.api;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.synod.config.RestApiConfig;
import io.synod.engine.SynodVersion;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API's transport: Netty HTTP/1.1, optionally over TLS. Requests are handed to a router on
 * a small worker pool, so a slow action (a switchover waits for the new leader) never blocks the
 * event loop that answers HAProxy's health checks.
 */
public final class HttpServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);

  /** Bodies are small JSON documents; anything larger is refused with 413. */
  static final int MAX_BODY = 64 * 1024;

  // One event-loop thread accepts and serves every connection: it only parses and writes (the
  // lanes below run the requests), and a REST API sees a few requests a second.
  private final EventLoopGroup loop = new NioEventLoopGroup(1);

  /**
   * Which pool a request runs on. Health checks (what HAProxy and the peers' leader race depend on)
   * only read the last loop's status; reads may wait on the store; actions can take minutes. Each
   * lane has its own threads and a bounded queue, so neither slow reads nor a flood of requests can
   * starve the health checks, and an overflowing lane answers 503 at once instead of queueing.
   */
  public enum Lane {
    CHECK,
    READ,
    ACTION
  }

  private final ExecutorService checks = lane("synod-rest-check", 2, 256);
  private final ExecutorService handlers = lane("synod-rest", 2, 64);
  private final ExecutorService actions = lane("synod-rest-action", 4, 16);

  /** Connections idle this long are closed (clients that vanished keep no socket open). */
  static final int IDLE_SECONDS = 60;

  private Function<Request, Lane> lanes = HttpServer::defaultLane;

  /** A lane's threads start with its first request and end after a minute without one. */
  private static ExecutorService lane(String name, int threads, int queue) {
    java.util.concurrent.ThreadPoolExecutor e =
        new java.util.concurrent.ThreadPoolExecutor(
            threads,
            threads,
            60,
            java.util.concurrent.TimeUnit.SECONDS,
            new java.util.concurrent.ArrayBlockingQueue<>(queue),
            r -> {
              Thread t = new Thread(r, name);
              t.setDaemon(true);
              return t;
            });
    e.allowCoreThreadTimeOut(true);
    return e;
  }

  static Lane defaultLane(Request r) {
    String m = r.method();
    return m.equals("GET") || m.equals("HEAD") || m.equals("OPTIONS") ? Lane.READ : Lane.ACTION;
  }

  /** How requests are sorted into lanes (the REST API knows which paths are health checks). */
  public HttpServer lanes(Function<Request, Lane> classifier) {
    this.lanes = classifier;
    return this;
  }

  private Channel channel;
  private Map<String, String> extraHeaders = Map.of();
  private String serverHeader = "Synod";

  /**
   * Patroni's restapi settings for the transport.
   *
   * @param httpHeaders {@code http_extra_headers}: added to every answer
   * @param httpsHeaders {@code https_extra_headers}: added to HTTPS answers as well
   * @param serverHeader the Server header ({@code server_tokens})
   * @param backlog {@code request_queue_size}: the listen backlog; null = the system's default
   */
  public record Options(
      Map<String, String> httpHeaders,
      Map<String, String> httpsHeaders,
      String serverHeader,
      Integer backlog) {
    public static Options from(RestApiConfig c) {
      return new Options(
          c.httpExtraHeaders(),
          c.httpsExtraHeaders(),
          serverHeader(c.serverTokens()),
          c.requestQueueSize());
    }

    /** Patroni's server_tokens: Minimal, ProductOnly, Original (the default). */
    static String serverHeader(String tokens) {
      return switch (tokens == null ? "original" : tokens.toLowerCase(Locale.ROOT)) {
        case "minimal" -> "Synod/" + SynodVersion.number();
        case "productonly" -> "Synod";
        default ->
            "Synod/"
                + SynodVersion.number()
                + " Netty/"
                + io.netty.util.Version.identify().values().stream()
                    .findFirst()
                    .map(io.netty.util.Version::artifactVersion)
                    .orElse("4")
                + " Java/"
                + System.getProperty("java.version");
      };
    }
  }

  public HttpServer start(String host, int port, Function<Request, Response> router) {
    return start(host, port, null, Map.of(), router);
  }

  /**
   * @param ssl null for plain HTTP
   * @param extraHeaders added to every answer ({@code restapi.http_extra_headers})
   */
  public HttpServer start(
      String host,
      int port,
      SslContext ssl,
      Map<String, String> extraHeaders,
      Function<Request, Response> router) {
    return start(host, port, ssl, new Options(extraHeaders, Map.of(), "Synod", null), router);
  }

  /**
   * @param ssl null for plain HTTP
   */
  public HttpServer start(
      String host, int port, SslContext ssl, Options options, Function<Request, Response> router) {
    Map<String, String> headers = new LinkedHashMap<>();
    if (options.httpHeaders() != null) {
      headers.putAll(options.httpHeaders());
    }
    if (ssl != null && options.httpsHeaders() != null) {
      headers.putAll(options.httpsHeaders());
    }
    this.extraHeaders = Map.copyOf(headers);
    this.serverHeader = options.serverHeader() == null ? "Synod" : options.serverHeader();
    ServerBootstrap b =
        new ServerBootstrap()
            .group(loop)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ChannelPipeline p = ch.pipeline();
                    if (ssl != null) {
                      p.addLast("tls", ssl.newHandler(ch.alloc()));
                    }
                    p.addLast(
                        new io.netty.handler.timeout.IdleStateHandler(0, 0, IDLE_SECONDS),
                        new IdleCloser());
                    RefusalDrain drain = new RefusalDrain();
                    p.addLast(
                        new HttpServerCodec(), drain, new Aggregator(drain), new Handler(router));
                  }
                });
    if (options.backlog() != null) {
      b.option(ChannelOption.SO_BACKLOG, options.backlog());
    }
    try {
      channel = b.bind(host == null || host.isEmpty() ? "0.0.0.0" : host, port).sync().channel();
    } catch (Exception e) {
      close();
      throw new IllegalStateException(
          "restapi.listen " + host + ":" + port + ": cannot listen: " + e.getMessage(), e);
    }
    LOG.info("REST API listening on {}://{}:{}", ssl == null ? "http" : "https", host, port);
    return this;
  }

  /** The port actually bound (tests bind port 0). */
  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  /** Refuses oversized bodies with a 413 that says what the limit is. */
  private final class Aggregator extends HttpObjectAggregator {
    private final RefusalDrain drain;

    Aggregator(RefusalDrain drain) {
      super(MAX_BODY);
      this.drain = drain;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
      Response r =
          Response.text(
              413, "request body larger than " + MAX_BODY + " bytes: refused, nothing changed");
      drain.refused(send(ctx, r, false, false));
    }
  }

  /**
   * After a 413 the rest of the body is read and dropped before the connection closes: closing a
   * socket with unread bytes makes the kernel answer with a reset, which can destroy the 413 before
   * the client reads it. Bounded, so a client cannot stream forever (the idle timer also applies).
   */
  private static final class RefusalDrain extends io.netty.channel.ChannelInboundHandlerAdapter {
    static final long LIMIT = 4L * 1024 * 1024;
    private io.netty.channel.ChannelFuture refusal;
    private long dropped;

    void refused(io.netty.channel.ChannelFuture response) {
      refusal = response;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (refusal != null) {
        if (msg instanceof io.netty.handler.codec.http.HttpContent c) {
          dropped += c.content().readableBytes();
        }
        boolean last = msg instanceof io.netty.handler.codec.http.LastHttpContent;
        io.netty.util.ReferenceCountUtil.release(msg);
        if (last || dropped > LIMIT) {
          refusal.addListener(ChannelFutureListener.CLOSE);
        }
        return;
      }
      boolean last = msg instanceof io.netty.handler.codec.http.LastHttpContent;
      ctx.fireChannelRead(msg); // the aggregator may refuse the request while reading this part
      if (refusal != null && last) {
        refusal.addListener(ChannelFutureListener.CLOSE);
      }
    }
  }

  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final Function<Request, Response> router;

    Handler(Function<Request, Response> router) {
      this.router = router;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
      DecoderResult dr = msg.decoderResult();
      if (dr.isFailure()) {
        write(
            ctx,
            Response.text(400, "malformed HTTP request: " + dr.cause().getMessage()),
            false,
            false);
        return;
      }
      QueryStringDecoder q = new QueryStringDecoder(msg.uri());
      String remote =
          ctx.channel().remoteAddress() instanceof InetSocketAddress a
              ? a.getAddress().getHostAddress()
              : "";
      Map<String, String> headers = new LinkedHashMap<>();
      msg.headers()
          .forEach(h -> headers.putIfAbsent(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
      Request req =
          new Request(
              msg.method().name(),
              q.path(),
              q.parameters(),
              msg.content().toString(StandardCharsets.UTF_8),
              remote,
              msg.headers().get(HttpHeaderNames.AUTHORIZATION),
              headers,
              hasClientCertificate(ctx));
      boolean keepAlive = HttpUtil.isKeepAlive(msg);
      boolean head = msg.method().equals(HttpMethod.HEAD);
      String m = req.method();
      Lane lane = lanes.apply(req);
      ExecutorService pool =
          switch (lane) {
            case CHECK -> checks;
            case READ -> handlers;
            case ACTION -> actions;
          };
      try {
        pool.execute(
            () -> {
              Response r;
              try {
                r = router.apply(req);
              } catch (RuntimeException e) {
                LOG.error("REST {} {} failed", req.method(), req.path(), e);
                r = Response.text(500, "internal error: " + e.getMessage());
              }
              write(ctx, r, keepAlive, head);
            });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        write(
            ctx,
            Response.text(
                503, "busy: too many " + lane.name().toLowerCase(Locale.ROOT) + " requests queued"),
            false,
            head);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof TooLongFrameException) {
        write(ctx, Response.text(413, "request too large: " + cause.getMessage()), false, false);
      } else {
        LOG.debug(
            "REST connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
      }
    }
  }

  /** Closes a connection on which nothing moved for {@link #IDLE_SECONDS}. */
  private static final class IdleCloser extends io.netty.channel.ChannelInboundHandlerAdapter {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof io.netty.handler.timeout.IdleStateEvent) {
        ctx.close();
      } else {
        super.userEventTriggered(ctx, evt);
      }
    }
  }

  private static boolean hasClientCertificate(ChannelHandlerContext ctx) {
    SslHandler ssl = ctx.pipeline().get(SslHandler.class);
    if (ssl == null) {
      return false;
    }
    try {
      return ssl.engine().getSession().getPeerCertificates().length > 0;
    } catch (SSLPeerUnverifiedException e) {
      return false;
    }
  }

  private void write(ChannelHandlerContext ctx, Response r, boolean keepAlive, boolean head) {
    io.netty.channel.ChannelFuture sent = send(ctx, r, keepAlive, head);
    if (!keepAlive) {
      sent.addListener(ChannelFutureListener.CLOSE);
    }
  }

  /** Writes a response; with {@code keepAlive} false it says so, and the caller closes. */
  private io.netty.channel.ChannelFuture send(
      ChannelHandlerContext ctx, Response r, boolean keepAlive, boolean head) {
    byte[] body = r.body() == null ? new byte[0] : r.body().getBytes(StandardCharsets.UTF_8);
    FullHttpResponse resp =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(r.status()),
            head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
    resp.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
    resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, head ? 0 : body.length);
    resp.headers().set(HttpHeaderNames.SERVER, serverHeader);
    extraHeaders.forEach((k, v) -> resp.headers().set(k, v));
    r.headers().forEach((k, v) -> resp.headers().set(k, v));
    resp.headers()
        .set(
            HttpHeaderNames.CONNECTION,
            keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
    return ctx.writeAndFlush(resp);
  }

  @Override
  public void close() {
    if (channel != null) {
      channel.close().awaitUninterruptibly();
    }
    checks.shutdownNow();
    handlers.shutdownNow();
    actions.shutdownNow();
    loop.shutdownGracefully();
  }
}

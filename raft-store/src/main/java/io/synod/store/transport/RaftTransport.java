package io.synod.store.transport;

import com.alipay.remoting.ExtendedNettyChannelHandler;
import com.alipay.remoting.config.BoltGenericOption;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import java.io.File;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * How this node's Raft connections are authenticated, in both directions: nothing (plain TCP),
 * mutual TLS with the operator's PKI ({@code raft.certfile/keyfile/cafile}), or mutual TLS with a
 * CA derived from the shared cluster secret ({@code raft.password}, see {@link SecretAuthority}).
 *
 * <p>Either TLS form puts Netty's TLS handler in front of bolt's decoder on every connection,
 * server and client side, and requires a client certificate: until the handshake succeeds, which
 * needs a certificate signed by the cluster CA on both sides, not one byte from the peer reaches
 * bolt or jraft's protobuf parsers.
 */
public final class RaftTransport {
  /** What the REST API, logs and warnings call the mode. */
  public enum Mode {
    PLAIN,
    TLS,
    SECRET
  }

  private static final RaftTransport PLAIN = new RaftTransport(Mode.PLAIN, null, null, "none");
  private static final long HANDSHAKE_TIMEOUT_MS = 5_000;

  /** Unacknowledged data on a Raft connection for this long means the peer is unreachable. */
  static final int TCP_USER_TIMEOUT_MS = 1_500;

  private static final SocketTuning TUNING = new SocketTuning(TCP_USER_TIMEOUT_MS);

  private final Mode mode;
  private final SslContext server;
  private final SslContext client;
  private final String description;

  private RaftTransport(Mode mode, SslContext server, SslContext client, String description) {
    this.mode = mode;
    this.server = server;
    this.client = client;
    this.description = description;
  }

  /** Plain TCP: anyone who reaches the port is a peer. */
  public static RaftTransport plain() {
    return PLAIN;
  }

  /**
   * Mutual TLS from a shared secret (slow on purpose: a key derivation per call).
   *
   * @param secret raft.password; not kept
   * @param scope the cluster (salt for the derivation, so two clusters never share a CA)
   * @param self this node's Raft address, the certificate's name
   */
  public static RaftTransport sharedSecret(char[] secret, String scope, String self) {
    return sharedSecret(secret, scope, self, null);
  }

  /**
   * As {@link #sharedSecret(char[], String, String)}; the derivation runs once per data directory
   * and secret, its result kept in {@code dataDir} (0600) for the next start.
   *
   * @param dataDir raft.data_dir, or null to derive on every call
   */
  public static RaftTransport sharedSecret(char[] secret, String scope, String self, Path dataDir) {
    if (secret == null || secret.length == 0) {
      throw new IllegalArgumentException("raft.password: empty");
    }
    SecretAuthority ca = SecretAuthority.derive(secret, scope, dataDir);
    SecretAuthority.Issued me = ca.issue(self);
    X509Certificate[] chain = {me.cert(), ca.caCertificate()};
    try {
      return new RaftTransport(
          Mode.SECRET,
          tls(SslContextBuilder.forServer(me.key(), chain), ca.caCertificate())
              .clientAuth(ClientAuth.REQUIRE)
              .build(),
          tls(SslContextBuilder.forClient().keyManager(me.key(), chain), ca.caCertificate())
              .build(),
          "mutual TLS, certificates from the CA derived from raft.password");
    } catch (SSLException e) {
      throw new IllegalStateException("raft.password: cannot set up TLS: " + e.getMessage(), e);
    }
  }

  /**
   * Mutual TLS with the operator's PEM files; peers must present a certificate signed by a CA in
   * {@code cafile}. The key may be PKCS#8, PKCS#1 or SEC1, encrypted with {@code keyPassword}.
   */
  public static RaftTransport mutualTls(
      Path certfile, Path keyfile, String keyPassword, Path cafile) {
    File cert = readable(certfile, "raft.certfile");
    File key = keyfile == null ? cert : readable(keyfile, "raft.keyfile");
    File ca = readable(cafile, "raft.cafile");
    SslContextBuilder srv;
    SslContextBuilder cli;
    try {
      srv = SslContextBuilder.forServer(cert, key, keyPassword);
      cli = SslContextBuilder.forClient().keyManager(cert, key, keyPassword);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(
          "raft.certfile/keyfile ("
              + cert
              + ", "
              + key
              + "): cannot read the certificate or key: "
              + HandshakeLog.reason(e),
          e);
    }
    try {
      return new RaftTransport(
          Mode.TLS,
          tls(srv.trustManager(ca), null).clientAuth(ClientAuth.REQUIRE).build(),
          tls(cli.trustManager(ca), null).build(),
          "mutual TLS, certificates from " + cafile);
    } catch (IllegalArgumentException | SSLException e) {
      throw new IllegalStateException(
          "raft.cafile " + ca + ": cannot use it as the trusted CA: " + HandshakeLog.reason(e), e);
    }
  }

  private static SslContextBuilder tls(SslContextBuilder b, X509Certificate trust) {
    if (trust != null) {
      b.trustManager(trust);
    }
    // Peers are all Synod on JDK 17+. A certificate signed by the cluster CA is the identity; the
    // address a peer is reached at is not checked against the certificate.
    return b.protocols("TLSv1.3").endpointIdentificationAlgorithm(null);
  }

  private static File readable(Path p, String setting) {
    if (p == null) {
      throw new IllegalArgumentException(setting + ": required for Raft TLS");
    }
    File f = p.toFile();
    if (!f.canRead()) {
      throw new IllegalStateException(
          setting + " " + p + ": " + (f.exists() ? "not readable" : "no such file"));
    }
    return f;
  }

  public Mode mode() {
    return mode;
  }

  /** True when peers must prove they belong to the cluster. */
  public boolean authenticated() {
    return mode != Mode.PLAIN;
  }

  /** For the start-up log line. */
  public String describe() {
    return description;
  }

  /** Applies to a bolt server before it starts. */
  void configure(com.alipay.remoting.rpc.RpcServer bolt) {
    bolt.option(BoltGenericOption.EXTENDED_NETTY_CHANNEL_HANDLER, handlers(server, true));
  }

  /** Applies to a bolt client before it starts. */
  void configure(com.alipay.remoting.rpc.RpcClient bolt) {
    bolt.option(BoltGenericOption.EXTENDED_NETTY_CHANNEL_HANDLER, handlers(client, false));
  }

  private static ExtendedNettyChannelHandler handlers(SslContext ctx, boolean isServer) {
    return new ExtendedNettyChannelHandler() {
      @Override
      public List<ChannelHandler> frontChannelHandlers() {
        if (ctx == null) {
          return List.of(TUNING);
        }
        // Called once per new channel: a fresh engine each time.
        SslHandler tls = ctx.newHandler(ByteBufAllocator.DEFAULT);
        tls.setHandshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MS);
        return List.of(TUNING, tls, new HandshakeLog(isServer));
      }

      @Override
      public List<ChannelHandler> backChannelHandlers() {
        return List.of();
      }
    };
  }

  @Override
  public String toString() {
    return "RaftTransport[" + mode + "]";
  }
}

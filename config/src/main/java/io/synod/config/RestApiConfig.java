package io.synod.config;

import java.util.List;
import java.util.Map;

/**
 * {@code restapi}: Patroni's REST API (health checks, /patroni, /config, switchover...).
 *
 * @param listen bind address, default {@value #DEFAULT_LISTEN}
 * @param connectAddress address other members and clients use (member key {@code api_url}); default
 *     = listen
 * @param authentication basic auth for unsafe endpoints; null = none
 * @param verifyClient client certificates for HTTPS; default NONE
 * @param ciphers OpenSSL-style cipher list for the TLS server ({@code
 *     ECDHE-RSA-AES256-GCM-SHA384:...}); null = the JDK's defaults
 * @param httpsExtraHeaders added to HTTPS answers, besides httpExtraHeaders
 * @param serverTokens Patroni's {@code server_tokens}: minimal, productonly or original (default)
 * @param requestQueueSize the listen backlog; null = the system's default
 */
public record RestApiConfig(
    String listen,
    String connectAddress,
    Credentials authentication,
    String certfile,
    String keyfile,
    String keyfilePassword,
    String cafile,
    VerifyClient verifyClient,
    List<String> allowlist,
    boolean allowlistIncludeMembers,
    Map<String, String> httpExtraHeaders,
    String ciphers,
    Map<String, String> httpsExtraHeaders,
    String serverTokens,
    Integer requestQueueSize) {
  public static final String DEFAULT_LISTEN = "127.0.0.1:8008";

  public RestApiConfig {
    allowlist = allowlist == null ? List.of() : List.copyOf(allowlist);
    httpExtraHeaders = httpExtraHeaders == null ? Map.of() : httpExtraHeaders;
    httpsExtraHeaders = httpsExtraHeaders == null ? Map.of() : httpsExtraHeaders;
    verifyClient = verifyClient == null ? VerifyClient.NONE : verifyClient;
    serverTokens = serverTokens == null ? "original" : serverTokens;
  }

  /** Without the ciphers, https_extra_headers, server_tokens and request_queue_size settings. */
  public RestApiConfig(
      String listen,
      String connectAddress,
      Credentials authentication,
      String certfile,
      String keyfile,
      String keyfilePassword,
      String cafile,
      VerifyClient verifyClient,
      List<String> allowlist,
      boolean allowlistIncludeMembers,
      Map<String, String> httpExtraHeaders) {
    this(
        listen,
        connectAddress,
        authentication,
        certfile,
        keyfile,
        keyfilePassword,
        cafile,
        verifyClient,
        allowlist,
        allowlistIncludeMembers,
        httpExtraHeaders,
        null,
        null,
        null,
        null);
  }

  /** Defaults only, as if the section were absent. */
  public static RestApiConfig defaults() {
    return new RestApiConfig(
        DEFAULT_LISTEN,
        DEFAULT_LISTEN,
        null,
        null,
        null,
        null,
        null,
        VerifyClient.NONE,
        List.of(),
        false,
        Map.of());
  }

  public HostPort listenAddress() {
    return HostPort.parse(listen, null, true);
  }

  public HostPort connectHostPort() {
    return HostPort.parse(connectAddress);
  }

  /** Listen host; empty means all interfaces. */
  public String host() {
    return listenAddress().host();
  }

  /** Listen port. */
  public int port() {
    return listenAddress().port();
  }

  public String connectHost() {
    return connectHostPort().host();
  }

  public int connectPort() {
    return connectHostPort().port();
  }

  /** HTTPS when a certificate is configured (Patroni's rule). */
  public boolean tls() {
    return certfile != null && !certfile.isBlank();
  }

  /**
   * What Patroni writes as {@code api_url} in the member key: {@code
   * http(s)://connect_address/patroni}.
   */
  public String apiUrl() {
    return (tls() ? "https" : "http") + "://" + connectHostPort() + "/patroni";
  }

  static RestApiConfig from(Section s) {
    String listen = s.string("listen", DEFAULT_LISTEN);
    HostPort l = s.hostPort("listen", listen, null, true);
    String connect = s.string("connect_address", null);
    if (connect == null) {
      // Defaulting to listen keeps one-host test clusters short; a wildcard cannot be connected to.
      if (l != null && l.isWildcard()) {
        s.error(
            "connect_address",
            "required when " + s.path("listen") + " is a wildcard address (" + listen + ")");
      }
      connect = listen;
    } else {
      s.hostPort("connect_address", connect, null, false);
    }
    Credentials auth = Credentials.from(s.section("authentication"));
    String verify = s.choice("verify_client", List.of("none", "optional", "required"));
    List<String> allowlist = s.stringList("allowlist");
    if (allowlist != null) {
      // Fail closed: an entry that cannot be used is an error, never a dropped restriction.
      for (int i = 0; i < allowlist.size(); i++) {
        try {
          IpNetwork.parse(allowlist.get(i));
        } catch (IllegalArgumentException e) {
          s.error("allowlist[" + i + "]", e.getMessage());
        }
      }
    }
    RestApiConfig c =
        new RestApiConfig(
            listen,
            connect,
            auth,
            s.string("certfile", null),
            s.string("keyfile", null),
            s.string("keyfile_password", null),
            s.string("cafile", null),
            verify == null
                ? VerifyClient.NONE
                : VerifyClient.valueOf(verify.toUpperCase(java.util.Locale.ROOT)),
            allowlist,
            s.bool("allowlist_include_members", false),
            s.stringMap("http_extra_headers"),
            s.string("ciphers", null),
            s.stringMap("https_extra_headers"),
            s.choice("server_tokens", List.of("minimal", "productonly", "original")),
            queueSize(s));
    if (c.verifyClient() != VerifyClient.NONE && !c.tls()) {
      s.error(
          "verify_client",
          c.verifyClient().patroniName() + " needs HTTPS: set " + s.path("certfile"));
    } else if (c.verifyClient() != VerifyClient.NONE
        && (c.cafile() == null || c.cafile().isBlank())) {
      // Without a CA, the JDK's public roots would decide who may switch over this cluster.
      s.error(
          "verify_client",
          c.verifyClient().patroniName()
              + " needs "
              + s.path("cafile")
              + ": client certificates are verified against it");
    }
    // Python thread pool with no Java counterpart (warned, see ConfigKeys).
    s.accept("thread_pool_size");
    s.finish();
    return c;
  }

  /** Patroni: 0..4096 (the TCP listen backlog). */
  private static Integer queueSize(Section s) {
    Integer q = s.optionalInteger("request_queue_size");
    if (q != null && (q < 0 || q > 4096)) {
      s.error("request_queue_size", q + " is out of range 0-4096");
      return null;
    }
    return q;
  }

  @Override
  public String toString() {
    return "RestApiConfig[listen="
        + listen
        + ", connectAddress="
        + connectAddress
        + ", authentication="
        + authentication
        + ", tls="
        + tls()
        + ", verifyClient="
        + verifyClient
        + ", allowlist="
        + allowlist
        + "]";
  }
}

package io.synod.engine.api;

import io.netty.handler.ssl.CipherSuiteConverter;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.synod.config.RestApiConfig;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLException;

/**
 * The REST API's TLS: Patroni's restapi.certfile/keyfile/keyfile_password/cafile/verify_client on
 * Netty.
 */
public final class Tls {
  private Tls() {}

  /**
   * Null when restapi.certfile is not set (plain HTTP). Throws naming the setting that is wrong.
   */
  public static SslContext serverContext(RestApiConfig c) {
    if (!c.tls()) {
      return null;
    }
    File cert = readable(c.certfile(), "restapi.certfile");
    // Patroni: without keyfile, the key is read from the certfile.
    File key =
        c.keyfile() == null || c.keyfile().isBlank()
            ? cert
            : readable(c.keyfile(), "restapi.keyfile");
    SslContextBuilder b;
    try {
      b = SslContextBuilder.forServer(cert, key, c.keyfilePassword());
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(
          "restapi.certfile/keyfile ("
              + cert
              + ", "
              + key
              + "): cannot read the certificate "
              + "or key: "
              + rootMessage(e)
              + ". Keys must be PEM, PKCS#8 (BEGIN PRIVATE KEY or BEGIN ENCRYPTED PRIVATE KEY); "
              + "convert a PKCS#1/SEC1 key with: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.pk8.pem",
          e);
    }
    if (c.cafile() != null && !c.cafile().isBlank()) {
      File ca = readable(c.cafile(), "restapi.cafile");
      try {
        b.trustManager(ca);
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException(
            "restapi.cafile " + ca + ": cannot read the CA certificates: " + rootMessage(e), e);
      }
    }
    List<String> suites = ciphers(c.ciphers());
    if (suites != null) {
      b.ciphers(suites, SupportedCipherSuiteFilter.INSTANCE);
    }
    b.clientAuth(
        switch (c.verifyClient()) {
          case NONE -> ClientAuth.NONE;
          case OPTIONAL -> ClientAuth.OPTIONAL;
          case REQUIRED -> ClientAuth.REQUIRE;
        });
    try {
      return b.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalStateException("restapi TLS settings: " + rootMessage(e), e);
    }
  }

  /** TLS 1.3 suites: OpenSSL's cipher list does not govern them, so a list leaves them on. */
  private static final List<String> TLS13 =
      List.of("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256");

  /**
   * restapi.ciphers as Java cipher suite names: OpenSSL names (ECDHE-RSA-AES256-GCM-SHA384) are
   * converted, Java/IANA names (TLS_ECDHE_...) kept; exclusions (!aNULL, !SSLv3, -x) only remove
   * from what is listed and are skipped; OpenSSL groups (HIGH, DEFAULT...) cannot be expanded by
   * Java's TLS and are refused. Null when not set.
   *
   * @throws IllegalStateException naming restapi.ciphers and the entry it cannot use
   */
  static List<String> ciphers(String spec) {
    if (spec == null || spec.isBlank()) {
      return null;
    }
    Set<String> supported;
    try {
      supported =
          Set.of(
              javax.net.ssl.SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("restapi.ciphers: no TLS in this JVM: " + e.getMessage(), e);
    }
    List<String> out = new ArrayList<>();
    for (String t : spec.split("[:,\\s]+")) {
      if (t.isEmpty() || t.startsWith("!") || t.startsWith("-")) {
        continue;
      }
      String name = t.startsWith("+") ? t.substring(1) : t;
      String java =
          name.startsWith("TLS_") || name.startsWith("SSL_")
              ? name
              : CipherSuiteConverter.toJava(name, "TLS");
      if (java == null || !java.startsWith("TLS_") && !java.startsWith("SSL_")) {
        throw new IllegalStateException(
            "restapi.ciphers: "
                + name
                + " is not a cipher suite name (OpenSSL groups such as HIGH or DEFAULT cannot be"
                + " used with Java's TLS; list suites, e.g. ECDHE-RSA-AES256-GCM-SHA384)");
      }
      if (!supported.contains(java)) {
        throw new IllegalStateException(
            "restapi.ciphers: " + name + " (" + java + ") is not supported by this JVM's TLS");
      }
      if (!out.contains(java)) {
        out.add(java);
      }
    }
    if (out.isEmpty()) {
      throw new IllegalStateException("restapi.ciphers: " + spec + " names no cipher suite");
    }
    if (out.stream().noneMatch(TLS13::contains)) {
      TLS13.stream().filter(supported::contains).forEach(out::add);
    }
    return out;
  }

  private static File readable(String path, String setting) {
    File f = new File(path);
    if (!f.canRead()) {
      throw new IllegalStateException(
          setting + " " + path + ": " + (f.exists() ? "not readable" : "no such file"));
    }
    return f;
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c == t ? String.valueOf(t.getMessage()) : t.getMessage() + " (" + c.getMessage() + ")";
  }
}

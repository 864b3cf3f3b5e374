package io.synod.engine.api;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.synod.config.RestApiConfig;
import java.io.File;
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

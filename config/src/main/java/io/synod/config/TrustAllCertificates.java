package io.synod.config;

import java.net.Socket;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * What Patroni's {@code verify: false} (the bridges' consul section) and {@code ctl.insecure}
 * (synodctl) ask for: a trust manager that accepts any server certificate. The one place Synod
 * turns certificate checks off; use it only where the user asked for it.
 *
 * <p>Being an {@link X509ExtendedTrustManager}, it also turns off the host name check (JSSE adds
 * one around a plain X509TrustManager), as Patroni's insecure/verify: false do; no JVM-wide
 * property is needed.
 */
public final class TrustAllCertificates extends X509ExtendedTrustManager {
  private static final TrustAllCertificates INSTANCE = new TrustAllCertificates();

  private TrustAllCertificates() {}

  /** For {@code SSLContext.init(keys, TrustAllCertificates.managers(), random)}. */
  public static TrustManager[] managers() {
    return new TrustManager[] {INSTANCE};
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) {}

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) {}

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}

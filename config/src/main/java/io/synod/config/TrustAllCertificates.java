package io.synod.config;

import java.security.cert.X509Certificate;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * What Patroni's {@code verify: false} (the bridges' consul section) and {@code ctl.insecure}
 * (synodctl) ask for: a trust manager that accepts any server certificate. The one place Synod
 * turns certificate checks off; use it only where the user asked for it.
 */
public final class TrustAllCertificates implements X509TrustManager {
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
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}

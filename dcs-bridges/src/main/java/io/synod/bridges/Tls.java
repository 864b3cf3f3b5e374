package io.synod.bridges;

import io.synod.config.JsseManagers;
import io.synod.config.TrustAllCertificates;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * SSLContext from Patroni-style PEM files (cacert, cert, key), for the Consul bridge's HTTP client.
 */
final class Tls {
  private Tls() {}

  static SSLContext context(String section, Path cacert, Path cert, Path key, boolean verify) {
    try {
      TrustManager[] trust = null;
      if (!verify) {
        trust = TrustAllCertificates.managers();
      } else if (cacert != null) {
        trust = JsseManagers.trusting(certs(section + ".cacert", cacert));
      }
      KeyManager[] keys = null;
      if (cert != null) {
        keys =
            JsseManagers.presenting(
                privateKey(section + ".key", key), certs(section + ".cert", cert));
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(keys, trust, null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new BridgeConfigException(List.of(section + ": cannot set up TLS: " + e.getMessage()));
    }
  }

  private static List<Certificate> certs(String field, Path file)
      throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(file)) {
      Collection<? extends Certificate> cs =
          CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (cs.isEmpty()) {
        throw new BridgeConfigException(List.of(field + ": " + file + " holds no PEM certificate"));
      }
      return new ArrayList<>(cs);
    } catch (IOException e) {
      throw new BridgeConfigException(
          List.of(field + ": cannot read " + file + ": " + e.getMessage()));
    }
  }

  private static PrivateKey privateKey(String field, Path file) throws IOException {
    String pem;
    try {
      pem = Files.readString(file);
    } catch (IOException e) {
      throw new BridgeConfigException(
          List.of(field + ": cannot read " + file + ": " + e.getMessage()));
    }
    if (pem.contains("BEGIN RSA PRIVATE KEY")
        || pem.contains("BEGIN EC PRIVATE KEY")
        || pem.contains("ENCRYPTED PRIVATE KEY")) {
      throw new BridgeConfigException(
          List.of(
              field
                  + ": "
                  + file
                  + " must be an unencrypted PKCS#8 key "
                  + "(BEGIN PRIVATE KEY); convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8"));
    }
    int b = pem.indexOf("-----BEGIN PRIVATE KEY-----");
    int e = pem.indexOf("-----END PRIVATE KEY-----");
    if (b < 0 || e < 0) {
      throw new BridgeConfigException(List.of(field + ": " + file + " holds no PEM private key"));
    }
    byte[] der = Base64.getMimeDecoder().decode(pem.substring(b + 27, e));
    for (String alg : List.of("RSA", "EC", "Ed25519")) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException ignored) {
        // try the next algorithm
      }
    }
    throw new BridgeConfigException(
        List.of(field + ": " + file + ": not an RSA, EC or Ed25519 key"));
  }
}

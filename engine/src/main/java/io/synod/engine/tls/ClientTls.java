package io.synod.engine.tls;

import io.synod.config.CtlConfig;
import io.synod.config.JsseManagers;
import io.synod.config.RestApiConfig;
import io.synod.config.TrustAllCertificates;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * How a Synod process calls the REST API of a node, by Patroni's rule (PatroniRequest): {@code
 * ctl.cacert} else {@code restapi.cafile} as trusted CA, {@code ctl.certfile/keyfile/
 * keyfile_password} as client certificate (needed against {@code verify_client: required}), {@code
 * ctl.insecure} to skip verifying the server. Used by the leader race's peer probe and by synodctl.
 *
 * @param names the setting names used in error messages, in the order cafile, certfile, keyfile
 */
public record ClientTls(
    String cafile,
    String certfile,
    String keyfile,
    String keyfilePassword,
    boolean insecure,
    List<String> names) {

  /** No client settings at all: the JDK's default trust, no client certificate. */
  public static final ClientTls NONE =
      new ClientTls(null, null, null, null, false, List.of("cafile", "certfile", "keyfile"));

  /** Patroni's rule: the CA from ctl.cacert else restapi.cafile; the rest from ctl only. */
  public static ClientTls of(CtlConfig ctl, RestApiConfig restapi) {
    CtlConfig c = ctl == null ? CtlConfig.defaults() : ctl;
    return new ClientTls(
        c.cacert() != null ? c.cacert() : restapi.cafile(),
        c.certfile(),
        c.keyfile(),
        c.keyfilePassword(),
        c.insecure(),
        List.of(
            c.cacert() != null ? "ctl.cacert" : "restapi.cafile", "ctl.certfile", "ctl.keyfile"));
  }

  /** True when anything differs from the JDK's defaults. */
  public boolean configured() {
    return insecure || cafile != null || certfile != null;
  }

  /**
   * The SSLContext for these settings.
   *
   * @throws IllegalArgumentException naming the setting whose file is missing or unreadable
   */
  public SSLContext sslContext() {
    try {
      TrustManager[] trust = null;
      if (insecure) {
        trust = TrustAllCertificates.managers();
      } else if (cafile != null) {
        trust = JsseManagers.trusting(certificates(Path.of(cafile), names.get(0)));
      }
      KeyManager[] keys = null;
      if (certfile != null) {
        Path cert = Path.of(certfile);
        Path key = keyfile == null ? cert : Path.of(keyfile);
        List<Certificate> chain = certificates(cert, names.get(1));
        PrivateKey pk = privateKey(key, keyfilePassword, names.get(2));
        keys = JsseManagers.presenting(pk, chain);
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(keys, trust, new SecureRandom());
      return ctx;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(String.join("/", names) + ": " + e.getMessage(), e);
    }
  }

  /** Every certificate in a PEM file. */
  static List<Certificate> certificates(Path p, String setting) throws IOException {
    byte[] data = read(p, setting);
    try {
      Collection<? extends Certificate> cs =
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(onlyCertificates(data)));
      if (cs.isEmpty()) {
        throw new IllegalArgumentException(setting + " " + p + ": no PEM certificate in it");
      }
      return new ArrayList<>(cs);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(setting + " " + p + ": " + e.getMessage(), e);
    }
  }

  private static byte[] onlyCertificates(byte[] pem) {
    String s = new String(pem, StandardCharsets.US_ASCII);
    StringBuilder b = new StringBuilder();
    int from = 0;
    while (true) {
      int start = s.indexOf("-----BEGIN CERTIFICATE-----", from);
      int end = s.indexOf("-----END CERTIFICATE-----", start + 1);
      if (start < 0 || end < 0) {
        break;
      }
      end += "-----END CERTIFICATE-----".length();
      b.append(s, start, end).append('\n');
      from = end;
    }
    return b.toString().getBytes(StandardCharsets.US_ASCII);
  }

  /** The first private key in a PEM file: PKCS#8, PKCS#1 (RSA), SEC1 (EC), encrypted or not. */
  static PrivateKey privateKey(Path p, String password, String setting) throws IOException {
    read(p, setting);
    JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
    try (Reader r = Files.newBufferedReader(p, StandardCharsets.US_ASCII);
        PEMParser parser = new PEMParser(r)) {
      Object o;
      while ((o = parser.readObject()) != null) {
        if (o instanceof PrivateKeyInfo k) {
          return conv.getPrivateKey(k);
        }
        if (o instanceof PEMKeyPair kp) {
          return conv.getKeyPair(kp).getPrivate();
        }
        if (o instanceof PEMEncryptedKeyPair ekp) {
          return conv.getKeyPair(
                  ekp.decryptKeyPair(
                      new JcePEMDecryptorProviderBuilder().build(pw(p, password, setting))))
              .getPrivate();
        }
        if (o instanceof PKCS8EncryptedPrivateKeyInfo ek) {
          return conv.getPrivateKey(
              ek.decryptPrivateKeyInfo(
                  new JceOpenSSLPKCS8DecryptorProviderBuilder().build(pw(p, password, setting))));
        }
      }
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalArgumentException(
          setting + " " + p + ": cannot read the private key: " + e.getMessage(), e);
    }
    throw new IllegalArgumentException(setting + " " + p + ": no PEM private key in it");
  }

  private static char[] pw(Path p, String password, String setting) {
    if (password == null) {
      throw new IllegalArgumentException(
          setting + " " + p + ": the key is encrypted and no keyfile_password is set");
    }
    return password.toCharArray();
  }

  private static byte[] read(Path p, String setting) throws IOException {
    if (!Files.isReadable(p)) {
      throw new IllegalArgumentException(
          setting + " " + p + ": " + (Files.exists(p) ? "not readable" : "no such file"));
    }
    return Files.readAllBytes(p);
  }

  @Override
  public String toString() {
    return "ClientTls[cafile="
        + cafile
        + ", certfile="
        + certfile
        + ", keyfile="
        + keyfile
        + ", insecure="
        + insecure
        + "]";
  }
}

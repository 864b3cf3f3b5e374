package io.synod.store.testing;

import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A throw-away CA writing PEM files, as an operator's PKI would hand them out. */
public final class TestPki {
  private final String name;
  private final KeyPair caKeys;
  private final X509Certificate caCert;
  private final Path dir;

  public TestPki(Path dir, String name) throws Exception {
    this.dir = Files.createDirectories(dir);
    this.name = name;
    this.caKeys = keys();
    X500Name n = new X500Name("CN=" + name);
    caCert =
        sign(
            new JcaX509v3CertificateBuilder(
                    n, BigInteger.ONE, start(), end(), n, caKeys.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign)));
    pem(caFile(), caCert);
  }

  public Path caFile() {
    return dir.resolve(name + "-ca.pem");
  }

  public Path cert(String node) {
    return dir.resolve(name + "-" + node + ".pem");
  }

  public Path key(String node) {
    return dir.resolve(name + "-" + node + ".key");
  }

  /** Issues {@code node}.pem / .key (PKCS#8) signed by this CA. */
  public PeerTransport issue(String node) throws Exception {
    KeyPair kp = keys();
    X509Certificate c =
        sign(
            new JcaX509v3CertificateBuilder(
                    new X500Name("CN=" + name),
                    BigInteger.valueOf(System.nanoTime()),
                    start(),
                    end(),
                    new X500Name("CN=" + node),
                    kp.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false)));
    pem(cert(node), c);
    pem(key(node), new JcaPKCS8Generator(kp.getPrivate(), null));
    return PeerTransport.tls(cert(node), key(node), caFile());
  }

  private X509Certificate sign(org.bouncycastle.cert.X509v3CertificateBuilder b) throws Exception {
    return new JcaX509CertificateConverter()
        .getCertificate(
            b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
  }

  private static void pem(Path p, Object o) throws Exception {
    try (Writer w = Files.newBufferedWriter(p);
        JcaPEMWriter pw = new JcaPEMWriter(w)) {
      pw.writeObject(o);
    }
  }

  private static KeyPair keys() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static Date start() {
    return new Date(System.currentTimeMillis() - 86_400_000L);
  }

  private static Date end() {
    return new Date(System.currentTimeMillis() + 86_400_000L * 365);
  }
}

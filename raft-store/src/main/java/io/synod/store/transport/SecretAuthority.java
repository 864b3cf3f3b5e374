package io.synod.store.transport;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Date;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The cluster's certificate authority, derived from {@code raft.password}: every node that knows
 * the secret computes the same CA key pair (PBKDF2 of the secret, the cluster scope as salt, then a
 * P-256 private key), and issues itself a certificate for a fresh random key at start. The Raft
 * transport then runs mutual TLS with that CA as the only trust anchor, so a process without the
 * secret fails the TLS handshake before it can send a single Raft message.
 *
 * <p>What an outsider learns: anyone who can open a TCP connection to a Raft port sees the node's
 * certificate chain, hence the CA's public key, and can test guesses of the secret offline (each
 * guess costs one PBKDF2 with {@value #ITERATIONS} iterations). Use a long random secret ({@code
 * openssl rand -base64 32}); Synod warns about short ones.
 */
final class SecretAuthority {
  /** OWASP's 2023 figure for PBKDF2-HMAC-SHA256; a fraction of a second once per start. */
  static final int ITERATIONS = 600_000;

  /** Certificates never expire on their own: the CA lives as long as the secret. */
  private static final Date NOT_BEFORE =
      Date.from(LocalDate.of(2000, 1, 1).atStartOfDay(ZoneOffset.UTC).toInstant());

  private static final Date NOT_AFTER =
      Date.from(LocalDate.of(9999, 12, 31).atStartOfDay(ZoneOffset.UTC).toInstant());

  private final X500Name caName;
  private final KeyPair caKeys;
  private final X509Certificate caCert;

  private SecretAuthority(X500Name caName, KeyPair caKeys, X509Certificate caCert) {
    this.caName = caName;
    this.caKeys = caKeys;
    this.caCert = caCert;
  }

  /** The same CA on every node with the same secret and scope. */
  static SecretAuthority derive(char[] secret, String scope) {
    return derive(secret, scope, null);
  }

  /**
   * As {@link #derive(char[], String)}, reading the seed from {@code cacheDir} when a start before
   * kept it there for this secret and scope, and keeping it there otherwise ({@link SeedCache}).
   *
   * @param cacheDir raft.data_dir, or null to derive every time
   */
  static SecretAuthority derive(char[] secret, String scope, Path cacheDir) {
    try {
      X9ECParameters curve = CustomNamedCurves.getByName("secp256r1");
      BigInteger n = curve.getN();
      Path cache = cacheDir == null ? null : cacheDir.resolve(SeedCache.FILE_NAME);
      byte[] seed = cache == null ? null : SeedCache.read(cache, secret, scope).orElse(null);
      if (seed == null) {
        seed = pbkdf2(secret, ("synod raft cluster CA\0" + scope).getBytes(StandardCharsets.UTF_8));
        if (cache != null) {
          SeedCache.write(cache, secret, scope, seed);
        }
      }
      // 384 bits reduced modulo n-1: the bias is below 2^-128 (FIPS 186-4 B.4.1).
      BigInteger d = new BigInteger(1, seed).mod(n.subtract(BigInteger.ONE)).add(BigInteger.ONE);
      Arrays.fill(seed, (byte) 0);
      org.bouncycastle.math.ec.ECPoint q = curve.getG().multiply(d).normalize();

      AlgorithmParameters ap = AlgorithmParameters.getInstance("EC");
      ap.init(new ECGenParameterSpec("secp256r1"));
      ECParameterSpec spec = ap.getParameterSpec(ECParameterSpec.class);
      KeyFactory kf = KeyFactory.getInstance("EC");
      PrivateKey priv = kf.generatePrivate(new ECPrivateKeySpec(d, spec));
      PublicKey pub =
          kf.generatePublic(
              new ECPublicKeySpec(
                  new java.security.spec.ECPoint(
                      q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger()),
                  spec));
      X500Name name =
          new X500NameBuilder(BCStyle.INSTANCE)
              .addRDN(BCStyle.O, "Synod cluster " + scope)
              .addRDN(BCStyle.CN, "Synod Raft CA")
              .build();
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(name, BigInteger.ONE, NOT_BEFORE, NOT_AFTER, name, pub)
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
              .addExtension(
                  Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
              .addExtension(
                  Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pub));
      X509Certificate cert = sign(b, priv);
      return new SecretAuthority(name, new KeyPair(pub, priv), cert);
    } catch (GeneralSecurityException | OperatorCreationException | java.io.IOException e) {
      throw new IllegalStateException("raft.password: cannot derive the cluster CA: " + e, e);
    }
  }

  X509Certificate caCertificate() {
    return caCert;
  }

  /** A certificate for a fresh random P-256 key, for this process only. */
  Issued issue(String commonName) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      KeyPair kp = g.generateKeyPair();
      X500Name subject =
          new X500NameBuilder(BCStyle.INSTANCE)
              .addRDN(BCStyle.O, caName.getRDNs(BCStyle.O)[0].getFirst().getValue())
              .addRDN(BCStyle.CN, commonName)
              .build();
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
                  caName,
                  new BigInteger(127, new SecureRandom()).add(BigInteger.ONE),
                  NOT_BEFORE,
                  NOT_AFTER,
                  subject,
                  kp.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
              .addExtension(
                  Extension.extendedKeyUsage,
                  false,
                  new ExtendedKeyUsage(
                      new KeyPurposeId[] {
                        KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                      }))
              .addExtension(
                  Extension.authorityKeyIdentifier,
                  false,
                  ext.createAuthorityKeyIdentifier(caKeys.getPublic()))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  ext.createSubjectKeyIdentifier(kp.getPublic()));
      return new Issued(kp.getPrivate(), sign(b, caKeys.getPrivate()));
    } catch (GeneralSecurityException | OperatorCreationException | java.io.IOException e) {
      throw new IllegalStateException(
          "raft.password: cannot issue this node's certificate: " + e, e);
    }
  }

  record Issued(PrivateKey key, X509Certificate cert) {}

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key)
      throws OperatorCreationException, GeneralSecurityException {
    return new JcaX509CertificateConverter()
        .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
  }

  private static byte[] pbkdf2(char[] secret, byte[] salt) throws GeneralSecurityException {
    return pbkdf2(secret, salt, ITERATIONS, 384);
  }

  /** PBKDF2-HMAC-SHA256 of the secret: {@code bits} bits after {@code iterations} rounds. */
  static byte[] pbkdf2(char[] secret, byte[] salt, int iterations, int bits)
      throws GeneralSecurityException {
    PBEKeySpec spec = new PBEKeySpec(secret, salt, iterations, bits);
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } finally {
      spec.clearPassword();
    }
  }
}

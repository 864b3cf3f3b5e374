package io.synod.engine.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.synod.config.TrustAllCertificates;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/** synodctl's HTTP client for the nodes' REST APIs: basic auth and TLS from {@link CtlSettings}. */
final class Api {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  /** One answer. */
  record Reply(int status, String body, Map<String, List<String>> headers) {
    boolean ok() {
      return status >= 200 && status < 300;
    }

    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw CtlException.failed(
            "the node answered " + status + " with a body that is not JSON: " + abbreviate(body));
      }
    }

    String header(String name) {
      for (Map.Entry<String, List<String>> e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
          return e.getValue().get(0);
        }
      }
      return null;
    }

    String text() {
      return body == null ? "" : body.strip();
    }
  }

  /**
   * The node at {@code base} could not be reached at all (connection refused, timeout, TLS
   * failure).
   */
  static final class Unreachable extends IOException {
    Unreachable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final CtlSettings settings;
  private final HttpClient http;
  private String clusterBase;

  Api(CtlSettings settings) {
    this.settings = settings;
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
    if (settings.seeds.stream().anyMatch(s -> s.startsWith("https:"))
        || settings.certfile != null
        || settings.cacert != null
        || settings.insecure) {
      if (settings.insecure) {
        System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
      }
      b.sslContext(sslContext(settings));
    }
    http = b.build();
  }

  CtlSettings settings() {
    return settings;
  }

  Reply send(String base, String method, String path, Object body, Duration timeout)
      throws Unreachable {
    return send(base, method, path, body, timeout, Map.of());
  }

  Reply send(
      String base,
      String method,
      String path,
      Object body,
      Duration timeout,
      Map<String, String> headers)
      throws Unreachable {
    String json;
    try {
      json = body == null ? null : body instanceof String s ? s : JSON.writeValueAsString(body);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    HttpRequest.Builder rb =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(timeout)
            .header("User-Agent", "synodctl/" + SynodCtl.VERSION)
            .method(
                method,
                json == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(json));
    if (json != null) {
      rb.header("Content-Type", "application/json");
    }
    if (settings.username != null) {
      String token =
          Base64.getEncoder()
              .encodeToString(
                  (settings.username + ":" + (settings.password == null ? "" : settings.password))
                      .getBytes(StandardCharsets.UTF_8));
      rb.header("Authorization", "Basic " + token);
    }
    headers.forEach(rb::header);
    try {
      HttpResponse<String> r = http.send(rb.build(), HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.body(), r.headers().map());
    } catch (HttpConnectTimeoutException e) {
      throw new Unreachable(base + ": connection timed out", e);
    } catch (HttpTimeoutException e) {
      throw new Unreachable(base + ": no answer within " + timeout.toSeconds() + " s", e);
    } catch (ConnectException e) {
      throw new Unreachable(base + ": connection refused", e);
    } catch (IOException e) {
      throw new Unreachable(
          base + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unreachable(base + ": interrupted", e);
    }
  }

  /**
   * GET /cluster from the first node that answers: the configured ones first, then the members
   * learned from an earlier answer. Throws (exit 3) naming every address tried and why it failed.
   */
  JsonNode cluster() {
    List<String> tried = new ArrayList<>();
    List<String> order = new ArrayList<>();
    if (clusterBase != null) {
      order.add(clusterBase);
    } else if (settings.raftAddress != null) {
      order.add(restForRaft());
    }
    order.addAll(settings.seeds);
    for (String base : order) {
      try {
        Reply r = send(base, "GET", "/cluster", null, DEFAULT_TIMEOUT);
        if (r.status() == 200) {
          clusterBase = base;
          return r.json();
        }
        tried.add(base + " answered " + r.status() + ": " + abbreviate(r.text()));
      } catch (Unreachable e) {
        tried.add(e.getMessage());
      }
    }
    throw new CtlException(
        CtlException.UNREACHABLE,
        "no Synod node answered GET /cluster ("
            + String.join("; ", tried)
            + "). Check that the nodes run and that -c/--config-file (restapi.connect_address) or --api points at one");
  }

  /**
   * A REST API of the cluster that the Raft peer {@code -d raft://HOST:PORT} belongs to: the
   * configured nodes and HOST at the restapi port (or 8008) are asked GET /raft, and the first
   * whose Raft group has that peer is used.
   */
  private String restForRaft() {
    boolean https = settings.seeds.stream().anyMatch(s -> s.startsWith("https:"));
    List<String> candidates = new ArrayList<>(settings.restCandidatesForRaft(https));
    candidates.addAll(settings.seeds);
    List<String> tried = new ArrayList<>();
    for (String base : candidates) {
      try {
        Reply r = send(base, "GET", "/raft", null, DEFAULT_TIMEOUT);
        if (r.status() != 200) {
          tried.add(base + " answered " + r.status());
          continue;
        }
        JsonNode raft = r.json();
        boolean member = settings.raftAddress.equals(raft.path("self").asText());
        for (JsonNode p : raft.path("peers")) {
          member |= settings.raftAddress.equals(p.asText());
        }
        if (member) {
          return base;
        }
        tried.add(base + " serves another Raft group (" + raft.path("peers") + ")");
      } catch (Unreachable e) {
        tried.add(e.getMessage());
      }
    }
    throw new CtlException(
        CtlException.UNREACHABLE,
        "no REST API found for the Raft peer "
            + settings.raftAddress
            + " ("
            + String.join("; ", tried)
            + "). synodctl reaches a Raft address through a REST API of the same cluster on that"
            + " host (restapi port of -c's file, else 8008); or give --api/-d http://HOST:PORT");
  }

  /** The node that last answered GET /cluster. */
  String clusterBase() {
    return clusterBase;
  }

  /** Sends to the first base that is reachable; the list usually starts with the preferred node. */
  Reply sendToAny(
      Collection<String> bases, String method, String path, Object body, Duration timeout) {
    List<String> tried = new ArrayList<>();
    for (String base : bases) {
      try {
        return send(base, method, path, body, timeout);
      } catch (Unreachable e) {
        tried.add(e.getMessage());
      }
    }
    throw new CtlException(
        CtlException.UNREACHABLE,
        "no node could be reached for "
            + method
            + " "
            + path
            + " ("
            + String.join("; ", tried)
            + ")");
  }

  /** A member's REST base URL from its api_url ("http://h:p/patroni" → "http://h:p"). */
  static String baseOf(JsonNode member) {
    String url = member.path("api_url").asText(null);
    if (url == null || url.isBlank()) {
      return null;
    }
    URI u = URI.create(url);
    return u.getScheme() + "://" + u.getRawAuthority();
  }

  static String abbreviate(String s) {
    String t = s == null ? "" : s.strip().replace('\n', ' ');
    return t.length() > 200 ? t.substring(0, 200) + "..." : t;
  }

  // ------------------------------------------------------------------------------- TLS

  private static SSLContext sslContext(CtlSettings s) {
    try {
      TrustManager[] trust = null;
      if (s.insecure) {
        trust = TrustAllCertificates.managers();
      } else if (s.cacert != null) {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        int i = 0;
        for (Certificate c : certificates(Path.of(s.cacert), "ctl.cacert")) {
          ks.setCertificateEntry("ca" + i++, c);
        }
        TrustManagerFactory tmf =
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        trust = tmf.getTrustManagers();
      }
      javax.net.ssl.KeyManager[] keys = null;
      if (s.certfile != null) {
        Path cert = Path.of(s.certfile);
        Path key = s.keyfile == null ? cert : Path.of(s.keyfile);
        List<Certificate> chain = certificates(cert, "ctl.certfile");
        PrivateKey pk = privateKey(key);
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        char[] pw = new char[0];
        ks.setKeyEntry("client", pk, pw, chain.toArray(new Certificate[0]));
        KeyManagerFactory kmf =
            KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pw);
        keys = kmf.getKeyManagers();
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(keys, trust, new SecureRandom());
      return ctx;
    } catch (CtlException e) {
      throw e;
    } catch (Exception e) {
      throw new CtlException(
          CtlException.USAGE, "TLS settings (ctl.cacert/certfile/keyfile): " + e);
    }
  }

  private static List<Certificate> certificates(Path p, String setting) throws Exception {
    byte[] data = readFile(p, setting);
    Collection<? extends Certificate> cs =
        CertificateFactory.getInstance("X.509")
            .generateCertificates(
                new ByteArrayInputStream(
                    onlyCertificates(new String(data, StandardCharsets.US_ASCII))
                        .getBytes(StandardCharsets.US_ASCII)));
    if (cs.isEmpty()) {
      throw new CtlException(CtlException.USAGE, setting + " " + p + ": no PEM certificate in it");
    }
    return new ArrayList<>(cs);
  }

  private static final Pattern CERT =
      Pattern.compile("-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----");
  private static final Pattern KEY =
      Pattern.compile(
          "-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----([^-]+)-----END [A-Z ]*PRIVATE KEY-----");

  private static String onlyCertificates(String pem) {
    StringBuilder b = new StringBuilder();
    Matcher m = CERT.matcher(pem);
    while (m.find()) {
      b.append(m.group()).append('\n');
    }
    return b.toString();
  }

  private static PrivateKey privateKey(Path p) throws Exception {
    String pem = new String(readFile(p, "ctl.keyfile"), StandardCharsets.US_ASCII);
    Matcher m = KEY.matcher(pem);
    if (!m.find()) {
      throw new CtlException(CtlException.USAGE, "ctl.keyfile " + p + ": no PEM private key in it");
    }
    String kind = m.group(1) == null ? "" : m.group(1).trim();
    byte[] der = Base64.getMimeDecoder().decode(m.group(2));
    if (kind.equals("ENCRYPTED") || kind.equals("EC")) {
      throw new CtlException(
          CtlException.USAGE,
          "ctl.keyfile "
              + p
              + ": "
              + kind
              + " keys are not supported; convert it "
              + "with: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.pk8.pem");
    }
    if (kind.equals("RSA")) {
      der = pkcs1ToPkcs8(der);
    }
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String alg : List.of("RSA", "EC", "Ed25519", "EdDSA")) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(spec);
      } catch (Exception e) {
        // next algorithm
      }
    }
    throw new CtlException(
        CtlException.USAGE, "ctl.keyfile " + p + ": cannot read the private key");
  }

  /** Wraps a PKCS#1 RSAPrivateKey into a PKCS#8 PrivateKeyInfo. */
  static byte[] pkcs1ToPkcs8(byte[] pkcs1) {
    byte[] algId = {
      0x30,
      0x0d,
      0x06,
      0x09,
      0x2a,
      (byte) 0x86,
      0x48,
      (byte) 0x86,
      (byte) 0xf7,
      0x0d,
      0x01,
      0x01,
      0x01,
      0x05,
      0x00
    };
    byte[] version = {0x02, 0x01, 0x00};
    byte[] octet = der(0x04, pkcs1);
    byte[] inner = new byte[version.length + algId.length + octet.length];
    System.arraycopy(version, 0, inner, 0, version.length);
    System.arraycopy(algId, 0, inner, version.length, algId.length);
    System.arraycopy(octet, 0, inner, version.length + algId.length, octet.length);
    return der(0x30, inner);
  }

  private static byte[] der(int tag, byte[] content) {
    int n = content.length;
    byte[] len;
    if (n < 0x80) {
      len = new byte[] {(byte) n};
    } else if (n < 0x100) {
      len = new byte[] {(byte) 0x81, (byte) n};
    } else if (n < 0x10000) {
      len = new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n};
    } else {
      len = new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
    }
    byte[] out = new byte[1 + len.length + n];
    out[0] = (byte) tag;
    System.arraycopy(len, 0, out, 1, len.length);
    System.arraycopy(content, 0, out, 1 + len.length, n);
    return out;
  }

  private static byte[] readFile(Path p, String setting) throws IOException {
    if (!Files.isReadable(p)) {
      throw new CtlException(
          CtlException.USAGE,
          setting + " " + p + ": " + (Files.exists(p) ? "not readable" : "no such file"));
    }
    return Files.readAllBytes(p);
  }

  static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      if (kv[i + 1] != null) {
        m.put((String) kv[i], kv[i + 1]);
      }
    }
    return m;
  }
}

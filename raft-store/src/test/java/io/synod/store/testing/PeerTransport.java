package io.synod.store.testing;

import io.synod.store.transport.RaftTransport;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

/**
 * How a {@link StorePeerMain} child authenticates its Raft connections. Handed over in the
 * environment (readable by the owner only), never on the command line (readable by every user in
 * /proc).
 */
public record PeerTransport(String kind, String secret, Path cert, Path key, Path ca) {
  static final String ENV = "SYNOD_TEST_RAFT_TRANSPORT";
  static final String ENV_SECRET = "SYNOD_TEST_RAFT_SECRET";

  public static PeerTransport plain() {
    return new PeerTransport("plain", null, null, null, null);
  }

  public static PeerTransport secret(String secret) {
    return new PeerTransport("secret", secret, null, null, null);
  }

  /** A fresh random secret: one per fixture cluster. */
  public static PeerTransport randomSecret() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return secret(Base64.getEncoder().encodeToString(b));
  }

  public static PeerTransport tls(Path cert, Path key, Path ca) {
    return new PeerTransport("tls", null, cert, key, ca);
  }

  void putInto(Map<String, String> env) {
    switch (kind) {
      case "secret" -> {
        env.put(ENV, "secret");
        env.put(ENV_SECRET, secret);
      }
      case "tls" -> env.put(ENV, "tls:" + cert + ":" + key + ":" + ca);
      default -> env.put(ENV, "plain");
    }
  }

  /** In the child: the transport its environment asks for. */
  static RaftTransport fromEnv(String scope, String self) {
    String spec = System.getenv().getOrDefault(ENV, "plain");
    if (spec.equals("secret")) {
      return RaftTransport.sharedSecret(System.getenv(ENV_SECRET).toCharArray(), scope, self);
    }
    if (spec.startsWith("tls:")) {
      String[] f = spec.substring(4).split(":");
      return RaftTransport.mutualTls(Path.of(f[0]), Path.of(f[1]), null, Path.of(f[2]));
    }
    return RaftTransport.plain();
  }

  @Override
  public String toString() {
    return "PeerTransport[" + kind + "]";
  }
}

package io.synod.engine.api;

import io.synod.config.Credentials;
import io.synod.config.RestApiConfig;
import io.synod.config.VerifyClient;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Patroni's check_access for the unsafe methods (POST, PUT, PATCH, DELETE): first the allowlist
 * (403), then the client certificate when verify_client asks for one (403), then basic auth (401).
 */
public final class Access {
  private static final Logger LOG = LoggerFactory.getLogger(Access.class);

  private final List<Net> allowlist = new ArrayList<>();
  private final boolean includeMembers;
  private final boolean certRequired;
  private final byte[] expectedAuth;
  private final Supplier<Collection<String>> memberApiUrls;

  /**
   * @param memberApiUrls the cluster members' api_url values (for allowlist_include_members)
   */
  public Access(RestApiConfig c, Supplier<Collection<String>> memberApiUrls) {
    for (String entry : c.allowlist()) {
      allowlist.addAll(Net.parse(entry));
    }
    includeMembers = c.allowlistIncludeMembers();
    certRequired = c.tls() && c.verifyClient() != VerifyClient.NONE;
    Credentials a = c.authentication();
    expectedAuth =
        a == null
            ? null
            : Base64.getEncoder()
                .encode((a.username() + ":" + a.password()).getBytes(StandardCharsets.UTF_8));
    this.memberApiUrls = memberApiUrls;
  }

  /** Everyone may call everything: no auth, no allowlist (tests and the default config). */
  public static Access open() {
    return new Access(RestApiConfig.defaults(), List::of);
  }

  /** Null when the request may proceed, else the 401/403 answer. */
  Response check(Request r) {
    if (!allowlist.isEmpty() || includeMembers) {
      List<Net> nets = new ArrayList<>(allowlist);
      if (includeMembers) {
        for (String url : memberApiUrls.get()) {
          try {
            String host = URI.create(url).getHost();
            if (host != null) {
              nets.addAll(Net.parse(host));
            }
          } catch (IllegalArgumentException e) {
            LOG.debug("ignoring member api_url {}: {}", url, e.getMessage());
          }
        }
      }
      InetAddress from;
      try {
        from = InetAddress.getByName(r.remoteAddress());
      } catch (UnknownHostException e) {
        from = null;
      }
      InetAddress f = from;
      if (f == null || nets.stream().noneMatch(n -> n.contains(f))) {
        return Response.text(403, "Access is denied");
      }
    }
    if (certRequired && !r.clientCertificate()) {
      return Response.text(403, "client certificate required");
    }
    if (expectedAuth != null) {
      String h = r.authorization();
      String reason = null;
      if (h == null) {
        reason = "no auth header received";
      } else if (!h.startsWith("Basic ")
          || !MessageDigest.isEqual(
              expectedAuth, h.substring(6).trim().getBytes(StandardCharsets.UTF_8))) {
        reason = "not authenticated";
      }
      if (reason != null) {
        return Response.text(401, reason).withHeader("WWW-Authenticate", "Basic realm=\"Synod\"");
      }
    }
    return null;
  }

  /** An IP network (address + prefix length). */
  record Net(byte[] address, int prefix) {
    /**
     * An entry of restapi.allowlist: a CIDR network, an address, or a host name (all its
     * addresses).
     */
    static List<Net> parse(String entry) {
      String e = entry.trim();
      List<Net> out = new ArrayList<>();
      try {
        int slash = e.indexOf('/');
        if (slash > 0) {
          InetAddress a = InetAddress.getByName(e.substring(0, slash));
          out.add(new Net(a.getAddress(), Integer.parseInt(e.substring(slash + 1))));
        } else {
          for (InetAddress a : InetAddress.getAllByName(e)) {
            out.add(new Net(a.getAddress(), a.getAddress().length * 8));
          }
        }
      } catch (UnknownHostException | NumberFormatException ex) {
        LOG.error("invalid restapi.allowlist entry \"{}\": {}", entry, ex.getMessage());
      }
      return out;
    }

    boolean contains(InetAddress a) {
      byte[] x = normalize(a.getAddress(), address.length);
      if (x == null) {
        return false;
      }
      int bits = Math.min(prefix, address.length * 8);
      for (int i = 0; i < bits; i++) {
        int mask = 0x80 >>> (i % 8);
        if ((x[i / 8] & mask) != (address[i / 8] & mask)) {
          return false;
        }
      }
      return true;
    }

    /** Compares IPv4 with IPv4-mapped IPv6 (::ffff:a.b.c.d) as the same address. */
    private static byte[] normalize(byte[] a, int len) {
      if (a.length == len) {
        return a;
      }
      if (a.length == 16 && len == 4) {
        for (int i = 0; i < 10; i++) {
          if (a[i] != 0) {
            return null;
          }
        }
        if ((a[10] & 0xff) != 0xff || (a[11] & 0xff) != 0xff) {
          return null;
        }
        return new byte[] {a[12], a[13], a[14], a[15]};
      }
      if (a.length == 4 && len == 16) {
        byte[] m = new byte[16];
        m[10] = (byte) 0xff;
        m[11] = (byte) 0xff;
        System.arraycopy(a, 0, m, 12, 4);
        return m;
      }
      return null;
    }
  }
}

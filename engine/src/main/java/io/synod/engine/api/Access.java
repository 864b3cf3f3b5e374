package io.synod.engine.api;

import io.synod.config.Credentials;
import io.synod.config.IpNetwork;
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

  private final List<IpNetwork> allowlist = new ArrayList<>();
  private final boolean allowlistSet;
  private final boolean includeMembers;
  private final boolean certRequired;
  private final byte[] expectedAuth;
  private final Supplier<Collection<String>> memberApiUrls;

  /**
   * @param memberApiUrls the cluster members' api_url values (for allowlist_include_members)
   */
  public Access(RestApiConfig c, Supplier<Collection<String>> memberApiUrls) {
    allowlistSet = !c.allowlist().isEmpty();
    for (String entry : c.allowlist()) {
      try {
        allowlist.addAll(IpNetwork.parse(entry));
      } catch (IllegalArgumentException e) {
        // Checked at load; a host name that stopped resolving since only narrows the list.
        LOG.error("restapi.allowlist: {}; that entry admits nobody", e.getMessage());
      }
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
    if (allowlistSet || includeMembers) {
      List<IpNetwork> nets = new ArrayList<>(allowlist);
      if (includeMembers) {
        for (String url : memberApiUrls.get()) {
          try {
            String host = URI.create(url).getHost();
            if (host != null) {
              nets.addAll(IpNetwork.parse(host));
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
}

package io.synod.bridges;

import java.nio.file.Path;

/**
 * The {@code consul} section as the bridge uses it (Patroni's keys).
 *
 * @param baseUrl {@code scheme://host:port}, no trailing slash
 * @param token ACL token sent as {@code X-Consul-Token}, or null
 * @param dc datacenter ({@code ?dc=}), or null for the agent's own
 * @param verify false: do not verify the server certificate (Patroni's {@code verify: false})
 */
public record ConsulSettings(
    String baseUrl, String token, String dc, boolean verify, Path cacert, Path cert, Path key) {
  @Override
  public String toString() {
    return "ConsulSettings[url="
        + baseUrl
        + ", dc="
        + dc
        + ", token="
        + (token == null ? "none" : "set")
        + "]";
  }
}

package io.synod.bridges;

import java.nio.file.Path;
import java.util.List;

/**
 * The {@code etcd3} section as the bridge uses it (Patroni's keys).
 *
 * @param endpoints client URLs, e.g. {@code http://10.0.0.1:2379}
 * @param cacert PEM file of the CA that signed etcd's certificate (https), or null
 * @param cert PEM client certificate for mutual TLS, or null
 * @param key PEM (PKCS#8) private key of {@code cert}, or null
 */
public record EtcdSettings(
    List<String> endpoints, String username, String password, Path cacert, Path cert, Path key) {
  @Override
  public String toString() {
    return "EtcdSettings[endpoints="
        + endpoints
        + ", username="
        + username
        + ", tls="
        + (cacert != null || cert != null)
        + "]";
  }
}

package io.synod.config;

import java.util.Set;

/**
 * A {@code host:port} pair as written in Patroni's config ({@code 10.0.0.1:8008}, {@code
 * [::1]:8008}). Syntax only: names are not resolved here, because DNS may not be up yet when the
 * config is read.
 */
public record HostPort(String host, int port) {
  private static final Set<String> WILDCARDS = Set.of("", "*", "0.0.0.0", "::", "[::]");

  /**
   * Parses {@code host:port}; the host must be non-empty and the port 1-65535.
   *
   * @throws IllegalArgumentException with a message such as {@code "abc" is not host:port}
   */
  public static HostPort parse(String text) {
    return parse(text, null, false);
  }

  /**
   * @param defaultPort used when the text has no port (Patroni allows that for PostgreSQL
   *     addresses); null = required
   * @param allowEmptyHost true for listen addresses, where {@code :8008} means all interfaces
   */
  static HostPort parse(String text, Integer defaultPort, boolean allowEmptyHost) {
    if (text == null) {
      throw new IllegalArgumentException("null is not host:port");
    }
    String s = text.trim();
    String host;
    String portText;
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0) {
        throw notHostPort(text);
      }
      host = s.substring(1, close);
      String rest = s.substring(close + 1);
      if (rest.isEmpty()) {
        portText = null;
      } else if (rest.startsWith(":")) {
        portText = rest.substring(1);
      } else {
        throw notHostPort(text);
      }
    } else {
      int colon = s.lastIndexOf(':');
      if (colon < 0) {
        host = s;
        portText = null;
      } else {
        host = s.substring(0, colon);
        portText = s.substring(colon + 1);
      }
    }
    int port;
    if (portText == null) {
      if (defaultPort == null) {
        throw notHostPort(text);
      }
      port = defaultPort;
    } else {
      try {
        port = Integer.parseInt(portText);
      } catch (NumberFormatException e) {
        throw notHostPort(text);
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException(
            Problems.show(text) + ": port " + port + " is out of range 1-65535");
      }
    }
    if ((host.isEmpty() && !allowEmptyHost)
        || host.chars()
            .anyMatch(c -> Character.isWhitespace(c) || c == '/' || c == ',' || c == '@')) {
      throw notHostPort(text);
    }
    return new HostPort(host, port);
  }

  /** True for addresses that only make sense for binding (0.0.0.0, ::, *), never for connecting. */
  public boolean isWildcard() {
    return WILDCARDS.contains(host);
  }

  @Override
  public String toString() {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }

  private static IllegalArgumentException notHostPort(String text) {
    return new IllegalArgumentException(Problems.show(text) + " is not host:port");
  }
}

package io.synod.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One of {@code postgresql.authentication.superuser|replication|rewind}.
 *
 * @param connectionParams other libpq keys given for this user (sslmode, sslcert, sslkey,
 *     sslrootcert, channel_binding...), in file order
 */
public record PgUser(String username, String password, Map<String, String> connectionParams) {

  public PgUser {
    connectionParams =
        connectionParams == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(connectionParams));
  }

  /** libpq sslmode, or null when not set. */
  public String sslmode() {
    return connectionParams.get("sslmode");
  }

  static PgUser from(Section s, String defaultUsername) {
    if (!s.present() && defaultUsername == null) {
      return null;
    }
    String username = s.string("username", defaultUsername);
    if (username == null || username.isBlank()) {
      s.error("username", "required");
    }
    String password = s.string("password", null);
    Map<String, String> params = new LinkedHashMap<>();
    for (String p : EnvOverrides.AUTH_PARAMS) {
      if (!p.equals("username") && !p.equals("password")) {
        String v = s.string(p, null);
        if (v != null) {
          params.put(p, v);
        }
      }
    }
    s.finish();
    return new PgUser(username, password, params);
  }

  /** Never prints the password. */
  @Override
  public String toString() {
    return "PgUser[username="
        + username
        + ", password="
        + (password == null ? "null" : "***")
        + ", connectionParams="
        + connectionParams
        + "]";
  }
}

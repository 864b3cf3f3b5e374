package io.synod.engine.postgres;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * How a role's credentials reach PostgreSQL's client programs and Synod's own JDBC connection: the
 * libpq options of {@code postgresql.authentication.<user>} (sslmode, sslcert, ... as Patroni
 * passes them to primary_conninfo, pg_basebackup, pg_rewind and its own connections), and the
 * password either in {@code PGPASSWORD} or, with {@code postgresql.pgpass}, in a 0600 .pgpass file
 * named by {@code PGPASSFILE} (primary_conninfo then carries {@code passfile}, not the password).
 */
final class Libpq {
  /** libpq options newer than PostgreSQL 13 (Synod's oldest): the first major that knows them. */
  private static final Map<String, Integer> SINCE = Map.of("sslcrldir", 14, "sslnegotiation", 17);

  /** libpq option to pgjdbc property; sslcrl and sslcrldir have none. */
  private static final Map<String, String> JDBC =
      Map.of(
          "sslmode", "sslmode",
          "sslcert", "sslcert",
          "sslkey", "sslkey",
          "sslpassword", "sslpassword",
          "sslrootcert", "sslrootcert",
          "gssencmode", "gssEncMode",
          "channel_binding", "channelBinding",
          "sslnegotiation", "sslNegotiation");

  private Libpq() {}

  /** The role's libpq options this PostgreSQL's client library knows, in the order given. */
  static Map<String, String> params(PgSettings.Credentials c, int major) {
    Map<String, String> out = new LinkedHashMap<>();
    c.params()
        .forEach(
            (k, v) -> {
              Integer since = SINCE.get(k);
              if (since == null || major == 0 || major >= since) {
                out.put(k, v);
              }
            });
    return out;
  }

  /** Why some configured options are not used (logged when the settings change). */
  static List<String> notUsed(PgSettings s) {
    List<String> out = new ArrayList<>();
    int major = s.options().majorVersion();
    check(out, "superuser", s.superuser(), major);
    check(out, "replication", s.replication(), major);
    if (s.rewind() != null) {
      check(out, "rewind", s.rewind(), major);
    }
    for (String k : List.of("sslcrl", "sslcrldir")) {
      if (s.superuser().params().containsKey(k)) {
        out.add(
            "postgresql.authentication.superuser."
                + k
                + ": used by pg_rewind and post_bootstrap (libpq); Synod's own JDBC connection to"
                + " its local server cannot check a certificate revocation list");
      }
    }
    return out;
  }

  private static void check(List<String> out, String role, PgSettings.Credentials c, int major) {
    c.params()
        .forEach(
            (k, v) -> {
              Integer since = SINCE.get(k);
              if (since != null && major != 0 && major < since) {
                out.add(
                    "postgresql.authentication."
                        + role
                        + "."
                        + k
                        + ": libpq of PostgreSQL "
                        + major
                        + " does not know it (PostgreSQL "
                        + since
                        + "+); not passed on");
              }
            });
  }

  /** Environment for a client program connecting as {@code c}: PGPASSFILE or PGPASSWORD. */
  static Map<String, String> passwordEnv(PgSettings s, PgSettings.Credentials c) {
    Map<String, String> env = new LinkedHashMap<>();
    if (s.options().pgpass() != null) {
      env.put("PGPASSFILE", s.options().pgpass().toString());
    } else if (c.hasPassword()) {
      env.put("PGPASSWORD", c.password());
    }
    return env;
  }

  /** pgjdbc properties for the role's libpq options (sslcrl and sslcrldir have no counterpart). */
  static void jdbc(PgSettings.Credentials c, int major, Properties p) {
    params(c, major)
        .forEach(
            (k, v) -> {
              String prop = JDBC.get(k);
              if (prop != null) {
                p.setProperty(prop, v);
              }
            });
  }

  /**
   * The .pgpass text: one {@code *:*:*:user:password} line per role with a password (libpq picks
   * the line of the user it connects as), {@code :} and {@code \} escaped.
   */
  static String pgpass(PgSettings s) {
    StringBuilder b = new StringBuilder();
    List<String> seen = new ArrayList<>();
    for (PgSettings.Credentials c :
        new PgSettings.Credentials[] {s.superuser(), s.replication(), s.rewind()}) {
      if (c != null && c.hasPassword() && !seen.contains(c.username())) {
        seen.add(c.username());
        b.append("*:*:*:").append(escape(c.username())).append(':').append(escape(c.password()));
        b.append('\n');
      }
    }
    return b.toString();
  }

  private static String escape(String v) {
    return v.replace("\\", "\\\\").replace(":", "\\:");
  }
}

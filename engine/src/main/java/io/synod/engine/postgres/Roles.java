package io.synod.engine.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The roles Synod relies on. DDL can't take bind parameters, so statements are built server-side
 * with format() (%I, %L) rather than by quoting in Java; statements carrying passwords are never
 * logged.
 */
final class Roles {
  private static final Logger log = LoggerFactory.getLogger(Roles.class);

  /**
   * Functions pg_rewind calls on the source (PostgreSQL 11+ grants for a non-superuser rewind
   * role).
   */
  static final String[] REWIND_FUNCTIONS = {
    "pg_catalog.pg_ls_dir(text, boolean, boolean)",
    "pg_catalog.pg_stat_file(text, boolean)",
    "pg_catalog.pg_read_binary_file(text)",
    "pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)"
  };

  private Roles() {}

  static void createAll(Connection c, PgSettings s) throws SQLException {
    PgSettings.Credentials su = s.superuser();
    ensure(c, su, "SUPERUSER LOGIN");
    PgSettings.Credentials rep = s.replication();
    if (!rep.username().equals(su.username())) {
      ensure(c, rep, "REPLICATION LOGIN");
    }
    PgSettings.Credentials rw = s.rewind();
    if (rw != null && !rw.username().equals(su.username())) {
      if (!rw.username().equals(rep.username())) {
        ensure(c, rw, "LOGIN");
      }
      for (String fn : REWIND_FUNCTIONS) {
        exec(
            c,
            "SELECT format('GRANT EXECUTE ON FUNCTION %s TO %I', ?::text, ?::text)",
            fn,
            rw.username());
      }
    }
  }

  private static void ensure(Connection c, PgSettings.Credentials role, String attributes)
      throws SQLException {
    boolean exists;
    try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
      ps.setString(1, role.username());
      try (ResultSet rs = ps.executeQuery()) {
        exists = rs.next();
      }
    }
    String verb = exists ? "ALTER" : "CREATE";
    exec(
        c,
        "SELECT format('%s ROLE %I WITH "
            + attributes
            + " PASSWORD %L', ?::text, ?::text, ?::text)",
        verb,
        role.username(),
        role.hasPassword() ? role.password() : null);
    log.info("{} role {} ({})", exists ? "updated" : "created", role.username(), attributes);
  }

  /** Builds a statement with format() from the arguments, then runs it. */
  private static void exec(Connection c, String formatQuery, String... args) throws SQLException {
    String sql;
    try (PreparedStatement ps = c.prepareStatement(formatQuery)) {
      for (int i = 0; i < args.length; i++) {
        ps.setString(i + 1, args[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        sql = rs.getString(1);
      }
    }
    try (Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }
}

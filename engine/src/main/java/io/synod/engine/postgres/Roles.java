package io.synod.engine.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The roles Synod relies on. DDL can't take bind parameters, so statements are built server-side
 * with format() (%I, %L) rather than by quoting in Java. Statements carrying passwords are never
 * logged: the session turns statement logging off first (log_statement, duration and sampled
 * logging, statements of failed commands, pg_stat_statements and auto_explain), as Patroni does.
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

  /**
   * Session settings under which no statement (nor its bind parameters) reaches the server log or
   * pg_stat_statements. Settings of modules that are not loaded are harmless placeholders.
   */
  static final List<String> QUIET =
      List.of(
          "SET log_statement = 'none'",
          "SET log_min_duration_statement = -1",
          "SET log_min_duration_sample = -1",
          "SET log_transaction_sample_rate = 0",
          "SET log_min_error_statement = 'panic'",
          "SET pg_stat_statements.track_utility = off",
          "SET auto_explain.log_min_duration = -1");

  static void createAll(Connection c, PgSettings s) throws SQLException {
    quiet(c);
    try {
      createRoles(c, s);
    } finally {
      try (Statement st = c.createStatement()) {
        st.execute("RESET ALL");
      }
    }
  }

  private static void quiet(Connection c) throws SQLException {
    for (String set : QUIET) {
      try (Statement st = c.createStatement()) {
        st.execute(set);
      } catch (SQLException e) {
        if (set.contains("log_statement") || set.contains("log_min_error_statement")) {
          throw e; // never send a password without these
        }
        log.debug("{}: {}", set, e.getMessage());
      }
    }
  }

  private static void createRoles(Connection c, PgSettings s) throws SQLException {
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

package io.synod.engine.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code synodctl query}: runs SQL on a member's PostgreSQL, as {@code patronictl query} does. The
 * member comes from {@code GET /cluster} (its host and port): the leader unless {@code -r ROLE} or
 * {@code -m MEMBER}; for replica/standby/primary roles the server's own pg_is_in_recovery() must
 * agree. The user is {@code -U}, else PGUSER, else the superuser of the config file, else the OS
 * user; the password {@code --password} (asked), else PGPASSWORD, else the config file's superuser
 * password (for that user), else ~/.pgpass. Output: {@code --format tsv} (default, header first;
 * {@code --delimiter}), pretty, json, yaml. An SQL error prints patronictl's {@code <time> ERROR,
 * SQLSTATE: <code>} line and exits 1.
 */
@Command(
    name = "query",
    description = "Run SQL on a member's PostgreSQL (as patronictl query).",
    mixinStandardHelpOptions = true)
final class QueryCmd extends SynodCtl.Verb {
  @Parameters(arity = "0..1", paramLabel = "CLUSTER")
  String cluster;

  @Option(names = "--format", defaultValue = "tsv", description = "tsv, pretty, json or yaml")
  String fmt;

  @Option(
      names = {"-f", "--file"},
      paramLabel = "FILE",
      description = "run the SQL in this file")
  Path file;

  @Option(
      names = {"-c", "--command"},
      paramLabel = "SQL",
      description = "the SQL to run")
  String command;

  @Option(names = "--password", description = "ask for the database password")
  boolean askPassword;

  @Option(
      names = {"-U", "--username"},
      paramLabel = "USER",
      description = "database user")
  String username;

  @Option(
      names = {"-d", "--dbname"},
      paramLabel = "DB",
      description = "database (default postgres)")
  String dbname;

  @Option(
      names = {"-r", "--role"},
      description = "leader, primary, standby-leader, replica, standby, any")
  String role;

  @Option(
      names = {"-m", "--member"},
      description = "this member")
  String member;

  @Option(names = "--delimiter", defaultValue = "\t", description = "tsv column delimiter")
  String delimiter;

  @Option(names = "-W", description = "run it every 2 seconds until interrupted")
  boolean watchDefault;

  @Option(
      names = {"-w", "--watch"},
      paramLabel = "SECONDS",
      description = "run it every SECONDS until interrupted")
  Double watch;

  /** The rows of the last result of a statement (null columns when it returned no rows). */
  record Output(List<String> columns, List<List<Object>> rows, boolean error) {}

  @Override
  public Integer call() throws Exception {
    if (file != null && command != null) {
      throw new CtlException(
          CtlException.USAGE, "--file and --command are mutually exclusive options");
    }
    if (file == null && command == null) {
      throw new CtlException(CtlException.USAGE, "You need to specify either --command or --file");
    }
    if (role != null && member != null) {
      throw new CtlException(
          CtlException.USAGE, "--role and --member are mutually exclusive options");
    }
    if (role != null
        && !Set.of("leader", "primary", "master", "standby-leader", "replica", "standby", "any")
            .contains(role)) {
      throw new CtlException(
          CtlException.USAGE,
          "--role: expected leader, primary, standby-leader, replica, standby or any, got " + role);
    }
    String sql;
    try {
      sql = file != null ? Files.readString(file, StandardCharsets.UTF_8) : command;
    } catch (IOException e) {
      throw new CtlException(
          CtlException.USAGE, "--file " + file + ": cannot read: " + e.getMessage());
    }
    String password = null;
    if (askPassword) {
      password = top().console().secret("Password");
    }
    Double every = watch != null ? watch : watchDefault ? 2.0 : null;
    int rc;
    while (true) {
      Output o = run(sql, password);
      Table.print(
          out(),
          fmt,
          o.columns == null ? List.of() : o.columns,
          o.rows,
          null,
          Set.of(),
          0,
          delimiter);
      rc = o.error ? CtlException.FAILED : 0;
      if (every == null) {
        return rc;
      }
      Thread.sleep((long) (every * 1000));
    }
  }

  private Output run(String sql, String password) {
    JsonNode c = cluster(cluster);
    Map<String, String> env = top().env;
    String user =
        first(
            username, env.get("PGUSER"), api().settings().pgUser, System.getProperty("user.name"));
    String pw =
        first(
            password,
            env.get("PGPASSWORD"),
            user.equals(api().settings().pgUser) ? api().settings().pgPassword : null);
    String db = first(dbname, env.get("PGDATABASE"), "postgres");
    String want = member != null ? "any" : role == null ? "leader" : role;
    List<String> tried = new ArrayList<>();
    for (JsonNode m : SynodCtl.members(c)) {
      if (member != null && !member.equals(m.path("name").asText())) {
        continue;
      }
      if (SynodCtl.isWitness(m)) {
        // a witness runs no PostgreSQL: its host is its REST API's, there is nothing to query
        if (member != null) {
          tried.add(member + " is a witness (a Raft voter without a database)");
        }
        continue;
      }
      if (member == null && !SynodCtl.hasRole(m, want) || !m.has("host")) {
        continue;
      }
      Properties p = new Properties();
      p.setProperty("user", user);
      if (pw != null) {
        p.setProperty("password", pw);
      }
      p.setProperty("connectTimeout", "5");
      p.setProperty("ApplicationName", "synodctl");
      for (String k : List.of("sslmode", "sslrootcert", "sslcert", "sslkey")) {
        String v = env.get("PG" + k.toUpperCase(Locale.ROOT));
        if (v != null) {
          p.setProperty(k, v);
        }
      }
      String host = m.path("host").asText();
      String url =
          "jdbc:postgresql://"
              + (host.contains(":") ? "[" + host + "]" : host)
              + ":"
              + m.path("port").asInt(5432)
              + "/"
              + db;
      try (Connection conn = DriverManager.getConnection(url, p)) {
        if (!serverAgrees(conn, want)) {
          tried.add(m.path("name").asText() + " is not a " + want + " by pg_is_in_recovery()");
          continue;
        }
        return execute(conn, sql);
      } catch (SQLException e) {
        return error(e);
      }
    }
    String what =
        member != null
            ? "No connection to member " + member + " is available"
            : role != null
                ? "No connection to role '" + role + "' is available"
                : "No connection is available";
    List<List<Object>> row = new ArrayList<>();
    row.add(
        List.of(
            SynodCtl.timestamp(),
            what + (tried.isEmpty() ? "" : " (" + String.join("; ", tried) + ")")));
    return new Output(null, row, true);
  }

  /** For replica/standby/primary, PostgreSQL itself must say so (the store may be behind). */
  private static boolean serverAgrees(Connection conn, String role) throws SQLException {
    if (Set.of("leader", "any").contains(role)) {
      return true;
    }
    try (Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery("SELECT pg_catalog.pg_is_in_recovery()")) {
      boolean inRecovery = !rs.next() || rs.getBoolean(1);
      return inRecovery
          ? Set.of("replica", "standby", "standby-leader").contains(role)
          : Set.of("primary", "master").contains(role);
    }
  }

  private Output execute(Connection conn, String sql) {
    try (Statement st = conn.createStatement()) {
      boolean isResult = st.execute(sql);
      Output last = new Output(null, List.of(), false);
      while (true) {
        if (isResult) {
          try (ResultSet rs = st.getResultSet()) {
            last = rows(rs);
          }
        } else if (st.getUpdateCount() == -1) {
          break;
        }
        isResult = st.getMoreResults();
      }
      return last;
    } catch (SQLException e) {
      return error(e);
    }
  }

  private Output rows(ResultSet rs) throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    List<String> cols = new ArrayList<>();
    for (int i = 1; i <= md.getColumnCount(); i++) {
      cols.add(md.getColumnLabel(i));
    }
    boolean text = fmt.equals("tsv") || fmt.equals("pretty");
    List<List<Object>> rows = new ArrayList<>();
    while (rs.next()) {
      List<Object> r = new ArrayList<>();
      for (int i = 1; i <= cols.size(); i++) {
        Object v = rs.getObject(i);
        r.add(text ? python(v) : json(v));
      }
      rows.add(r);
    }
    return new Output(cols, rows, false);
  }

  /** As patronictl prints a value: None, True/False, the text otherwise. */
  private static Object python(Object v) {
    if (v == null) {
      return "None";
    }
    if (v instanceof Boolean b) {
      return b ? "True" : "False";
    }
    return v.toString();
  }

  private static Object json(Object v) {
    if (v == null || v instanceof Boolean || v instanceof Number) {
      return v;
    }
    return v.toString();
  }

  private static Output error(SQLException e) {
    String state = e.getSQLState();
    String msg = state != null ? state : String.valueOf(e.getMessage()).replace('\n', ' ');
    List<List<Object>> row = new ArrayList<>();
    row.add(List.of(SynodCtl.timestamp(), "ERROR, SQLSTATE: " + msg));
    return new Output(null, row, true);
  }

  private static String first(String... vs) {
    for (String v : vs) {
      if (v != null && !v.isEmpty()) {
        return v;
      }
    }
    return null;
  }
}

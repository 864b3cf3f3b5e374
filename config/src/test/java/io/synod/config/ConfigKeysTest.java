package io.synod.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.synod.config.ConfigKeys.Key;
import io.synod.config.ConfigKeys.Owner;
import io.synod.config.ConfigKeys.State;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The three-state rule, checked three ways: config/README.md's table is the registry ({@link
 * ConfigKeys}); every key the parser reads is in the registry with the state the parser gives it;
 * every {@code PATRONI_*} variable the loader knows sets a key of the registry.
 *
 * <p>To rewrite the README table from the registry: {@code mvn -pl config test
 * -Dtest=ConfigKeysTest -Dsynod.writeKeysTable=true}.
 */
class ConfigKeysTest {
  static final Path README = Path.of("README.md");
  static final String BEGIN = "<!-- keys:begin (generated from ConfigKeys; ConfigKeysTest) -->";
  static final String END = "<!-- keys:end -->";

  // ------------------------------------------------------------------------ README == registry

  @Test
  void readmeTableIsTheRegistry() throws IOException {
    String readme = Files.readString(README);
    int b = readme.indexOf(BEGIN);
    int e = readme.indexOf(END);
    String expected = table();
    if (Boolean.getBoolean("synod.writeKeysTable") && b >= 0 && e > b) {
      Files.writeString(
          README, readme.substring(0, b + BEGIN.length()) + "\n" + expected + readme.substring(e));
      return;
    }
    assertTrue(b >= 0 && e > b, "config/README.md has no " + BEGIN + " ... " + END + " section");
    List<String> actual = rows(readme.substring(b + BEGIN.length(), e));
    List<String> wanted = rows(expected);
    List<String> problems = new ArrayList<>();
    for (String r : wanted) {
      if (!actual.contains(r)) {
        problems.add("missing or different in README: " + r);
      }
    }
    for (String r : actual) {
      if (!wanted.contains(r)) {
        problems.add("in README but not in ConfigKeys: " + r);
      }
    }
    if (!problems.isEmpty()) {
      fail(String.join("\n", problems) + "\n(rewrite the table with -Dsynod.writeKeysTable=true)");
    }
    assertEquals(wanted, actual, "same rows, different order");
  }

  /** The table as config/README.md shows it. */
  static String table() {
    StringBuilder sb = new StringBuilder();
    sb.append("| key | `PATRONI_*` variable | state | what Synod does / why not |\n");
    sb.append("|---|---|---|---|\n");
    for (Key k : ConfigKeys.all()) {
      String key = k.path().startsWith("-") ? "—" : "`" + k.path() + "`";
      String env =
          k.env().isEmpty()
              ? ""
              : String.join(", ", k.env().stream().map(v -> "`" + v + "`").toList());
      sb.append("| ")
          .append(key)
          .append(" | ")
          .append(env)
          .append(" | ")
          .append(k.state().word())
          .append(" | ")
          .append(k.why().replace("|", "\\|"))
          .append(
              k.quiet().isEmpty()
                  ? ""
                  : (k.state() == State.REFUSED
                          ? "; accepted only when set to "
                          : "; no warning when set to ")
                      + String.join(" or ", k.quiet().stream().map(q -> "`" + q + "`").toList()))
          .append(" |\n");
    }
    return sb.toString();
  }

  private static List<String> rows(String text) {
    List<String> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      String t = line.strip();
      if (t.startsWith("|") && !t.startsWith("| key ") && !t.startsWith("|---")) {
        out.add(t.replaceAll("\\s+", " "));
      }
    }
    return out;
  }

  // --------------------------------------------------------------- parser == registry

  private static Map<String, Object> allKeys() throws IOException {
    try (InputStream in = ConfigKeysTest.class.getResourceAsStream("/all-keys.yml")) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      try {
        return Section.cast((Map<?, ?>) YamlText.parse(text, "all-keys.yml"));
      } catch (YamlText.SyntaxError e) {
        throw new AssertionError(e.getMessage());
      }
    }
  }

  private static Problems typeAllKeys() throws IOException {
    Problems p = new Problems("all-keys.yml");
    ConfigLoader.type(allKeys(), p, null);
    return p;
  }

  @Test
  void everyKeyTheParserReadsIsInOneStateAndTheParserAgrees() throws IOException {
    Problems p = typeAllKeys();
    List<String> problems = new ArrayList<>();
    for (Problems.Read r : p.reads()) {
      if (r.key() == null) {
        problems.add(r.keyPath() + ": read by the parser but in no state (add it to ConfigKeys)");
      } else if (r.kind() == Problems.ReadKind.ACCEPTED && r.key().state() == State.HONOURED) {
        problems.add(
            r.keyPath()
                + ": the parser accepts it without reading its value, but the table says honoured");
      } else if (r.kind() == Problems.ReadKind.VALUE
          && r.key().state() == State.WARNED
          && !r.key().validated()) {
        problems.add(
            r.keyPath()
                + ": the parser reads its value, but the table says warned (if nothing acts on it,"
                + " mark it validated; if something does, make it honoured)");
      }
    }
    assertEquals(List.of(), problems);
  }

  @Test
  void everyRowOfTheConfigModuleIsReadByItsParser() throws IOException {
    Problems p = typeAllKeys();
    Set<Key> read = new LinkedHashSet<>();
    for (Problems.Read r : p.reads()) {
      if (r.key() != null && r.present()) {
        read.add(r.key());
      }
    }
    List<String> unread = new ArrayList<>();
    for (Key k : ConfigKeys.all()) {
      if (k.owner() == Owner.CONFIG && !k.path().startsWith("-") && !read.contains(k)) {
        unread.add(k.path());
      }
    }
    assertEquals(
        List.of(),
        unread,
        "rows the parser never read from all-keys.yml: add them there, or the parser ignores them");
  }

  @Test
  void warnedKeysAreWarnedOnceAndRefusedKeysRefusedWithTheirReason() throws IOException {
    Problems p = typeAllKeys();
    Map<String, Problems.Read> present = new LinkedHashMap<>();
    for (Problems.Read r : p.reads()) {
      if (r.present() && r.key() != null) {
        present.putIfAbsent(r.keyPath(), r);
      }
    }
    List<String> problems = new ArrayList<>();
    for (Problems.Read r : present.values()) {
      String shown = r.keyPath();
      Key k = r.key();
      if (k.state() == State.WARNED) {
        String line = "all-keys.yml: " + k.warning(shown);
        long n = p.warnings().stream().filter(line::equals).count();
        if (n != 1) {
          problems.add(shown + ": expected the warning once, got " + n + ": " + line);
        }
      } else if (k.state() == State.REFUSED) {
        String line = "all-keys.yml: " + shown + ": " + k.refusal();
        if (!p.errors().contains(line)) {
          problems.add(shown + ": expected the error " + line + " in " + p.errors());
        }
      } else if (p.warnings().stream()
          .anyMatch(w -> w.contains("not used by Synod: " + shown + " "))) {
        problems.add(shown + ": honoured, but warned about as not used");
      }
    }
    assertEquals(List.of(), problems);
    // Nothing else is wrong in all-keys.yml: the only errors are the refusals, and the one pair
    // of keys that every file must not combine (all-keys.yml sets both so both are read).
    for (String e : p.errors()) {
      assertTrue(
          e.contains("refused by Synod")
              || e.contains("raft.password: set together with raft.certfile"),
          "unexpected error: " + e);
    }
  }

  @Test
  void warnedSwitchesSetToOffAreNotWarnedAbout() {
    SynodConfig c =
        TestYaml.load(
            TestYaml.MINIMAL.replace(
                "data_dir: /tmp/pg", "data_dir: /tmp/pg\n  use_unix_socket: false"));
    assertTrue(
        c.warnings().stream().noneMatch(w -> w.contains("not used by Synod")),
        c.warnings().toString());
    SynodConfig on =
        TestYaml.load(
            TestYaml.MINIMAL.replace(
                "data_dir: /tmp/pg", "data_dir: /tmp/pg\n  use_unix_socket: true"));
    assertEquals(
        List.of(
            "node1.yml: "
                + ConfigKeys.lookup("postgresql.use_unix_socket")
                    .warning("postgresql.use_unix_socket")),
        on.warnings());
  }

  @Test
  void aWarningFromTheDcsConfigKeyNamesTheKeyAsWritten() {
    DynamicConfig d = DynamicConfig.fromMap(Map.of("primary_race_backoff", 5), "dcs: config key");
    assertEquals(
        List.of(
            "dcs: config key: "
                + ConfigKeys.lookup("bootstrap.dcs.primary_race_backoff")
                    .warning("primary_race_backoff")),
        d.warnings());
  }

  // --------------------------------------------------------------- PATRONI_* == registry

  @Test
  void everyVariableOfTheTableSetsItsKey() {
    List<String> problems = new ArrayList<>();
    for (Key k : ConfigKeys.all()) {
      if (k.path().startsWith("-")) {
        continue;
      }
      for (String var : expand(k.env())) {
        Map<String, String> env = new HashMap<>();
        env.put(var, sampleValue(var));
        Problems p = new Problems("environment");
        EnvOverrides o = EnvOverrides.build(env, p);
        String path = null;
        for (Map.Entry<String, String> e : o.sources.entrySet()) {
          if (e.getValue().equals(var)) {
            path = e.getKey();
          }
        }
        if (path == null) {
          problems.add(
              var + ": listed for " + k.path() + " but sets nothing (" + p.warnings() + ")");
        } else if (ConfigKeys.lookupOrAncestor(path) != k) {
          problems.add(var + ": sets " + path + ", not " + k.path());
        }
      }
    }
    assertEquals(List.of(), problems);
  }

  @Test
  void everyVariableTheLoaderKnowsIsInTheTable() {
    Set<String> listed = new LinkedHashSet<>();
    for (Key k : ConfigKeys.all()) {
      listed.addAll(expand(k.env()));
    }
    List<String> known = new ArrayList<>();
    for (String g :
        List.of("NAME", "NAMESPACE", "SCOPE", "THREAD_POOL_SIZE", "THREAD_STACK_SIZE")) {
      known.add("PATRONI_" + g);
    }
    known.addAll(List.of("PATRONI_LOGLEVEL", "PATRONI_LOGFORMAT", "PATRONI_LOG_DATEFMT"));
    addSection(known, "RESTAPI", EnvOverrides.RESTAPI_PARAMS);
    addSection(known, "CTL", EnvOverrides.CTL_PARAMS);
    addSection(known, "POSTGRESQL", EnvOverrides.POSTGRESQL_PARAMS);
    addSection(known, "LOG", EnvOverrides.LOG_PARAMS);
    addSection(known, "RAFT", EnvOverrides.RAFT_PARAMS);
    for (String b : EnvOverrides.BINARIES) {
      known.add("PATRONI_POSTGRESQL_BIN_" + b.toUpperCase(Locale.ROOT));
    }
    for (String s : List.of("RESTAPI", "CTL")) {
      known.add("PATRONI_" + s + "_USERNAME");
      known.add("PATRONI_" + s + "_PASSWORD");
    }
    for (String u : ConfigKeys.USERS) {
      addSection(known, u.toUpperCase(Locale.ROOT), EnvOverrides.AUTH_PARAMS);
    }
    known.add("PATRONI_CONFIGURATION");
    List<String> missing = new ArrayList<>();
    for (String v : known) {
      if (!listed.contains(v)) {
        missing.add(v);
      }
    }
    assertEquals(List.of(), missing, "variables the loader reads but the table does not list");
  }

  private static void addSection(List<String> out, String section, List<String> params) {
    for (String p : params) {
      out.add("PATRONI_" + section + "_" + p.toUpperCase(Locale.ROOT));
    }
  }

  /** PATRONI_<USER>_X -> the three users; PATRONI_KUBERNETES_* -> one sample suffix. */
  private static List<String> expand(List<String> vars) {
    List<String> out = new ArrayList<>();
    for (String v : vars) {
      if (v.contains("<USER>")) {
        for (String u : ConfigKeys.USERS) {
          out.add(v.replace("<USER>", u.toUpperCase(Locale.ROOT)));
        }
      } else if (v.endsWith("_*")) {
        out.add(v.substring(0, v.length() - 1) + "HOSTS");
      } else if (v.startsWith("PATRONI_")) {
        out.add(v);
      }
    }
    return out;
  }

  private static String sampleValue(String var) {
    if (var.endsWith("_PORT") || var.endsWith("_GROUP")) {
      return "1";
    }
    if (var.endsWith("_LOGGERS")
        || var.endsWith("_STATIC_FIELDS")
        || var.endsWith("_EXTRA_HEADERS")
        || var.endsWith("_SET_ACLS")
        || var.endsWith("_AUTH_DATA")) {
      return "{a: b}";
    }
    if (var.endsWith("_USE_SSL")
        || var.endsWith("_VERIFY")
        || var.endsWith("_REGISTER_SERVICE")
        || var.endsWith("_USE_PROXIES")) {
      return "true";
    }
    return "127.0.0.1:1";
  }

  @Test
  void lookupPrefersExactRowsAndKnowsTheUsers() {
    assertEquals("postgresql.listen", ConfigKeys.lookup("postgresql.listen").path());
    assertEquals("postgresql.<method>", ConfigKeys.lookup("postgresql.pgbackrest").path());
    assertEquals(
        "postgresql.authentication.<user>.sslmode",
        ConfigKeys.lookup("postgresql.authentication.rewind.sslmode").path());
    assertEquals(null, ConfigKeys.lookup("postgresql.authentication.other.sslmode"));
    assertEquals("kubernetes", ConfigKeys.lookupOrAncestor("kubernetes.labels").path());
    assertFalse(ConfigKeys.all().isEmpty());
  }
}

package io.synod.engine;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * Synod's version, from the build (Maven filters {@code version.properties} with the project
 * version): what {@code synod --version}, {@code synodctl version}, /patroni's {@code
 * patroni.version} and the member key's {@code version} report.
 */
public final class SynodVersion {
  private static final String NUMBER = load();

  private SynodVersion() {}

  /**
   * The release, e.g. {@code 0.1.0}. A {@code -SNAPSHOT} build reports the release it leads to;
   * "unknown" when the classes were not built by Maven (an IDE without resource filtering).
   */
  public static String number() {
    return NUMBER;
  }

  /** {@code synod-<number>}: the version field of the member key and of /patroni. */
  public static String tagged() {
    return "synod-" + NUMBER;
  }

  private static String load() {
    Properties p = new Properties();
    try (InputStream in = SynodVersion.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      return "unknown";
    }
    String v = p.getProperty("version", "").trim();
    if (v.isEmpty() || v.startsWith("${")) {
      return "unknown";
    }
    return v.endsWith("-SNAPSHOT") ? v.substring(0, v.length() - "-SNAPSHOT".length()) : v;
  }
}

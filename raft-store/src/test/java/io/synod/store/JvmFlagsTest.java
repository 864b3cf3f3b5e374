package io.synod.store;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class JvmFlagsTest {

  /** The launchers cannot call Java for their defaults: they spell them out, and must agree. */
  @Test
  void theLaunchersRunANodeWithTheSameDefaults() throws Exception {
    String flags = String.join(" ", JvmFlags.NODE_DEFAULTS);
    for (String launcher : new String[] {"../bin/synod", "../packaging/bin/synod"}) {
      String text = Files.readString(Path.of(launcher));
      assertTrue(
          text.contains("${SYNOD_JAVA_OPTS:-" + flags + "}"),
          launcher + " does not default to " + flags);
      JvmFlags.NODE_ENV.forEach(
          (k, v) ->
              assertTrue(
                  text.contains("export " + k + "=\"${" + k + ":-" + v + "}\""),
                  launcher + " does not default " + k + " to " + v));
    }
  }
}

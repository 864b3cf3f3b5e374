package io.synod.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.engine.cli.SynodMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SynodVersionTest {
  @Test
  void theVersionComesFromTheBuild() {
    // Maven filtered version.properties; an unfiltered copy would read "unknown" or "${...}".
    assertTrue(SynodVersion.number().matches("\\d+\\.\\d+\\.\\d+"), SynodVersion.number());
    assertEquals("synod-" + SynodVersion.number(), SynodVersion.tagged());
  }

  @Test
  void synodVersionPrintsIt() {
    StringWriter out = new StringWriter();
    int rc = new CommandLine(new SynodMain()).setOut(new PrintWriter(out)).execute("--version");
    assertEquals(0, rc);
    assertEquals("synod " + SynodVersion.number(), out.toString().strip());
  }
}

package io.synod.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When a launcher passes the class archive to a node's JVM (the training run is DebPackageIT's).
 */
class ClassArchiveTest {
  @TempDir Path dir;

  @Test
  void anArchiveNewerThanItsJarAndMadeByThisJdkIsUsed() throws Exception {
    Path jar =
        jarWithArchive(Instant.parse("2026-12-01T00:00:00Z"), System.getProperty("java.home"));
    assertEquals(
        List.of("-XX:SharedArchiveFile=" + dir.resolve("synod.jar.jsa")),
        ClassArchive.flags(jar.toString()));
  }

  @Test
  void aJarRebuiltAfterItsArchiveGetsNone() throws Exception {
    Path jar =
        jarWithArchive(Instant.parse("2026-12-01T00:00:00Z"), System.getProperty("java.home"));
    Files.setLastModifiedTime(jar, FileTime.from(Instant.parse("2026-12-02T00:00:00Z")));
    assertEquals(List.of(), ClassArchive.flags(jar.toString()));
  }

  @Test
  void anArchiveOfAnotherJdkOrWithoutItsStampGetsNone() throws Exception {
    Path jar = jarWithArchive(Instant.parse("2026-12-01T00:00:00Z"), "/usr/lib/jvm/another-jdk");
    assertEquals(List.of(), ClassArchive.flags(jar.toString()));
    Files.delete(dir.resolve("synod.jar.jsa.java"));
    assertEquals(List.of(), ClassArchive.flags(jar.toString()));
  }

  @Test
  void aClassPathOfSeveralEntriesOrDirectoriesHasNoArchive() throws Exception {
    Path jar =
        jarWithArchive(Instant.parse("2026-12-01T00:00:00Z"), System.getProperty("java.home"));
    String two = jar + File.pathSeparator + dir.resolve("other.jar");
    assertEquals(List.of(), ClassArchive.flags(two));
    assertNull(ClassArchive.singleJar(two));
    assertNull(ClassArchive.singleJar(dir.resolve("classes").toString()));
    assertEquals(List.of(), ClassArchive.ensure(two, System.err), "nothing to make either");
  }

  private Path jarWithArchive(Instant jarTime, String stampedJdk) throws Exception {
    Path jar = Files.writeString(dir.resolve("synod.jar"), "jar");
    Path jsa = Files.writeString(dir.resolve("synod.jar.jsa"), "archive");
    Files.writeString(dir.resolve("synod.jar.jsa.java"), stampedJdk + "\n");
    Files.setLastModifiedTime(jar, FileTime.from(jarTime));
    Files.setLastModifiedTime(jsa, FileTime.from(jarTime.plusSeconds(10)));
    return jar;
  }
}

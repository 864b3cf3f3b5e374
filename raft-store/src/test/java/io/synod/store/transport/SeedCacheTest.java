package io.synod.store.transport;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The derived CA's seed kept in raft.data_dir: reused only for the same secret and scope. */
class SeedCacheTest {
  private static final char[] SECRET = "correct horse battery staple".toCharArray();

  @Test
  void aKeptSeedGivesTheSameCaAsTheDerivationAndIsPrivate(@TempDir Path dir) throws Exception {
    SecretAuthority derived = SecretAuthority.derive(SECRET, "main");
    SecretAuthority first = SecretAuthority.derive(SECRET, "main", dir);
    Path file = dir.resolve(SeedCache.FILE_NAME);
    assertTrue(Files.isRegularFile(file));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertTrue(SeedCache.read(file, SECRET, "main").isPresent());
    SecretAuthority second = SecretAuthority.derive(SECRET, "main", dir);
    assertEquals(derived.caCertificate().getPublicKey(), first.caCertificate().getPublicKey());
    assertEquals(derived.caCertificate().getPublicKey(), second.caCertificate().getPublicKey());
    // a certificate issued from the kept seed is trusted by a node that derived it
    second.issue("10.0.0.1:8300").cert().verify(derived.caCertificate().getPublicKey());
  }

  @Test
  void anotherSecretOrScopeIsNotServedFromTheFileAndReplacesIt(@TempDir Path dir) {
    Path file = dir.resolve(SeedCache.FILE_NAME);
    SecretAuthority.derive(SECRET, "main", dir);
    char[] other = "correct horse battery stapler".toCharArray();
    assertTrue(SeedCache.read(file, other, "main").isEmpty());
    assertTrue(SeedCache.read(file, SECRET, "other").isEmpty());

    SecretAuthority rotated = SecretAuthority.derive(other, "main", dir);
    assertEquals(
        SecretAuthority.derive(other, "main").caCertificate().getPublicKey(),
        rotated.caCertificate().getPublicKey(),
        "a changed raft.password derives the new CA, not the kept one");
    assertTrue(SeedCache.read(file, other, "main").isPresent());
    assertTrue(SeedCache.read(file, SECRET, "main").isEmpty());
  }

  @Test
  void aDamagedFileIsDerivedAgainAndRewritten(@TempDir Path dir) throws Exception {
    Path file = dir.resolve(SeedCache.FILE_NAME);
    SecretAuthority good = SecretAuthority.derive(SECRET, "main");
    for (String junk :
        new String[] {
          "", "version=1\nscope=bWFpbg==\n", "version=1\nscope=***\ncheck=x\nseed=y\n"
        }) {
      Files.writeString(file, junk, StandardCharsets.US_ASCII);
      assertTrue(SeedCache.read(file, SECRET, "main").isEmpty(), junk);
      assertEquals(
          good.caCertificate().getPublicKey(),
          SecretAuthority.derive(SECRET, "main", dir).caCertificate().getPublicKey());
      assertTrue(SeedCache.read(file, SECRET, "main").isPresent(), "rewritten after: " + junk);
    }
    // a seed altered in place fails the check (it is part of the check's salt)
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    String seed = text.substring(text.indexOf("seed=") + 5).strip();
    char flipped = seed.charAt(0) == 'A' ? 'B' : 'A';
    Files.writeString(file, text.replace("seed=" + seed, "seed=" + flipped + seed.substring(1)));
    assertTrue(SeedCache.read(file, SECRET, "main").isEmpty());
  }

  @Test
  void aDirectoryThatCannotHoldTheFileOnlyCostsTheDerivation(@TempDir Path dir) throws Exception {
    Path notADir = dir.resolve("file");
    Files.writeString(notADir, "x");
    assertFalse(
        SeedCache.write(notADir.resolve(SeedCache.FILE_NAME), SECRET, "main", new byte[48]));
    assertEquals(
        SecretAuthority.derive(SECRET, "main").caCertificate().getPublicKey(),
        SecretAuthority.derive(SECRET, "main", notADir).caCertificate().getPublicKey());
  }
}

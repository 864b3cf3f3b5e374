package io.synod.store.transport;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The derived CA's seed, kept in {@code raft.data_dir} so that a restart does not pay the
 * derivation again. With the JIT flags a node runs with (C1 only, {@code JvmFlags}), the 600,000
 * PBKDF2 rounds take about 3 s of a core, and a node killed and restarted cannot rejoin before they
 * are done.
 *
 * <p>The file grants what the secret grants on the Raft port (it holds the CA's private key
 * material), so it is created 0600 in the 0700 data directory, next to the Raft log and its cluster
 * state, which are kept the same way. It also holds a check value, a PBKDF2 of the secret with
 * {@value #CHECK_ITERATIONS} rounds salted with the seed, so a changed {@code raft.password} (or
 * scope) is noticed and the seed derived afresh. That check lets someone who has read the file test
 * guesses of the secret faster than the CA's certificate does; they hold the CA key already, and
 * the secret is meant to be random (SecretAuthority). A file that does not parse is replaced.
 */
final class SeedCache {
  static final String FILE_NAME = "raft-ca.seed";
  static final int CHECK_ITERATIONS = 10_000;
  private static final Logger LOG = LoggerFactory.getLogger("io.synod.store.transport");
  private static final String VERSION = "1";

  private SeedCache() {}

  /** The cached seed if {@code file} holds one for this secret and scope. */
  static Optional<byte[]> read(Path file, char[] secret, String scope) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      LOG.warn("raft: cannot read {} ({}): deriving the cluster CA from raft.password", file, e);
      return Optional.empty();
    }
    try {
      Properties p = new Properties();
      p.load(new StringReader(text));
      if (!VERSION.equals(p.getProperty("version"))) {
        throw new IllegalArgumentException("version " + p.getProperty("version"));
      }
      Base64.Decoder b64 = Base64.getDecoder();
      String cachedScope = new String(b64.decode(required(p, "scope")), StandardCharsets.UTF_8);
      byte[] seed = b64.decode(required(p, "seed"));
      byte[] check = b64.decode(required(p, "check"));
      if (!cachedScope.equals(scope) || !MessageDigest.isEqual(check, check(secret, scope, seed))) {
        LOG.info(
            "raft: {} was derived from another raft.password or scope: deriving it again", file);
        return Optional.empty();
      }
      return Optional.of(seed);
    } catch (IOException | IllegalArgumentException e) {
      LOG.warn("raft: {} is not a seed file Synod wrote ({}): deriving it again", file, e);
      return Optional.empty();
    }
  }

  /** Writes the seed atomically (a 0600 temp file, then a rename); returns false if it cannot. */
  static boolean write(Path file, char[] secret, String scope, byte[] seed) {
    Base64.Encoder b64 = Base64.getEncoder();
    String text =
        "# Synod: the Raft cluster CA's seed, derived from raft.password (0600: it is as secret).\n"
            + "# Deleting it is safe: the next start derives it again.\n"
            + "version="
            + VERSION
            + "\nscope="
            + b64.encodeToString(scope.getBytes(StandardCharsets.UTF_8))
            + "\ncheck="
            + b64.encodeToString(check(secret, scope, seed))
            + "\nseed="
            + b64.encodeToString(seed)
            + "\n";
    Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.deleteIfExists(tmp);
      createPrivate(tmp);
      Files.writeString(tmp, text, StandardCharsets.US_ASCII);
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      return true;
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "raft: cannot keep the derived CA seed in {} ({}): every start derives it again",
          file,
          e);
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // nothing more to do: the next start tries again
      }
      return false;
    }
  }

  private static void createPrivate(Path f) throws IOException {
    try {
      Files.createFile(
          f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(f); // not a POSIX file system
    } catch (FileAlreadyExistsException e) {
      throw new IOException(f + " appeared meanwhile", e);
    }
  }

  private static String required(Properties p, String key) {
    String v = p.getProperty(key);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException("no " + key);
    }
    return v.strip();
  }

  private static byte[] check(char[] secret, String scope, byte[] seed) {
    byte[] prefix = ("synod raft CA seed check\0" + scope + "\0").getBytes(StandardCharsets.UTF_8);
    byte[] salt = Arrays.copyOf(prefix, prefix.length + seed.length);
    System.arraycopy(seed, 0, salt, prefix.length, seed.length);
    try {
      return SecretAuthority.pbkdf2(secret, salt, CHECK_ITERATIONS, 256);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA256 unavailable: " + e, e);
    }
  }
}

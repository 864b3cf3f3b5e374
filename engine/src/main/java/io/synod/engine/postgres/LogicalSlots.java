package io.synod.engine.postgres;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Permanent logical slots, as Patroni keeps them. On the primary they are created in their database
 * (and Synod's own dropped once the configuration no longer names them). On a replica (PostgreSQL
 * before 16 cannot decode on a standby, so cannot create one) a slot is copied from the primary:
 * its {@code pg_replslot/<slot>/state} file is read over a superuser connection to the leader and
 * written here while this server is stopped; later loops move the copy with
 * pg_replication_slot_advance to the confirmed_flush_lsn the leader publishes. Slots Synod created
 * or copied are recorded in {@code synod.slots} beside the physical ones ({@link Slots}).
 */
final class LogicalSlots {
  private static final Logger log = LoggerFactory.getLogger(LogicalSlots.class);

  /** Opens a superuser connection to a database of a server. */
  @FunctionalInterface
  interface Connector {
    Connection open(String database) throws SQLException;
  }

  /** A slot's state file read from the primary, to be written on a replica. */
  record Copy(String name, long restartLsn, byte[] state) {}

  /**
   * A permanent logical slot a replica must copy from the primary: missing here ({@code
   * localRestartLsn} 0), or here but unable to advance (the WAL it needs is gone).
   */
  record Need(PermanentSlots.Slot slot, long localRestartLsn) {}

  /** Problems already logged, so a loop every few seconds does not repeat them. */
  private static final Set<String> warned = ConcurrentHashMap.newKeySet();

  private LogicalSlots() {}

  private static void warnOnce(String key, String msg, Object... args) {
    if (warned.add(key)) {
      log.warn(msg, args);
    }
  }

  static boolean matches(PermanentSlots.Slot want, Slots.Existing e) {
    return "logical".equals(e.type())
        && want.database().equals(e.database())
        && want.plugin().equals(e.plugin());
  }

  /** Primary: creates the missing permanent logical slots, drops Synod's unwanted ones. */
  static SlotChanges syncOnPrimary(
      Connection c, Connector local, Path dataDir, PermanentSlots permanent) throws SQLException {
    Map<String, Slots.Existing> existing = Slots.existing(c);
    Path recordFile = dataDir.resolve(Slots.RECORD_FILE);
    Set<String> managed = Slots.readRecord(recordFile);
    managed.retainAll(existing.keySet());
    List<String> created = new ArrayList<>();
    List<String> dropped = new ArrayList<>();
    List<PermanentSlots.Slot> logical = permanent.logical();
    String walLevel = logical.isEmpty() ? "logical" : queryString(c, "SHOW wal_level");
    for (PermanentSlots.Slot want : logical) {
      Slots.Existing e = existing.get(want.name());
      if (e != null && matches(want, e)) {
        continue;
      }
      if (e != null) {
        if (!managed.contains(want.name()) || e.active()) {
          warnOnce(
              "mismatch " + want.name(),
              "permanent slot {} exists as {} {} {}, not logical {} {}; it is not Synod's (or in"
                  + " use): leaving it alone",
              want.name(),
              e.type(),
              e.database(),
              e.plugin(),
              want.database(),
              want.plugin());
          continue;
        }
        drop(c, want.name());
        dropped.add(want.name());
        managed.remove(want.name());
      }
      if (!"logical".equals(walLevel)) {
        warnOnce(
            "wal_level " + want.name(),
            "permanent logical slot {} not created: the server runs with wal_level {} (it takes"
                + " postgresql.parameters.wal_level: logical and a restart)",
            want.name(),
            walLevel);
        continue;
      }
      try (Connection db = local.open(want.database());
          PreparedStatement ps =
              db.prepareStatement("SELECT pg_create_logical_replication_slot(?, ?)")) {
        ps.setString(1, want.name());
        ps.setString(2, want.plugin());
        ps.execute();
        created.add(want.name());
        managed.add(want.name());
        warned.removeIf(k -> k.endsWith(" " + want.name()));
        log.info(
            "created permanent logical slot {} (database {}, plugin {})",
            want.name(),
            want.database(),
            want.plugin());
      } catch (SQLException ex) {
        // a missing database or plugin: say so once, keep the other slots going
        warnOnce(
            "create " + want.name(),
            "cannot create permanent logical slot {} in database {} with plugin {}: {}",
            want.name(),
            want.database(),
            want.plugin(),
            ex.getMessage());
      }
    }
    dropUnwanted(c, existing, managed, permanent, dropped);
    Slots.writeRecord(recordFile, managed);
    return new SlotChanges(created, dropped);
  }

  /** Synod's logical slots the configuration no longer names (and no ignore_slots entry covers). */
  private static void dropUnwanted(
      Connection c,
      Map<String, Slots.Existing> existing,
      Set<String> managed,
      PermanentSlots permanent,
      List<String> dropped)
      throws SQLException {
    Set<String> wanted = new java.util.HashSet<>();
    permanent.logical().forEach(s -> wanted.add(s.name()));
    for (String name : new java.util.TreeSet<>(managed)) {
      Slots.Existing e = existing.get(name);
      if (e == null
          || !"logical".equals(e.type())
          || wanted.contains(name)
          || e.active()
          || permanent.ignored(name, e.type(), e.database(), e.plugin())) {
        continue;
      }
      if (drop(c, name)) {
        dropped.add(name);
        log.info("dropped logical slot {}: no longer a permanent slot", name);
      }
      managed.remove(name);
    }
  }

  /** Drops a slot; false when it is in use (kept for a later loop) or already gone. */
  private static boolean drop(Connection c, String name) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
      ps.setString(1, name);
      ps.execute();
      return true;
    } catch (SQLException ex) {
      if ("42704".equals(ex.getSQLState()) || "55006".equals(ex.getSQLState())) {
        return false;
      }
      throw ex;
    }
  }

  /**
   * Primary: the permanent slots' positions as the status key publishes them: a logical slot's
   * confirmed_flush_lsn, a physical slot's restart_lsn (Patroni's choice).
   */
  static Map<String, Long> positions(Connection c, PermanentSlots permanent) throws SQLException {
    Map<String, Long> out = new LinkedHashMap<>();
    if (permanent.wanted().isEmpty()) {
      return out;
    }
    Map<String, PermanentSlots.Slot> byName = new HashMap<>();
    permanent.wanted().forEach(s -> byName.put(s.name(), s));
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT slot_name, slot_type, database, plugin, restart_lsn, confirmed_flush_lsn"
                    + " FROM pg_replication_slots WHERE NOT temporary")) {
      while (rs.next()) {
        PermanentSlots.Slot want = byName.get(rs.getString(1));
        if (want == null || !want.type().equals(rs.getString(2))) {
          continue;
        }
        if (want.logical()
            && (!want.database().equals(rs.getString(3))
                || !want.plugin().equals(rs.getString(4)))) {
          continue;
        }
        String lsn = want.logical() ? rs.getString(6) : rs.getString(5);
        if (lsn != null) {
          out.put(want.name(), Lsn.parse(lsn));
        }
      }
    }
    return out;
  }

  /**
   * Replica: advances the copies this server has to the leader's published positions (capped at
   * what it replayed), drops Synod's copies the configuration no longer names, and returns the
   * slots that must be copied from the primary (missing here, or a copy too far behind to advance).
   *
   * @param published slot name to the position in the leader's status key
   */
  static List<Need> keepOnReplica(
      Connection c,
      Connector local,
      Path dataDir,
      PermanentSlots permanent,
      Map<String, Long> published)
      throws SQLException {
    Map<String, Slots.Existing> existing = Slots.existing(c);
    Path recordFile = dataDir.resolve(Slots.RECORD_FILE);
    Set<String> managed = Slots.readRecord(recordFile);
    managed.retainAll(existing.keySet());
    String replay = queryString(c, "SELECT pg_last_wal_replay_lsn()");
    long replayed = replay == null ? 0 : Lsn.parse(replay);
    Map<String, Long> confirmed = new HashMap<>();
    Map<String, Long> restart = new HashMap<>();
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT slot_name, confirmed_flush_lsn, restart_lsn FROM pg_replication_slots"
                    + " WHERE slot_type = 'logical' AND confirmed_flush_lsn IS NOT NULL")) {
      while (rs.next()) {
        confirmed.put(rs.getString(1), Lsn.parse(rs.getString(2)));
        restart.put(rs.getString(1), rs.getString(3) == null ? 0 : Lsn.parse(rs.getString(3)));
      }
    }
    List<Need> toCopy = new ArrayList<>();
    for (PermanentSlots.Slot want : permanent.logical()) {
      Long pos = published.get(want.name());
      if (pos == null || pos <= 0) {
        continue; // the leader has not published it yet: nothing to copy from
      }
      Slots.Existing e = existing.get(want.name());
      if (e == null) {
        toCopy.add(new Need(want, 0));
        continue;
      }
      if (!matches(want, e)) {
        if (managed.contains(want.name()) && !e.active() && drop(c, want.name())) {
          managed.remove(want.name());
          toCopy.add(new Need(want, 0));
        } else {
          warnOnce(
              "replica mismatch " + want.name(),
              "slot {} here is {} {} {}, not the permanent logical slot ({} {}): leaving it alone",
              want.name(),
              e.type(),
              e.database(),
              e.plugin(),
              want.database(),
              want.plugin());
        }
        continue;
      }
      long target = Math.min(pos, replayed);
      if (e.active() || target <= confirmed.getOrDefault(want.name(), Long.MAX_VALUE)) {
        continue;
      }
      try (Connection db = local.open(want.database());
          PreparedStatement ps =
              db.prepareStatement("SELECT pg_replication_slot_advance(?, ?::pg_lsn)")) {
        ps.setString(1, want.name());
        ps.setString(2, Lsn.format(target));
        ps.execute();
      } catch (SQLException ex) {
        // 58P01: the WAL it needs is not here; 55000: invalidated. A newer copy fixes both.
        if ("58P01".equals(ex.getSQLState()) || "55000".equals(ex.getSQLState())) {
          warnOnce(
              "advance " + want.name(),
              "logical slot {} cannot advance here ({}): it will be copied again once the"
                  + " primary's has moved on",
              want.name(),
              ex.getMessage());
          toCopy.add(new Need(want, restart.getOrDefault(want.name(), 0L)));
        } else {
          log.warn(
              "advancing logical slot {} to {} failed: {}",
              want.name(),
              Lsn.format(target),
              ex.getMessage());
        }
      }
    }
    dropUnwanted(c, existing, managed, permanent, new ArrayList<>());
    Slots.writeRecord(recordFile, managed);
    return toCopy;
  }

  /**
   * Reads the state files of {@code slots} from the primary, for those whose database and plugin
   * there are what the configuration says (a mismatch is logged and skipped).
   */
  static List<Copy> readFromPrimary(Connection leader, List<PermanentSlots.Slot> slots)
      throws SQLException {
    List<Copy> out = new ArrayList<>();
    try (PreparedStatement ps =
        leader.prepareStatement(
            "SELECT slot_name, database, plugin, restart_lsn,"
                + " pg_read_binary_file('pg_replslot/' || slot_name || '/state')"
                + " FROM pg_replication_slots"
                + " WHERE slot_type = 'logical' AND NOT temporary AND NOT pg_is_in_recovery()"
                + " AND slot_name = ANY(?)")) {
      ps.setArray(
          1, leader.createArrayOf("text", slots.stream().map(PermanentSlots.Slot::name).toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String name = rs.getString(1);
          PermanentSlots.Slot want =
              slots.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
          if (want.database().equals(rs.getString(2)) && want.plugin().equals(rs.getString(3))) {
            if (rs.getString(4) != null) {
              out.add(new Copy(name, Lsn.parse(rs.getString(4)), rs.getBytes(5)));
            }
          } else {
            warnOnce(
                "primary mismatch " + name,
                "not copying slot {}: on the primary it is {} {}, the configuration says {} {}",
                name,
                rs.getString(2),
                rs.getString(3),
                want.database(),
                want.plugin());
          }
        }
      }
    }
    return out;
  }

  /**
   * Writes the copies into {@code pg_replslot} of a stopped server, as PostgreSQL itself does: the
   * state file in a temporary directory, fsynced, renamed into place, directories fsynced. Records
   * them as Synod's.
   */
  static void install(Path dataDir, List<Copy> copies) {
    Path replslot = dataDir.resolve("pg_replslot");
    try {
      for (Copy copy : copies) {
        Path dir = replslot.resolve(copy.name());
        Path tmp = replslot.resolve(copy.name() + ".tmp");
        PgFiles.deleteRecursively(tmp);
        PgFiles.createPrivateDirectory(tmp);
        Path state = tmp.resolve("state");
        try (FileChannel ch =
            FileChannel.open(
                state,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")))) {
          java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(copy.state());
          while (b.hasRemaining()) {
            ch.write(b);
          }
          ch.force(true);
        }
        PgFiles.chownToPostgres(state);
        fsyncDirectory(tmp);
        PgFiles.deleteRecursively(dir);
        Files.move(tmp, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        fsyncDirectory(dir);
      }
      fsyncDirectory(replslot);
    } catch (IOException e) {
      throw new PgException("cannot write the copied slots into " + replslot + ": " + e, e);
    }
    Path recordFile = dataDir.resolve(Slots.RECORD_FILE);
    Set<String> managed = Slots.readRecord(recordFile);
    copies.forEach(c -> managed.add(c.name()));
    Slots.writeRecord(recordFile, managed);
  }

  /**
   * The copies worth a restart: the WAL from the slot's restart_lsn is in this server's pg_wal (a
   * replica cloned after the slot was made starts with later WAL, and its copy could never
   * advance), it is newer than the copy already here, and it is not one written before that
   * PostgreSQL did not load ({@code installed}: slot to the restart_lsn of the copy last written).
   * The others wait (logged once) until the primary's slot moves on as its consumer confirms
   * changes.
   */
  static List<Copy> usable(
      List<Copy> copies,
      List<Need> needs,
      Path pgWal,
      long segmentSize,
      Map<String, Long> installed) {
    List<Copy> out = new ArrayList<>();
    for (Copy copy : copies) {
      if (Long.valueOf(copy.restartLsn()).equals(installed.get(copy.name()))) {
        // the same copy was written before and PostgreSQL did not load it: restarting again for
        // it would restart this replica every loop
        warnOnce(
            "reload " + copy.name() + " " + copy.restartLsn(),
            "the copy of logical slot {} written here was not loaded by PostgreSQL (see its log);"
                + " not restarting again for the same copy",
            copy.name());
        continue;
      }
      long local =
          needs.stream()
              .filter(n -> n.slot().name().equals(copy.name()))
              .mapToLong(Need::localRestartLsn)
              .findFirst()
              .orElse(0);
      if (local > 0 && copy.restartLsn() <= local) {
        continue;
      }
      if (!hasSegment(pgWal, copy.restartLsn(), segmentSize)) {
        warnOnce(
            "wal " + copy.name() + " " + copy.restartLsn(),
            "not copying logical slot {} yet: this replica has no WAL from its restart_lsn {}"
                + " (it was cloned later); waiting for its consumer to move it on",
            copy.name(),
            Lsn.format(copy.restartLsn()));
        continue;
      }
      out.add(copy);
    }
    return out;
  }

  /** Whether pg_wal holds the segment with {@code lsn}, on any timeline. */
  static boolean hasSegment(Path pgWal, long lsn, long segmentSize) {
    String suffix = segmentSuffix(lsn, segmentSize);
    String[] names = pgWal.toFile().list();
    if (names == null) {
      return false;
    }
    for (String n : names) {
      if (n.length() == 24 && n.endsWith(suffix)) {
        return true;
      }
    }
    return false;
  }

  /** The last 16 hex digits of a WAL segment file name (after the timeline's 8). */
  static String segmentSuffix(long lsn, long segmentSize) {
    long segment = Long.divideUnsigned(lsn, segmentSize);
    long perId = 0x100000000L / segmentSize;
    return String.format("%08X%08X", segment / perId, segment % perId);
  }

  private static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  private static String queryString(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }
}

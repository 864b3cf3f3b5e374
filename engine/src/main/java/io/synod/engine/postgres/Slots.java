package io.synod.engine.postgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Physical replication slots on the primary, one per member, named as Patroni names them, and the
 * permanent physical slots of the configuration (logical ones are {@link LogicalSlots}). Synod
 * remembers the slots it created in {@code <dataDir>/synod.slots} and only ever drops those, so
 * slots made by people or other tools are left alone. A copy of that file arriving through
 * pg_basebackup/pg_rewind is harmless: entries for slots that do not exist on this server are
 * pruned on the next sync.
 */
final class Slots {
  private static final Logger log = LoggerFactory.getLogger(Slots.class);
  static final String RECORD_FILE = "synod.slots";

  private Slots() {}

  /**
   * Patroni's slot_name_from_member_name: lower-case, '-' and '.' become '_', any other character
   * outside [a-z0-9_] becomes u + its code as 4 digits, truncated to 63 characters. Idempotent, so
   * it also accepts names that already are slot names.
   */
  static String slotNameFor(String member) {
    StringBuilder b = new StringBuilder();
    member
        .toLowerCase(Locale.ROOT)
        .codePoints()
        .forEach(
            c -> {
              if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
                b.append((char) c);
              } else if (c == '-' || c == '.') {
                b.append('_');
              } else {
                b.append(String.format("u%04d", c));
              }
            });
    return b.length() > 63 ? b.substring(0, 63) : b.toString();
  }

  record Existing(String type, boolean active, boolean temporary, String database, String plugin) {}

  /**
   * @param members member names (or slot names) that get a physical slot here
   * @param permanent permanent physical slots are kept too; a slot matching ignore_slots is never
   *     dropped
   */
  static SlotChanges sync(
      Connection c, Path dataDir, String selfMember, Set<String> members, PermanentSlots permanent)
      throws SQLException {
    String self = slotNameFor(selfMember);
    Set<String> wanted = new TreeSet<>();
    for (String m : members) {
      String slot = slotNameFor(m);
      if (!slot.equals(self) && !slot.isEmpty()) {
        wanted.add(slot);
      }
    }
    for (PermanentSlots.Slot p : permanent.physical()) {
      if (!p.name().equals(self)) {
        wanted.add(p.name());
      }
    }
    Map<String, Existing> existing = existing(c);
    Path recordFile = dataDir.resolve(RECORD_FILE);
    Set<String> managed = readRecord(recordFile);
    managed.retainAll(existing.keySet());

    List<String> created = new ArrayList<>();
    for (String slot : wanted) {
      Existing e = existing.get(slot);
      if (e == null) {
        try (PreparedStatement ps =
            c.prepareStatement("SELECT pg_create_physical_replication_slot(?, true)")) {
          ps.setString(1, slot);
          ps.execute();
          created.add(slot);
          managed.add(slot);
          log.info("created physical replication slot {}", slot);
        } catch (SQLException ex) {
          if (!"42710".equals(ex.getSQLState())) { // duplicate_object: someone beat us to it
            throw ex;
          }
        }
      } else if (!"physical".equals(e.type())) {
        log.warn("slot {} exists but is {}, not physical: leaving it alone", slot, e.type());
      }
    }
    List<String> dropped = new ArrayList<>();
    for (String slot : new TreeSet<>(managed)) {
      Existing e = existing.get(slot);
      if (wanted.contains(slot)
          || e == null
          || e.active()
          || !"physical".equals(e.type())
          || permanent.ignored(slot, e.type(), e.database(), e.plugin())) {
        continue;
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
        ps.setString(1, slot);
        ps.execute();
        dropped.add(slot);
        managed.remove(slot);
        log.info("dropped replication slot {}: no member or permanent slot needs it", slot);
      } catch (SQLException ex) {
        // 55006 object_in_use: a walsender attached meanwhile; 42704: already gone
        if ("42704".equals(ex.getSQLState())) {
          managed.remove(slot);
        } else if (!"55006".equals(ex.getSQLState())) {
          throw ex;
        }
      }
    }
    writeRecord(recordFile, managed);
    return new SlotChanges(created, dropped);
  }

  /**
   * On a standby: the same member slots as on the primary ({@link #sync}), each advanced to the
   * position the leader reports for it, capped at what this standby has replayed. After a promotion
   * the replicas find their slots in place and no WAL they still need has been recycled.
   *
   * @param positions member name to the flush position the leader published (0: unknown)
   */
  static void keepOnReplica(
      Connection c,
      Path dataDir,
      String selfMember,
      Map<String, Long> positions,
      PermanentSlots permanent)
      throws SQLException {
    sync(c, dataDir, selfMember, positions.keySet(), permanent);
    long replayed;
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT pg_last_wal_replay_lsn()")) {
      replayed = rs.next() && rs.getString(1) != null ? Lsn.parse(rs.getString(1)) : 0;
    }
    Map<String, Long> restart = new HashMap<>();
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT slot_name, restart_lsn FROM pg_replication_slots WHERE slot_type ="
                    + " 'physical' AND NOT active")) {
      while (rs.next()) {
        restart.put(rs.getString(1), rs.getString(2) == null ? 0 : Lsn.parse(rs.getString(2)));
      }
    }
    for (Map.Entry<String, Long> e : positions.entrySet()) {
      String slot = slotNameFor(e.getKey());
      Long current = restart.get(slot);
      long target = Math.min(e.getValue(), replayed);
      if (current == null || e.getValue() <= 0 || target <= current) {
        continue;
      }
      try (PreparedStatement ps =
          c.prepareStatement("SELECT pg_replication_slot_advance(?, ?::pg_lsn)")) {
        ps.setString(1, slot);
        ps.setString(2, Lsn.format(target));
        ps.execute();
      } catch (SQLException ex) {
        log.debug("advancing slot {} to {} failed: {}", slot, Lsn.format(target), ex.getMessage());
      }
    }
  }

  /** Every slot on the server, temporary ones included, by name. */
  static Map<String, Existing> existing(Connection c) throws SQLException {
    Map<String, Existing> existing = new HashMap<>();
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT slot_name, slot_type, active, temporary, database, plugin"
                    + " FROM pg_replication_slots")) {
      while (rs.next()) {
        existing.put(
            rs.getString(1),
            new Existing(
                rs.getString(2),
                rs.getBoolean(3),
                rs.getBoolean(4),
                rs.getString(5),
                rs.getString(6)));
      }
    }
    return existing;
  }

  static Set<String> readRecord(Path f) {
    Set<String> s = new TreeSet<>();
    try {
      if (Files.exists(f)) {
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
          if (!line.isBlank() && !line.startsWith("#")) {
            s.add(line.trim());
          }
        }
      }
    } catch (IOException e) {
      log.warn("cannot read {}: {}", f, e.toString());
    }
    return s;
  }

  static void writeRecord(Path f, Set<String> managed) {
    StringBuilder b =
        new StringBuilder("# replication slots created by Synod (it drops only these)\n");
    managed.forEach(s -> b.append(s).append('\n'));
    PgFiles.writeOwnedIfChanged(f, b.toString());
  }
}

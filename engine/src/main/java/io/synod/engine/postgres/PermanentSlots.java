package io.synod.engine.postgres;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The dynamic configuration's {@code slots} (permanent slots) and {@code ignore_slots}, as the HA
 * loop hands them to {@link PgControl}. Pure: no I/O.
 *
 * @param wanted the permanent slots, physical and logical, in configuration order
 * @param ignore the ignore_slots entries, each a map of some of name, type, database, plugin
 */
public record PermanentSlots(List<Slot> wanted, List<Map<?, ?>> ignore) {
  public static final PermanentSlots NONE = new PermanentSlots(List.of(), List.of());

  /** One permanent slot; database and plugin are null for a physical slot. */
  public record Slot(String name, boolean logical, String database, String plugin) {
    public Slot {
      Objects.requireNonNull(name, "name");
    }

    String type() {
      return logical ? "logical" : "physical";
    }
  }

  public PermanentSlots {
    wanted = List.copyOf(wanted);
    ignore = List.copyOf(ignore);
  }

  /**
   * From the validated values of DynamicConfig's slots() and ignoreSlots(): a slot with no value or
   * no type is physical (Patroni's default). Slots matching ignore_slots are left out: Synod never
   * creates, drops or advances them.
   */
  public static PermanentSlots of(Map<String, Object> slots, List<Object> ignoreSlots) {
    List<Map<?, ?>> ignore = new ArrayList<>();
    for (Object o : ignoreSlots) {
      if (o instanceof Map<?, ?> m) {
        ignore.add(m);
      }
    }
    List<Slot> wanted = new ArrayList<>();
    slots.forEach(
        (name, v) -> {
          Map<?, ?> m = v instanceof Map<?, ?> x ? x : Map.of();
          boolean logical = "logical".equals(m.get("type"));
          Slot s =
              logical
                  ? new Slot(name, true, str(m.get("database")), str(m.get("plugin")))
                  : new Slot(name, false, null, null);
          if (!ignored(ignore, s.name(), s.type(), s.database(), s.plugin())) {
            wanted.add(s);
          }
        });
    return new PermanentSlots(wanted, ignore);
  }

  private static String str(Object o) {
    return o == null ? null : String.valueOf(o);
  }

  public List<Slot> physical() {
    return wanted.stream().filter(s -> !s.logical()).toList();
  }

  public List<Slot> logical() {
    return wanted.stream().filter(Slot::logical).toList();
  }

  /** The same without the logical slots (for a standby leader, which cannot create them). */
  public PermanentSlots physicalOnly() {
    return new PermanentSlots(physical(), ignore);
  }

  /** Whether a slot of this name, type, database and plugin matches an ignore_slots entry. */
  public boolean ignored(String name, String type, String database, String plugin) {
    return ignored(ignore, name, type, database, plugin);
  }

  /**
   * Patroni's matching rule: an entry matches when every attribute it gives (name, type, database,
   * plugin) equals the slot's; attributes it leaves out match anything.
   */
  static boolean ignored(
      List<Map<?, ?>> ignore, String name, String type, String database, String plugin) {
    for (Map<?, ?> m : ignore) {
      if (same(m.get("name"), name)
          && same(m.get("type"), type)
          && same(m.get("database"), database)
          && same(m.get("plugin"), plugin)) {
        return true;
      }
    }
    return false;
  }

  private static boolean same(Object wanted, String actual) {
    return wanted == null
        || String.valueOf(wanted).isEmpty()
        || String.valueOf(wanted).equals(actual);
  }
}

package io.synod.engine.postgres;

import java.util.List;

/** What {@link Postgres#createOrUpdateSlots} did on this primary. */
public record SlotChanges(List<String> created, List<String> dropped) {
  public SlotChanges {
    created = List.copyOf(created);
    dropped = List.copyOf(dropped);
  }

  public boolean changed() {
    return !created.isEmpty() || !dropped.isEmpty();
  }
}

package io.synod.store.kv;

/** The condition a write is made under: Patroni's prevExist / prevValue / prevIndex. */
public record Expect(Kind kind, String value, long revision) {
  public enum Kind {
    ANY,
    ABSENT,
    PRESENT,
    VALUE,
    REVISION
  }

  public static final Expect ANY = new Expect(Kind.ANY, null, 0);
  public static final Expect ABSENT = new Expect(Kind.ABSENT, null, 0);
  public static final Expect PRESENT = new Expect(Kind.PRESENT, null, 0);

  public static Expect value(String v) {
    return new Expect(Kind.VALUE, v, 0);
  }

  /** Compare on modRevision; revision 0 means "the key must be absent" as in etcd. */
  public static Expect revision(long rev) {
    return rev == 0 ? ABSENT : new Expect(Kind.REVISION, null, rev);
  }

  boolean holds(KvEntry current) {
    return switch (kind) {
      case ANY -> true;
      case ABSENT -> current == null;
      case PRESENT -> current != null;
      case VALUE -> current != null && current.value().equals(value);
      case REVISION -> current != null && current.modRevision() == revision;
    };
  }
}

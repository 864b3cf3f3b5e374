package io.synod.store.kv;

/** The condition a write is made under: Patroni's prevExist / prevValue / prevIndex. */
public record Expect(Kind kind, String value, long revision, String owner) {
  public enum Kind {
    ANY,
    ABSENT,
    PRESENT,
    VALUE,
    REVISION,
    /** The value matches and the lease was written by {@code owner} (the leader lock's renewal). */
    OWNED_VALUE,
    /** The key is absent, or its lease was written by {@code owner} (a member key's refresh). */
    ABSENT_OR_OWNED
  }

  public static final Expect ANY = new Expect(Kind.ANY, null, 0, null);
  public static final Expect ABSENT = new Expect(Kind.ABSENT, null, 0, null);
  public static final Expect PRESENT = new Expect(Kind.PRESENT, null, 0, null);

  public static Expect value(String v) {
    return new Expect(Kind.VALUE, v, 0, null);
  }

  /**
   * The value is {@code v} and the entry's lease owner is {@code owner}. Two writers that put the
   * same value (two nodes misconfigured with one name) cannot renew each other's lease.
   */
  public static Expect ownedValue(String v, String owner) {
    return new Expect(Kind.OWNED_VALUE, v, 0, owner);
  }

  /** The key is absent or was last written by {@code owner}: nobody else's key is overwritten. */
  public static Expect absentOrOwned(String owner) {
    return new Expect(Kind.ABSENT_OR_OWNED, null, 0, owner);
  }

  /** Compare on modRevision; revision 0 means "the key must be absent" as in etcd. */
  public static Expect revision(long rev) {
    return rev == 0 ? ABSENT : new Expect(Kind.REVISION, null, rev, null);
  }

  boolean holds(KvEntry current) {
    return switch (kind) {
      case ANY -> true;
      case ABSENT -> current == null;
      case PRESENT -> current != null;
      case VALUE -> current != null && current.value().equals(value);
      case REVISION -> current != null && current.modRevision() == revision;
      case OWNED_VALUE ->
          current != null
              && current.value().equals(value)
              && java.util.Objects.equals(current.leaseOwner(), owner);
      case ABSENT_OR_OWNED ->
          current == null || java.util.Objects.equals(current.leaseOwner(), owner);
    };
  }
}

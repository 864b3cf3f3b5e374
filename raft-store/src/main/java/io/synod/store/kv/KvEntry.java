package io.synod.store.kv;

/**
 * One key as the state machine holds it. Revisions are Raft log indexes, so every replica assigns
 * the same numbers to the same change (what CAS-on-revision and watches compare).
 *
 * @param ttlMs 0 for a key without a lease; otherwise the lease's time to live
 * @param leaseOwner who wrote the lease (informational; expiry compares revisions, not owners)
 */
public record KvEntry(
    String key,
    String value,
    long createRevision,
    long modRevision,
    long ttlMs,
    String leaseOwner) {
  public boolean hasLease() {
    return ttlMs > 0;
  }
}

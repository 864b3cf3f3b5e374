package io.synod.store.cluster;

/** The leader lock: the member name holding it, and the revision a CAS can compare on. */
public record Leader(String name, long revision, long ttlMs) {}

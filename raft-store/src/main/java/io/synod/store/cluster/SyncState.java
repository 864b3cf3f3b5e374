package io.synod.store.cluster;

import java.util.List;

/** The sync key: which standbys the leader has made synchronous (synchronous_mode). */
public record SyncState(String leader, List<String> syncStandby, long revision) {}

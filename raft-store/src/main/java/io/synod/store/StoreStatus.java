package io.synod.store;

import java.util.List;

/** This peer's view of the Raft group, for the REST API, metrics and `synodctl members list`. */
public record StoreStatus(
    String self,
    String leader,
    boolean isLeader,
    long term,
    String state,
    long lastLogIndex,
    long committedIndex,
    long appliedIndex,
    List<String> peers,
    List<String> alivePeers) {}

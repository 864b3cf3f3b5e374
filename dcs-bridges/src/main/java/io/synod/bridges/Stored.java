package io.synod.bridges;

/**
 * A key as the target holds it.
 *
 * @param version what a compare-and-set compares: etcd mod_revision, ZooKeeper stat version, Consul
 *     ModifyIndex
 * @param ephemeral bound to a lease / session / ephemeral owner
 * @param mine bound to this bridge's own lease / session (so it lives exactly as long as this
 *     writer)
 */
public record Stored(String value, long version, boolean ephemeral, boolean mine) {}

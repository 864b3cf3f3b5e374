/**
 * What keeps an idle Raft peer cheap: jraft's timers on one sleeping thread and its thread pools
 * sized for a group of three to five peers instead of for the host's core count.
 */
package io.synod.store.lean;

/**
 * Synod's cluster store: a replicated key-value map on one SOFAJRaft group, with leases, CAS and
 * watches, holding Patroni's keys. Every Synod node is a voting peer.
 *
 * <h2>Why lease expiry is safe</h2>
 *
 * <p>The engine demotes PostgreSQL before anyone else can promote. That rests on three rules:
 *
 * <ol>
 *   <li><b>Only the Raft leader expires keys, by a command.</b> Replicas never drop a key on their
 *       own clocks. The leader tracks each leased key's deadline on its monotonic clock and, when
 *       it passes, proposes {@code EXPIRE(key, revision)}; the command deletes the key only if it
 *       still has that revision, so a renewal that races the expiry wins.
 *   <li><b>A new Raft leader grants every live lease a full TTL</b> from the moment it takes over
 *       ({@code onLeaderStart}); it cannot know when its predecessor last saw a renewal, and "now"
 *       is certainly later than that.
 *   <li><b>The holder counts from when it sent the renewal</b>, not from when it was answered:
 *       {@code deadline = sent + ttl * (1 - 2%)}. The leader starts its clock when it applies the
 *       write, which is later in real time.
 * </ol>
 *
 * <p><b>Keep-alives</b> (a renewal of an unchanged key: the leader lock every ttl/4, a member key
 * whose content did not change) are not logged, as in etcd. The Raft leader moves the deadline in
 * its memory to {@code arrival + ttl}, after a heartbeat round to a majority confirmed that it
 * still leads ({@code ReadOnlySafe}, not the lease read below, so no clock bound is needed for this
 * step) and after applying everything committed before the request, so it checks the key's current
 * value and owner. A deadline extended this way exists only on that leader, and rule 2 covers its
 * loss: any later leader was elected after a member of that majority acknowledged the heartbeat, so
 * after the request arrived, and it grants a full TTL from its election. A lease that already ran
 * out, or whose expiry is in flight, is never revived by a keep-alive; the holder then falls back
 * to the logged compare-and-set, and rule 1 decides between the two in the log.
 *
 * <p>So, in real time, with clock rates differing by at most ρ: the holder believes the lease gone
 * at most at {@code sent + ttl(1-m)(1+ρ)}, and no leader can expire it before {@code apply +
 * ttl(1-ρ) ≥ sent + ttl(1-ρ)}. With the margin m = 2% that holds for any ρ up to about 1% (real
 * oscillators: 0.01%; NTP slews 0.05%). A holder that cannot renew thus knows it lost the lock
 * strictly before another node can take it, and the engine demotes inside that gap. A holder paused
 * by GC or a VM stall beyond its deadline is the case this cannot cover; the engine re-checks its
 * deadline before every action that assumes leadership.
 *
 * <h2>Reads</h2>
 *
 * {@link io.synod.store.ReadMode#LINEARIZABLE} uses jraft's ReadIndex, lease-based: the Raft leader
 * answers from its leader lease (a majority acknowledged it within 90% of an election timeout, so
 * no other leader can exist yet under the drift bound above) and falls back to a heartbeat round to
 * a majority when the lease is not fresh; {@link io.synod.store.ReadMode#LOCAL} reads this
 * replica's applied state.
 *
 * <h2>Writes</h2>
 *
 * Any peer accepts writes: a follower forwards them to the leader over jraft's own RPC transport
 * (one extra processor, {@link io.synod.store.StoreRpc}). A write is retried only when it was
 * certainly not delivered; an in-flight write that times out is reported as TIMEOUT (outcome
 * unknown), never silently retried, so a CAS is never applied twice.
 */
package io.synod.store;

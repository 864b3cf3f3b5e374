package io.synod.engine.ha;

/**
 * Another member as its own REST API ({@code GET /patroni}) describes it during the leader race.
 * Unreachable peers are left out of the comparison, as in Patroni: the race cannot wait for them.
 */
public record PeerStatus(
    String name,
    boolean reachable,
    boolean running,
    boolean primary,
    long walPosition,
    boolean noFailover,
    int failoverPriority) {
  public static PeerStatus unreachable(String name) {
    return new PeerStatus(name, false, false, false, 0, true, 0);
  }
}

package io.synod.store.testing;

import io.synod.store.Outsider;
import io.synod.store.RaftStore;
import io.synod.store.ReadMode;
import io.synod.store.StoreException;
import io.synod.store.StoreOptions;
import io.synod.store.kv.Command;
import io.synod.store.kv.CommandResult;
import io.synod.store.kv.Expect;
import io.synod.store.kv.KvEntry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * One store peer in its own JVM, driven over stdin/stdout by {@link PeerProcess}, so tests can kill
 * -9 a real process. Answers start with "@@ " to stand apart from log lines.
 *
 * <p>Args: groupId dataDir self peer1,peer2,... electionTimeoutMs requestTimeoutMs
 */
public final class StorePeerMain {
  static final String ENV_BIND = "SYNOD_TEST_RAFT_BIND";

  public static void main(String[] args) throws Exception {
    StoreOptions o =
        new StoreOptions(
            args[0],
            Path.of(args[1]),
            args[2],
            Arrays.asList(args[3].split(",")),
            Integer.parseInt(args[4]),
            3600,
            Long.parseLong(args[5]),
            System.getenv(ENV_BIND),
            PeerTransport.fromEnv(args[0], args[2]));
    RaftStore store = new RaftStore(o).start();
    Runtime.getRuntime().addShutdownHook(new Thread(store::close));
    Outsider outsider = new Outsider(o);
    System.out.println("@@ STARTED");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    String line;
    while ((line = in.readLine()) != null) {
      String[] w = line.trim().split(" ");
      try {
        System.out.println("@@ " + handle(store, outsider, w));
      } catch (StoreException e) {
        System.out.println("@@ ERR " + e.kind() + " " + e.getMessage());
      } catch (RuntimeException e) {
        System.out.println("@@ ERR " + e);
      }
      if (w[0].equals("quit")) {
        break;
      }
    }
    store.close();
    System.exit(0);
  }

  private static String handle(RaftStore s, Outsider outsider, String[] w) throws Exception {
    if (w[0].startsWith("cli-") || w[0].equals("forward")) {
      return outsider.handle(w);
    }
    switch (w[0]) {
      case "put":
        { // put KEY VALUE TTLMS any|absent|value=X
          Expect e = expect(w.length > 4 ? w[4] : "any");
          long t0 = System.nanoTime();
          CommandResult r = s.write(Command.put(w[1], w[2], Long.parseLong(w[3]), "test", e));
          long ms = (System.nanoTime() - t0) / 1_000_000;
          return r.succeeded()
              ? "OK " + r.revision() + " " + ms
              : "FAIL " + (r.current() == null ? "-" : r.current().value());
        }
      case "get":
        { // get KEY local|linear
          Optional<KvEntry> e =
              s.get(
                  w[1],
                  w.length > 2 && w[2].equals("local") ? ReadMode.LOCAL : ReadMode.LINEARIZABLE);
          return e.map(x -> "VAL " + x.value() + " " + x.modRevision()).orElse("NONE");
        }
      case "keepalive": // keepalive KEY VALUE TTLMS (the owner is "test", as put writes it)
        return "KEPT " + s.keepAlive(w[1], w[2], "test", Long.parseLong(w[3]));
      case "index":
        return "INDEX " + s.lastLogIndex();
      case "leader":
        return "LEADER " + s.leader() + " " + s.isLeader() + " " + s.term();
      case "snapshot":
        s.snapshot();
        return "OK";
      case "snapshots":
        return "SNAPSHOTS " + s.snapshotLoads();
      case "peers":
        return "PEERS " + s.status().peers();
      case "add":
        s.addPeer(w[1]);
        return "OK";
      case "remove":
        s.removePeer(w[1]);
        return "OK";
      case "quit":
        return "BYE";
      default:
        return "ERR unknown command " + List.of(w);
    }
  }

  private static Expect expect(String s) {
    if (s.equals("absent")) {
      return Expect.ABSENT;
    }
    if (s.startsWith("value=")) {
      return Expect.value(s.substring(6));
    }
    return Expect.ANY;
  }
}

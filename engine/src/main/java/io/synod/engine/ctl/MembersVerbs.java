package io.synod.engine.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** Synod's own: the Raft group's voting members (online membership change through the REST API). */
@Command(
    name = "members",
    description = "The Raft group behind the store: list, add or remove voting peers.",
    subcommands = {
      MembersVerbs.ListPeers.class,
      MembersVerbs.AddPeer.class,
      MembersVerbs.RemovePeer.class
    })
final class MembersVerbs implements java.util.concurrent.Callable<Integer> {
  @ParentCommand SynodCtl top;

  @Override
  public Integer call() {
    new CommandLine(this).usage(top.err);
    return CtlException.USAGE;
  }

  /** Each member's GET /raft (null for those that do not answer). */
  static Map<String, JsonNode> raftViews(SynodCtl.Verb v, JsonNode c) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    for (JsonNode m : SynodCtl.members(c)) {
      String base = Api.baseOf(m);
      JsonNode view = null;
      try {
        Api.Reply r =
            base == null ? null : v.api().send(base, "GET", "/raft", null, Duration.ofSeconds(3));
        if (r != null && r.ok()) {
          view = r.json();
        }
      } catch (Api.Unreachable | CtlException e) {
        // shown as unreachable
      }
      out.put(m.path("name").asText(), view);
    }
    return out;
  }

  @Command(name = "list", description = "Raft role, term, commit and applied index of each peer.")
  static final class ListPeers extends SynodCtl.Verb {
    @Option(
        names = {"-f", "--format"},
        defaultValue = "pretty",
        description = "pretty, tsv, json or yaml")
    String fmt;

    @Override
    public Integer call() {
      Views.checkFormat(fmt);
      JsonNode c = api().cluster();
      Map<String, JsonNode> views = raftViews(this, c);
      Set<String> known = new LinkedHashSet<>();
      Set<String> configured = new LinkedHashSet<>();
      List<List<Object>> rows = new ArrayList<>();
      for (Map.Entry<String, JsonNode> e : views.entrySet()) {
        JsonNode r = e.getValue();
        if (r == null) {
          rows.add(new ArrayList<>(List.of(e.getKey(), "", "unreachable", "", "", "", "")));
          continue;
        }
        known.add(r.path("self").asText());
        r.path("peers").forEach(p -> configured.add(p.asText()));
        rows.add(
            new ArrayList<>(
                List.of(
                    e.getKey(),
                    r.path("self").asText(),
                    role(r.path("state").asText()),
                    r.path("term").asLong(),
                    r.path("committed_index").asLong(),
                    r.path("applied_index").asLong(),
                    r.path("last_log_index").asLong())));
      }
      for (String p : configured) {
        if (!known.contains(p)) {
          rows.add(new ArrayList<>(List.of("?", p, "no member key", "", "", "", "")));
        }
      }
      Table.print(
          out(),
          fmt,
          List.of(
              "Member",
              "Raft address",
              "Raft role",
              "Term",
              "Commit index",
              "Applied index",
              "Last log index"),
          rows,
          " Raft group: " + c.path("scope").asText() + " ",
          Set.of("Term", "Commit index", "Applied index", "Last log index"),
          0);
      return views.containsValue(null) ? CtlException.FAILED : 0;
    }
  }

  /** STATE_LEADER → leader. */
  static String role(String state) {
    String s = state.startsWith("STATE_") ? state.substring(6) : state;
    return s.toLowerCase(java.util.Locale.ROOT);
  }

  @Command(
      name = "add",
      description =
          "Add a voting peer online (start the new node with all peers in raft.partner_addrs).")
  static final class AddPeer extends SynodCtl.Verb {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(
        index = "1",
        paramLabel = "RAFT_ADDR",
        description = "host:port of the new peer's raft.self_addr")
    String addr;

    @Option(names = "--force", description = "do not ask for confirmation")
    boolean force;

    @Override
    public Integer call() {
      JsonNode c = api().cluster();
      if (!force) {
        console()
            .confirmOrAbort(
                "Add "
                    + name
                    + " ("
                    + addr
                    + ") as a voting member of the Raft group of "
                    + c.path("scope").asText()
                    + "?",
                "Aborted members add");
      }
      Api.Reply r =
          api()
              .sendToAny(
                  Actions.targets(this, c, null),
                  "POST",
                  "/raft/members",
                  Api.map("name", name, "raft_addr", addr),
                  Duration.ofSeconds(30));
      if (!r.ok()) {
        throw CtlException.failed(
            "adding Raft peer " + name + " (" + addr + ") failed: " + r.status() + " " + r.text());
      }
      out().println("Success: " + name + " (" + addr + ") is a voting member of the Raft group");
      return 0;
    }
  }

  @Command(
      name = "remove",
      description = "Remove a voting peer online, by member name or Raft address.")
  static final class RemovePeer extends SynodCtl.Verb {
    @Parameters(index = "0", paramLabel = "NAME|RAFT_ADDR")
    String who;

    @Option(names = "--force", description = "do not ask for confirmation")
    boolean force;

    @Override
    public Integer call() {
      JsonNode c = api().cluster();
      String addr = who;
      String name = null;
      if (SynodCtl.member(c, who) != null) {
        JsonNode view = raftViews(this, c).get(who);
        if (view == null) {
          throw CtlException.failed(
              who
                  + " does not answer GET /raft, so its Raft address is unknown: "
                  + "run synodctl members remove HOST:PORT with its raft.self_addr");
        }
        name = who;
        addr = view.path("self").asText();
      } else if (!who.contains(":")) {
        throw CtlException.failed(
            who
                + " is neither a member of cluster "
                + c.path("scope").asText()
                + " nor a Raft address (host:port)");
      }
      if (!force) {
        console()
            .confirmOrAbort(
                "Remove "
                    + (name == null ? addr : name + " (" + addr + ")")
                    + " from the Raft group? The remaining peers must still form a majority.",
                "Aborted members remove");
      }
      List<String> targets = new ArrayList<>(Actions.targets(this, c, null));
      if (name != null) {
        JsonNode m = SynodCtl.member(c, name);
        targets.remove(Api.baseOf(m));
        targets.add(Api.baseOf(m));
      }
      Api.Reply r =
          api()
              .sendToAny(
                  targets,
                  "DELETE",
                  "/raft/members",
                  Api.map("name", name, "raft_addr", addr),
                  Duration.ofSeconds(30));
      if (!r.ok()) {
        throw CtlException.failed(
            "removing Raft peer " + addr + " failed: " + r.status() + " " + r.text());
      }
      out()
          .println(
              "Success: "
                  + (name == null ? addr : name + " (" + addr + ")")
                  + " is no longer in the Raft group");
      return 0;
    }
  }
}

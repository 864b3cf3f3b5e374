package io.synod.bridges;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.synod.config.ConfigException;
import io.synod.config.DynamicConfig;
import io.synod.store.ReadMode;
import io.synod.store.StoreException;
import io.synod.store.cluster.Cluster;
import io.synod.store.cluster.ClusterStore;
import io.synod.store.cluster.FailoverRequest;
import io.synod.store.cluster.Keys;
import io.synod.store.kv.Expect;
import java.io.IOException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reverse path ({@code bridge.accept_requests: true}): a {@code failover} or {@code config} key
 * written in the external DCS by existing tooling (patronictl pointed at that DCS, scripts) is
 * validated as Patroni would and applied through Synod's store. The HA loop then acts on it as on a
 * request made through the REST API. A rejected request is logged and the mirror puts the store's
 * value back, so the target never disagrees with the store for longer than a loop.
 */
public final class RequestApplier {
  private static final Logger LOG = LoggerFactory.getLogger(RequestApplier.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String target;
  private final ClusterStore store;

  public RequestApplier(String target, ClusterStore store) {
    this.target = target;
    this.store = store;
  }

  /**
   * @return true when the request was valid and is now in the store
   */
  public boolean apply(String key, String value) {
    try {
      return switch (key) {
        case Keys.FAILOVER -> failover(value);
        case Keys.CONFIG -> config(value);
        default -> false;
      };
    } catch (Rejected r) {
      LOG.warn("bridge {}: rejected {} written in the target: {}", target, key, r.getMessage());
      return false;
    } catch (StoreException e) {
      LOG.warn(
          "bridge {}: could not apply {} written in the target: {}", target, key, e.getMessage());
      return false;
    }
  }

  private boolean failover(String value) throws Rejected {
    Map<String, Object> f = object(value);
    String leader = text(f, "leader");
    String member = text(f, "member");
    String at = text(f, "scheduled_at");
    if (leader == null && member == null) {
      throw new Rejected("needs \"leader\" (switchover) or \"member\" (failover)");
    }
    Cluster c = store.load(ReadMode.LINEARIZABLE);
    String current = c.leader() == null ? null : c.leader().name();
    if (leader != null && !leader.equals(current)) {
      throw new Rejected("\"leader\": " + leader + " is not the current leader (" + current + ")");
    }
    if (member != null) {
      if (!c.members().containsKey(member)) {
        throw new Rejected(
            "\"member\": " + member + " is not a member of the cluster " + c.members().keySet());
      }
      if (member.equals(current)) {
        throw new Rejected("\"member\": " + member + " is already the leader");
      }
      if (c.member(member).isWitness()) {
        throw new Rejected(
            "\"member\": " + member + " is a witness (a Raft voter without a database)");
      }
    }
    OffsetDateTime when = null;
    if (at != null) {
      try {
        when = OffsetDateTime.parse(at);
      } catch (DateTimeParseException e) {
        throw new Rejected(
            "\"scheduled_at\": " + at + " is not an ISO-8601 timestamp with a time zone");
      }
    }
    if (c.failover() != null
        && Objects.equals(c.failover().leader(), leader)
        && Objects.equals(c.failover().candidate(), member)
        && Objects.equals(c.failover().scheduledAt(), when)) {
      return true;
    }
    boolean ok =
        store.setFailover(
            new FailoverRequest(leader, member, when, 0),
            c.failover() == null ? Expect.ABSENT : Expect.revision(c.failover().revision()));
    if (!ok) {
      throw new Rejected("the failover key changed in the store meanwhile");
    }
    LOG.info(
        "bridge {}: applied a {} request from the target: leader={} member={} scheduled_at={}",
        target,
        leader == null ? "failover" : "switchover",
        leader,
        member,
        at);
    return true;
  }

  private boolean config(String value) throws Rejected {
    Map<String, Object> cfg = object(value);
    try {
      DynamicConfig.fromMap(cfg, target + ": config key");
    } catch (ConfigException e) {
      throw new Rejected(String.join("; ", e.problems()));
    }
    Cluster c = store.load(ReadMode.LINEARIZABLE);
    if (cfg.equals(c.config())) {
      return true;
    }
    if (!store.setConfig(cfg, Expect.revision(c.configRevision()))) {
      throw new Rejected("the config key changed in the store meanwhile");
    }
    LOG.info("bridge {}: applied a config edit from the target", target);
    return true;
  }

  private static Map<String, Object> object(String value) throws Rejected {
    try {
      Map<String, Object> m =
          JSON.readValue(value, new TypeReference<LinkedHashMap<String, Object>>() {});
      if (m == null) {
        throw new Rejected("not a JSON object");
      }
      return m;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new Rejected("not a JSON object: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new Rejected("not a JSON object: " + e.getMessage());
    }
  }

  private static String text(Map<String, Object> m, String k) throws Rejected {
    Object v = m.get(k);
    if (v == null || v instanceof String s && s.isBlank()) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw new Rejected("\"" + k + "\": expected a string, got " + v);
    }
    return s.trim();
  }

  private static final class Rejected extends Exception {
    Rejected(String message) {
      super(message);
    }
  }
}

package io.synod.store;

import com.alipay.sofa.jraft.Closure;
import com.alipay.sofa.jraft.Iterator;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.core.StateMachineAdapter;
import com.alipay.sofa.jraft.entity.LeaderChangeContext;
import com.alipay.sofa.jraft.error.RaftError;
import com.alipay.sofa.jraft.error.RaftException;
import com.alipay.sofa.jraft.storage.snapshot.SnapshotReader;
import com.alipay.sofa.jraft.storage.snapshot.SnapshotWriter;
import io.synod.store.kv.Command;
import io.synod.store.kv.CommandResult;
import io.synod.store.kv.KvState;
import io.synod.store.kv.LeaseTracker;
import io.synod.store.kv.WatchEvent;
import io.synod.store.kv.WatchHub;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** jraft's side of the store: feeds committed commands to {@link KvState} in log order. */
final class KvStateMachine extends StateMachineAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(KvStateMachine.class);
  static final String SNAPSHOT_FILE = "kv-state.json";

  final KvState state = new KvState();
  final LeaseTracker leases = new LeaseTracker();
  final WatchHub watches = new WatchHub();
  final AtomicLong term = new AtomicLong();
  final java.util.concurrent.atomic.AtomicInteger snapshotLoads =
      new java.util.concurrent.atomic.AtomicInteger();
  private volatile boolean leader;

  /** Set on the closure of a locally proposed task so the proposer sees what the command did. */
  static final class ApplyClosure implements Closure {
    final java.util.concurrent.CompletableFuture<CommandResult> future =
        new java.util.concurrent.CompletableFuture<>();
    volatile CommandResult result;

    @Override
    public void run(Status status) {
      if (status.isOk()) {
        future.complete(result);
      } else {
        future.completeExceptionally(new NotAppliedException(status));
      }
    }
  }

  /** A local proposal that Raft refused or dropped (not leader, stepped down, shutting down). */
  static final class NotAppliedException extends RuntimeException {
    final Status status;

    NotAppliedException(Status status) {
      super(status.toString());
      this.status = status;
    }
  }

  @Override
  public void onApply(Iterator iter) {
    List<WatchEvent> events = new ArrayList<>();
    while (iter.hasNext()) {
      long index = iter.getIndex();
      Closure done = iter.done();
      CommandResult result;
      try {
        Command cmd = Codec.decodeCommand(iter.getData());
        result = state.apply(cmd, index, events);
      } catch (RuntimeException | IOException e) {
        // A command this version cannot read must not stall the pipeline (jraft #1246); it is
        // skipped identically on every replica, so they stay in step.
        LOG.error("skipping unreadable command at index {}: {}", index, e.toString());
        state.skip(index);
        result = new CommandResult(false, null, index);
      }
      if (done instanceof ApplyClosure ac) {
        ac.result = result;
      }
      if (done != null) {
        done.run(Status.OK());
      }
      iter.next();
    }
    if (!events.isEmpty()) {
      long now = System.nanoTime();
      for (WatchEvent ev : events) {
        leases.onEvent(ev, now);
      }
      watches.publish(events);
    }
  }

  @Override
  public void onLeaderStart(long term) {
    this.term.set(term);
    leader = true;
    leases.becomeLeader(state.leased(), System.nanoTime());
    LOG.info(
        "raft: this node is the leader (term {}); {} leased keys get a full TTL from now",
        term,
        state.leased().size());
  }

  @Override
  public void onLeaderStop(Status status) {
    leader = false;
    leases.stepDown();
    LOG.info("raft: this node stopped leading: {}", status);
  }

  @Override
  public void onStartFollowing(LeaderChangeContext ctx) {
    term.set(ctx.getTerm());
    LOG.info("raft: following {} (term {})", ctx.getLeaderId(), ctx.getTerm());
  }

  boolean isLeader() {
    return leader;
  }

  @Override
  public void onSnapshotSave(SnapshotWriter writer, Closure done) {
    // Runs on the apply thread, so the image is consistent; the state is small (a few KB).
    try {
      Path file = Path.of(writer.getPath(), SNAPSHOT_FILE);
      Files.write(file, state.toSnapshot());
      if (writer.addFile(SNAPSHOT_FILE)) {
        done.run(Status.OK());
      } else {
        done.run(new Status(RaftError.EIO, "cannot add %s to snapshot", SNAPSHOT_FILE));
      }
    } catch (IOException | RuntimeException e) {
      done.run(new Status(RaftError.EIO, "cannot save snapshot: %s", e.toString()));
    }
  }

  @Override
  public boolean onSnapshotLoad(SnapshotReader reader) {
    if (leader) {
      LOG.warn("refusing to load a snapshot while leading");
      return false;
    }
    Path file = Path.of(reader.getPath(), SNAPSHOT_FILE);
    try {
      state.loadSnapshot(Files.readAllBytes(file));
    } catch (IOException | RuntimeException e) {
      // Returning false makes jraft fail loudly instead of running on a half-read state.
      LOG.error("snapshot {} is unreadable: {}", file, e.toString());
      return false;
    }
    watches.reset(state.appliedIndex());
    snapshotLoads.incrementAndGet();
    LOG.info("raft: loaded snapshot at index {} ({} keys)", state.appliedIndex(), state.size());
    return true;
  }

  @Override
  public void onError(RaftException e) {
    LOG.error("raft: state machine error: {}", e.getStatus(), e);
  }

  static ByteBuffer encode(Command c) {
    return ByteBuffer.wrap(Codec.encode(c));
  }
}

package io.synod.store.lean;

import com.alipay.sofa.jraft.storage.impl.RocksDBLogStorage;
import com.alipay.sofa.jraft.util.StorageOptionsFactory;
import org.rocksdb.ColumnFamilyOptions;

/**
 * Memtables sized for a Raft log that takes a few small entries a second. jraft's defaults (a 512
 * MB memtable budget, 128 MB per memtable, up to six of them) suit a store taking thousands of
 * writes a second; here a memtable would fill at about 9 MB an hour and be flushed only after days,
 * so a node's resident memory would creep up by that much for as long as it runs. With 4 MB
 * memtables RocksDB flushes every few minutes at rest and the log's memory stays bounded.
 */
public final class RocksDbMemory {
  static final long WRITE_BUFFER_BYTES = 4L << 20;
  private static boolean registered;

  private RocksDbMemory() {}

  /** Registers the options with jraft once per JVM, before the first log storage opens. */
  public static synchronized void apply() {
    if (registered) {
      return;
    }
    ColumnFamilyOptions o = StorageOptionsFactory.getDefaultRocksDBColumnFamilyOptions();
    o.setWriteBufferSize(WRITE_BUFFER_BYTES);
    o.setMaxWriteBufferNumber(2);
    o.setMinWriteBufferNumberToMerge(1);
    o.setTargetFileSizeBase(WRITE_BUFFER_BYTES);
    o.setMaxBytesForLevelBase(4 * WRITE_BUFFER_BYTES);
    try {
      StorageOptionsFactory.registerRocksDBColumnFamilyOptions(RocksDBLogStorage.class, o);
    } catch (RuntimeException alreadyThere) {
      // another component of this JVM registered its own first: keep theirs
      o.close();
    }
    registered = true;
  }
}

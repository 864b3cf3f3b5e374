package io.synod.bench;

import org.openjdk.jmh.annotations.Fork;

/**
 * The fork every JMH benchmark here runs in: one JVM with the flags jraft 1.4 needs on JDK 17+ (the
 * same as {@code io.synod.store.JvmFlags#REQUIRED}; an annotation needs them as constants). JMH
 * reads {@code @Fork} from the superclass, so the benchmarks declare only what differs.
 */
@Fork(
    value = 1,
    jvmArgsAppend = {
      "-Xmx256m",
      "--add-opens",
      "java.base/java.util=ALL-UNNAMED",
      "--add-opens",
      "java.base/java.lang=ALL-UNNAMED",
      "--add-opens",
      "java.base/java.lang.reflect=ALL-UNNAMED",
      "--add-opens",
      "java.base/java.util.concurrent=ALL-UNNAMED",
      "--add-opens",
      "java.base/java.nio=ALL-UNNAMED",
      "--add-opens",
      "java.base/sun.nio.ch=ALL-UNNAMED",
      "-Dcom.google.protobuf.use_unsafe_pre22_gencode=true",
      "-DSYNOD_LOG_LEVEL=WARN"
    })
public abstract class ForkedBenchmark {}

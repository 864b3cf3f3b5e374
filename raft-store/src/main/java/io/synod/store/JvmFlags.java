package io.synod.store;

import java.util.List;

/**
 * The JVM flags every Synod process needs for jraft 1.4 on JDK 17+ (bin/synod and the parent pom
 * pass the same).
 */
public final class JvmFlags {
  public static final List<String> REQUIRED =
      List.of(
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
          "-Dcom.google.protobuf.use_unsafe_pre22_gencode=true");

  private JvmFlags() {}
}

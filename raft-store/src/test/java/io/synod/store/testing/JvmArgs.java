package io.synod.store.testing;

import java.util.List;

/** The JVM flags every Synod process needs for jraft 1.4 on JDK 17+ (kept in step with the parent pom). */
public final class JvmArgs {
  public static final List<String> OPENS = List.of(
      "--add-opens", "java.base/java.util=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED",
      "--add-opens", "java.base/java.util.concurrent=ALL-UNNAMED",
      "--add-opens", "java.base/java.nio=ALL-UNNAMED",
      "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "-Dcom.google.protobuf.use_unsafe_pre22_gencode=true");

  private JvmArgs() {}
}

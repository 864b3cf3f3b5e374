package io.synod.bridges;

import java.util.List;

/**
 * A bridge section of the YAML is wrong; every problem names its field ({@code etcd3.hosts: ...}).
 */
public final class BridgeConfigException extends IllegalArgumentException {
  private final List<String> problems;

  public BridgeConfigException(List<String> problems) {
    super(String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}

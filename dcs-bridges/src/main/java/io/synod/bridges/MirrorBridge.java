package io.synod.bridges;

/**
 * A {@link Bridge} whose target operations a subclass implements; the {@link Mirror} drives them.
 */
public abstract class MirrorBridge implements Bridge, Target {
  private final String target;
  private final Mirror mirror;

  protected MirrorBridge(String target, MirrorSource source, MirrorOptions opts) {
    this.target = target;
    this.mirror = new Mirror(target, source, this, opts);
  }

  @Override
  public final String target() {
    return target;
  }

  @Override
  public final void start() {
    mirror.start();
  }

  @Override
  public final void stop() {
    mirror.stop();
  }

  @Override
  public final BridgeMetrics metrics() {
    return mirror.metrics();
  }
}

package io.synod.config;

/** {@code ctl}: how the command-line client talks to the REST API. */
public record CtlConfig(
    Credentials authentication,
    boolean insecure,
    String cacert,
    String certfile,
    String keyfile,
    String keyfilePassword) {

  public static CtlConfig defaults() {
    return new CtlConfig(null, false, null, null, null, null);
  }

  static CtlConfig from(Section s) {
    CtlConfig c =
        new CtlConfig(
            Credentials.from(s.section("authentication")),
            s.bool("insecure", false),
            s.string("cacert", null),
            s.string("certfile", null),
            s.string("keyfile", null),
            s.string("keyfile_password", null));
    s.finish();
    return c;
  }

  @Override
  public String toString() {
    return "CtlConfig[authentication="
        + authentication
        + ", insecure="
        + insecure
        + ", cacert="
        + cacert
        + ", certfile="
        + certfile
        + ", keyfile="
        + keyfile
        + "]";
  }
}

package io.synod.config;

/** Basic-auth user and password ({@code restapi.authentication}, {@code ctl.authentication}). */
public record Credentials(String username, String password) {

  /**
   * Both keys are required when the section is present, as in Patroni's schema; null when absent.
   */
  static Credentials from(Section s) {
    if (!s.present()) {
      return null;
    }
    String user = s.requiredString("username");
    String password = s.requiredString("password");
    s.finish();
    return new Credentials(user, password);
  }

  /** Never prints the password: configs end up in logs. */
  @Override
  public String toString() {
    return "Credentials[username="
        + username
        + ", password="
        + (password == null ? "null" : "***")
        + "]";
  }
}

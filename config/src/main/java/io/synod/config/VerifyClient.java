package io.synod.config;

import java.util.Locale;

/** {@code restapi.verify_client}: whether the REST API asks HTTPS clients for a certificate. */
public enum VerifyClient {
  NONE,
  OPTIONAL,
  REQUIRED;

  /** Patroni's spelling: none, optional, required. */
  public String patroniName() {
    return name().toLowerCase(Locale.ROOT);
  }
}

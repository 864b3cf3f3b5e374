package io.synod.store.transport;

import static org.junit.jupiter.api.Assertions.*;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;

/** The transport's pieces without a network: the derived CA, certificates, the refusal log. */
class TransportPiecesTest {
  @Test
  void theSameSecretAndScopeGiveTheSameCaAndNothingElseDoes() throws Exception {
    char[] secret = "correct horse battery staple".toCharArray();
    SecretAuthority a = SecretAuthority.derive(secret, "main");
    SecretAuthority b = SecretAuthority.derive(secret, "main");
    assertEquals(a.caCertificate().getPublicKey(), b.caCertificate().getPublicKey());
    assertNotEquals(
        a.caCertificate().getPublicKey(),
        SecretAuthority.derive(secret, "other").caCertificate().getPublicKey(),
        "another cluster (scope) gets another CA");
    assertNotEquals(
        a.caCertificate().getPublicKey(),
        SecretAuthority.derive("correct horse battery stapler".toCharArray(), "main")
            .caCertificate()
            .getPublicKey());

    // A node's certificate is signed by the CA every node derives, for a fresh key each start.
    SecretAuthority.Issued one = a.issue("10.0.0.1:8300");
    SecretAuthority.Issued two = a.issue("10.0.0.1:8300");
    X509Certificate cert = one.cert();
    cert.verify(b.caCertificate().getPublicKey());
    cert.checkValidity();
    assertNotEquals(cert.getPublicKey(), two.cert().getPublicKey());
    assertEquals(b.caCertificate().getSubjectX500Principal(), cert.getIssuerX500Principal());
    assertThrows(
        java.security.SignatureException.class,
        () ->
            cert.verify(
                SecretAuthority.derive("wrong".toCharArray(), "main")
                    .caCertificate()
                    .getPublicKey()));
  }

  @Test
  void aRefusedPeerIsLoggedOnceAMinuteNotOnEveryReconnect() {
    int before = logged();
    for (int i = 0; i < 50; i++) {
      EmbeddedChannel ch = new EmbeddedChannel(new HandshakeLog(true));
      ch.pipeline()
          .fireUserEventTriggered(
              new SslHandshakeCompletionEvent(new NotSslRecordException("plain text")));
      assertFalse(ch.isOpen(), "the connection is closed");
      ch.finishAndReleaseAll();
    }
    assertEquals(1, logged() - before, "one line for 50 refused connections from one host");
  }

  /** How many refusals HandshakeLog has let through to the log (its window starts), for tests. */
  private static int logged() {
    return HandshakeLog.loggedForTests();
  }

  @Test
  void onlyALoopbackAddressMayGoWithoutAuthentication() {
    assertFalse(
        io.synod.store.RaftStoreAccess.warnIfOpen("127.0.0.1", 8300, RaftTransport.plain()));
    assertTrue(io.synod.store.RaftStoreAccess.warnIfOpen("0.0.0.0", 8300, RaftTransport.plain()));
    assertFalse(
        io.synod.store.RaftStoreAccess.warnIfOpen(
            "0.0.0.0",
            8300,
            RaftTransport.sharedSecret("0123456789abcdef0123".toCharArray(), "t", "x:1")));
  }
}

package io.synod.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.synod.store.kv.Command;
import io.synod.store.kv.CommandResult;
import java.io.IOException;
import java.nio.ByteBuffer;

/** JSON for log entries and RPC payloads: readable in a debugger, tolerant of added fields. */
final class Codec {
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .configure(
              com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES,
              false);

  private Codec() {}

  static byte[] encode(Object o) {
    try {
      return JSON.writeValueAsBytes(o);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static Command decodeCommand(ByteBuffer buf) throws IOException {
    byte[] b = new byte[buf.remaining()];
    buf.duplicate().get(b);
    return JSON.readValue(b, Command.class);
  }

  static CommandResult decodeResult(byte[] b) throws IOException {
    return JSON.readValue(b, CommandResult.class);
  }
}

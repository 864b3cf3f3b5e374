package io.synod.store.testing;

import java.io.IOException;
import java.math.BigInteger;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What {@code ss -ltn} shows, read from /proc/net/tcp and tcp6 of this network namespace. */
public final class ListeningSockets {
  private ListeningSockets() {}

  /** "address:port" of every TCP socket in LISTEN state on {@code port}, IPv4 and IPv6. */
  public static List<String> on(int port) throws IOException {
    List<String> out = new ArrayList<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path p = Path.of(table);
      if (!Files.exists(p)) {
        continue;
      }
      List<String> lines = Files.readAllLines(p);
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.trim().split("\\s+");
        String[] local = f[1].split(":");
        if (!f[3].equals("0A") || Integer.parseInt(local[1], 16) != port) {
          continue;
        }
        out.add(address(local[0]) + ":" + port);
      }
    }
    return out;
  }

  /** The kernel prints each 32-bit word of the address in host (little-endian) byte order. */
  private static String address(String hex) throws IOException {
    byte[] b = new byte[hex.length() / 2];
    for (int word = 0; word < b.length / 4; word++) {
      for (int i = 0; i < 4; i++) {
        int src = word * 8 + (3 - i) * 2;
        b[word * 4 + i] = (byte) Integer.parseInt(hex.substring(src, src + 2), 16);
      }
    }
    InetAddress a = InetAddress.getByAddress(b); // an IPv4-mapped IPv6 address comes back as IPv4
    if (a instanceof Inet6Address) {
      return new BigInteger(1, b).signum() == 0 ? "[::]" : "[" + a.getHostAddress() + "]";
    }
    return a.getHostAddress();
  }
}

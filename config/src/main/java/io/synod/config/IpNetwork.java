package io.synod.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * An IP network (address + prefix length), as {@code restapi.allowlist} entries name them: a CIDR
 * network ({@code 10.0.0.0/24}, {@code fd00::/8}), one address, or a host name standing for all its
 * addresses.
 */
public record IpNetwork(byte[] address, int prefix) {
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  /**
   * Parses one allowlist entry; a host name is resolved now.
   *
   * @throws IllegalArgumentException saying why the entry is unusable (never an empty result)
   */
  public static List<IpNetwork> parse(String entry) {
    String e = entry == null ? "" : entry.trim();
    if (e.isEmpty()) {
      throw new IllegalArgumentException("empty entry");
    }
    int slash = e.indexOf('/');
    if (slash >= 0) {
      String addr = e.substring(0, slash);
      String bits = e.substring(slash + 1);
      if (!isIpLiteral(addr)) {
        throw new IllegalArgumentException(
            "\"" + e + "\": a network needs an IP address before the /, got \"" + addr + "\"");
      }
      byte[] a = literal(addr, e);
      int max = a.length * 8;
      int prefix;
      try {
        prefix = Integer.parseInt(bits);
      } catch (NumberFormatException ex) {
        throw new IllegalArgumentException(
            "\"" + e + "\": the prefix length must be a number 0-" + max);
      }
      if (prefix < 0 || prefix > max || !bits.matches("\\d+")) {
        throw new IllegalArgumentException(
            "\"" + e + "\": the prefix length " + bits + " is out of range 0-" + max);
      }
      return List.of(new IpNetwork(a, prefix));
    }
    if (isIpLiteral(e)) {
      byte[] a = literal(e, e);
      return List.of(new IpNetwork(a, a.length * 8));
    }
    List<IpNetwork> out = new ArrayList<>();
    try {
      for (InetAddress a : InetAddress.getAllByName(e)) {
        out.add(new IpNetwork(a.getAddress(), a.getAddress().length * 8));
      }
    } catch (UnknownHostException ex) {
      throw new IllegalArgumentException("\"" + e + "\": host name does not resolve");
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("\"" + e + "\": host name does not resolve");
    }
    return out;
  }

  private static boolean isIpLiteral(String s) {
    return IPV4.matcher(s).matches() || s.contains(":");
  }

  private static byte[] literal(String s, String entry) {
    String a = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
    if (IPV4.matcher(a).matches()) {
      for (String part : a.split("\\.")) {
        if (Integer.parseInt(part) > 255) {
          throw new IllegalArgumentException("\"" + entry + "\": not an IP address");
        }
      }
    }
    try {
      return InetAddress.getByName(a).getAddress(); // a literal: no DNS lookup
    } catch (UnknownHostException ex) {
      throw new IllegalArgumentException("\"" + entry + "\": not an IP address");
    }
  }

  /** True when {@code a} is in this network (IPv4 and IPv4-mapped IPv6 compare as the same). */
  public boolean contains(InetAddress a) {
    byte[] x = normalize(a.getAddress(), address.length);
    if (x == null) {
      return false;
    }
    int bits = Math.min(prefix, address.length * 8);
    for (int i = 0; i < bits; i++) {
      int mask = 0x80 >>> (i % 8);
      if ((x[i / 8] & mask) != (address[i / 8] & mask)) {
        return false;
      }
    }
    return true;
  }

  private static byte[] normalize(byte[] a, int len) {
    if (a.length == len) {
      return a;
    }
    if (a.length == 16 && len == 4) {
      for (int i = 0; i < 10; i++) {
        if (a[i] != 0) {
          return null;
        }
      }
      if ((a[10] & 0xff) != 0xff || (a[11] & 0xff) != 0xff) {
        return null;
      }
      return new byte[] {a[12], a[13], a[14], a[15]};
    }
    if (a.length == 4 && len == 16) {
      byte[] m = new byte[16];
      m[10] = (byte) 0xff;
      m[11] = (byte) 0xff;
      System.arraycopy(a, 0, m, 12, 4);
      return m;
    }
    return null;
  }
}

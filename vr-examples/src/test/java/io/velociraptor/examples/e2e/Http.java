package io.velociraptor.examples.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A tiny HTTP/1.0 client on loopback: one new connection per request, bounded by timeouts. */
final class Http {
  private Http() {}

  /** A status and body. */
  record Response(int status, String body) {}

  /**
   * @param address a loopback address
   * @param port its port
   * @param path the path
   * @return the response
   * @throws UncheckedIOException if the connection fails or times out (5 s)
   */
  static Response get(String address, int port, String path) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(address, port), 5_000);
      s.setSoTimeout(5_000);
      OutputStream out = s.getOutputStream();
      out.write(("GET " + path + " HTTP/1.0\r\nHost: " + address + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String text = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
      int lineEnd = text.indexOf("\r\n");
      if (!text.startsWith("HTTP/") || lineEnd < 0) {
        throw new IOException("not an HTTP response: " + text);
      }
      String[] status = text.substring(0, lineEnd).split(" ");
      int bodyAt = text.indexOf("\r\n\r\n");
      return new Response(Integer.parseInt(status[1]), bodyAt < 0 ? "" : text.substring(bodyAt + 4));
    } catch (IOException e) {
      throw new UncheckedIOException("GET http://" + address + ":" + port + path + ": " + e.getMessage(), e);
    }
  }
}

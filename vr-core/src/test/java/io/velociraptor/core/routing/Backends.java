package io.velociraptor.core.routing;

import com.sun.net.httpserver.HttpServer;
import io.velociraptor.core.model.PoolMember;
import io.velociraptor.core.model.Port;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Tiny HTTP servers on free ports of 127.0.0.1 that answer every request with their port. */
final class Backends implements AutoCloseable {
  private final List<HttpServer> servers = new ArrayList<>();

  static Backends start(int count) {
    Backends b = new Backends();
    try {
      for (int i = 0; i < count; i++) {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        int port = s.getAddress().getPort();
        s.createContext("/", exchange -> {
          byte[] body = Integer.toString(port).getBytes(StandardCharsets.US_ASCII);
          exchange.getRequestBody().readAllBytes();
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
        s.start();
        b.servers.add(s);
      }
      return b;
    } catch (IOException e) {
      b.close();
      throw new UncheckedIOException(e);
    }
  }

  PoolMember member(int i) {
    return PoolMember.of("127.0.0.1", Port.of(servers.get(i).getAddress().getPort()));
  }

  String port(int i) {
    return Integer.toString(servers.get(i).getAddress().getPort());
  }

  /** One request on a new connection (so no keep-alive connection outlives a reload): status and body. */
  static Response get(URI url) {
    try (Socket s = new Socket(url.getHost(), url.getPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(("GET " + url.getPath() + " HTTP/1.0\r\nHost: " + url.getHost() + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      String raw = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      int status = Integer.parseInt(raw.substring(9, 12));
      int bodyAt = raw.indexOf("\r\n\r\n");
      return new Response(status, bodyAt < 0 ? "" : raw.substring(bodyAt + 4));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  record Response(int status, String body) {}

  @Override
  public void close() {
    servers.forEach(s -> s.stop(0));
  }
}

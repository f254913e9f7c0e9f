package io.velociraptor.supervisor;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/** A loopback HTTP server that answers every POST to /RPC2 with a canned body; counts other hits. */
final class FakeXmlRpcServer implements AutoCloseable {
  private final HttpServer server;
  final AtomicInteger sideHits = new AtomicInteger();

  FakeXmlRpcServer(int status, Supplier<String> body) {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/RPC2", ex -> {
      ex.getRequestBody().readAllBytes();
      byte[] b = body.get().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "text/xml");
      ex.sendResponseHeaders(status, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    server.createContext("/side", ex -> {
      sideHits.incrementAndGet();
      byte[] b = "SECRET-ENTITY-TEXT".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  SupervisorEndpoint endpoint() {
    return SupervisorEndpoint.builder("127.0.0.1", port()).credentials("vr", "pw").build();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}

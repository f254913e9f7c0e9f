package io.velociraptor.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.supervisor.testing.SilentServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SupervisorClientSecurityTest {
  @TempDir Path tmp;

  /** Deserializing it creates a file: the side effect the client must never cause. */
  static final class Tripwire implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String path;

    Tripwire(String path) {
      this.path = path;
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      in.defaultReadObject();
      Files.writeString(Path.of(path), "deserialized");
    }
  }

  private static String fault(int code, String text, String causeBase64) {
    return "<?xml version=\"1.0\"?><methodResponse><fault><value><struct>"
        + "<member><name>faultCode</name><value><int>" + code + "</int></value></member>"
        + "<member><name>faultString</name><value><string>" + text + "</string></value></member>"
        + "<member><name>faultCause</name><value><base64>" + causeBase64 + "</base64></value></member>"
        + "</struct></value></fault></methodResponse>";
  }

  @Test
  void neverDeserializesAFaultCauseTheServerSends() throws Exception {
    Path marker = tmp.resolve("tripwire");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(new Tripwire(marker.toString()));
    }
    // the payload is live: deserializing it directly trips the wire
    Path probe = tmp.resolve("probe");
    ByteArrayOutputStream probeBytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(probeBytes)) {
      out.writeObject(new Tripwire(probe.toString()));
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(probeBytes.toByteArray()))) {
      in.readObject();
    }
    assertThat(probe).exists();

    String payload = Base64.getEncoder().encodeToString(bytes.toByteArray());
    try (FakeXmlRpcServer server = new FakeXmlRpcServer(200, () -> fault(10, "BAD_NAME: web", payload));
        SupervisorClient client = SupervisorClient.of(server.endpoint())) {
      assertThatThrownBy(() -> client.getProcessInfo("web"))
          .isInstanceOfSatisfying(SupervisorException.class, e -> {
            assertThat(e.fault()).contains(SupervisorFault.BAD_NAME);
            assertThat(e.subject()).contains("web");
            assertThat(e.getCause()).isNull();
          });
    }
    assertThat(marker).doesNotExist();
  }

  @Test
  void refusesAReplyWithADoctypeAndNeverFetchesItsExternalEntity() {
    try (FakeXmlRpcServer holder = new FakeXmlRpcServer(200, () -> "")) {
      int sidePort = holder.port();
      String xxe = "<?xml version=\"1.0\"?>"
          + "<!DOCTYPE methodResponse [<!ENTITY xxe SYSTEM \"http://127.0.0.1:" + sidePort + "/side\">"
          + "<!ENTITY file SYSTEM \"file:///etc/passwd\">]>"
          + "<methodResponse><params><param><value><string>&xxe;&file;</string></value></param></params>"
          + "</methodResponse>";
      try (FakeXmlRpcServer server = new FakeXmlRpcServer(200, () -> xxe);
          SupervisorClient client = SupervisorClient.of(server.endpoint())) {
        assertThatThrownBy(client::getAPIVersion).isInstanceOfSatisfying(SupervisorException.class, e -> {
          assertThat(e.kind()).isEqualTo(SupervisorException.Kind.PROTOCOL);
          assertThat(e.getMessage()).contains("DOCTYPE").doesNotContain("SECRET-ENTITY-TEXT").doesNotContain("root:");
        });
      }
      assertThat(holder.sideHits).hasValue(0);
    }
  }

  @Test
  void anHttp401IsAnAuthenticationErrorThatNeverShowsThePassword() {
    try (FakeXmlRpcServer server = new FakeXmlRpcServer(401, () -> "Unauthorized");
        SupervisorClient client = SupervisorClient.of(server.endpoint())) {
      assertThatThrownBy(client::getState).isInstanceOfSatisfying(SupervisorException.class, e -> {
        assertThat(e.kind()).isEqualTo(SupervisorException.Kind.AUTHENTICATION);
        assertThat(e.getMessage()).contains("127.0.0.1:" + server.port()).contains("'vr'").doesNotContain("pw");
      });
    }
  }

  @Test
  void aReplyThatIsNotXmlRpcIsAProtocolErrorNamingTheMethod() {
    try (FakeXmlRpcServer server = new FakeXmlRpcServer(200, () -> "<html>hello</html>");
        SupervisorClient client = SupervisorClient.of(server.endpoint())) {
      assertThatThrownBy(client::getAllProcessInfo).isInstanceOfSatisfying(SupervisorException.class, e -> {
        assertThat(e.kind()).isEqualTo(SupervisorException.Kind.PROTOCOL);
        assertThat(e.method()).contains("supervisor.getAllProcessInfo");
      });
    }
  }

  @Test
  void aReplyOfTheWrongShapeIsAProtocolErrorNotAClassCastException() {
    String body = "<?xml version=\"1.0\"?><methodResponse><params><param><value><int>7</int></value>"
        + "</param></params></methodResponse>";
    try (FakeXmlRpcServer server = new FakeXmlRpcServer(200, () -> body);
        SupervisorClient client = SupervisorClient.of(server.endpoint())) {
      assertThatThrownBy(client::getAllProcessInfo).isInstanceOfSatisfying(SupervisorException.class, e -> {
        assertThat(e.kind()).isEqualTo(SupervisorException.Kind.PROTOCOL);
        assertThat(e.getMessage()).contains("an array").contains("7");
      });
    }
  }

  @Test
  void aServerThatAcceptsButNeverAnswersCostsOnlyTheReadTimeout() throws Exception {
    try (SilentServer silent = SilentServer.start()) {
      SupervisorEndpoint ep = SupervisorEndpoint.builder("127.0.0.1", silent.port())
          .readTimeout(Duration.ofMillis(500)).build();
      try (SupervisorClient client = SupervisorClient.of(ep)) {
        long t0 = System.nanoTime();
        assertThatThrownBy(client::getState).isInstanceOfSatisfying(SupervisorException.class, e -> {
          assertThat(e.kind()).isEqualTo(SupervisorException.Kind.TIMEOUT);
          assertThat(e.getMessage()).contains("500 ms").contains("supervisor.getState");
        });
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(1500));
        assertThat(silent.accepted()).isPositive();
      }
    }
  }
}

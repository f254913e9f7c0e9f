package io.velociraptor.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.InvalidValueException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SupervisorEndpointTest {
  @Test
  void rejectsBadAddressesPortsAndTimeoutsNamingThem() {
    assertThatThrownBy(() -> SupervisorEndpoint.builder("host name", 9001).build())
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("host name");
    assertThatThrownBy(() -> SupervisorEndpoint.builder("h", 70000).build())
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("70000");
    assertThatThrownBy(() -> SupervisorEndpoint.builder("h", 9001).readTimeout(Duration.ZERO).build())
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("read timeout");
    assertThatThrownBy(() -> SupervisorEndpoint.builder("h", 9001).credentials("a:b", "pw").build())
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("a:b");
  }

  @Test
  void neverShowsThePasswordAndComparesByValue() {
    SupervisorEndpoint e = SupervisorEndpoint.builder("10.0.0.1", 9001).credentials("vr", "s3cret-value").build();
    assertThat(e.toString()).contains("10.0.0.1:9001").contains("vr").doesNotContain("s3cret-value");
    assertThat(e).isEqualTo(e.toBuilder().build());
    assertThat(e).isNotEqualTo(e.toBuilder().credentials("vr", "other").build());
  }

  @Test
  void endpointsComeFromTheHostUnlessOverridden() {
    SupervisorEndpoint special = SupervisorEndpoint.builder("10.9.9.9", 9100).build();
    SupervisorEndpoints endpoints = SupervisorEndpoints.builder().credentials("vr", "pw")
        .readTimeout(Duration.ofSeconds(3)).override(HostName.of("special"), special).build();
    Host plain = Host.builder().name(HostName.of("web1")).address("10.0.0.5").supervisorPort(9002).build();
    SupervisorEndpoint e = endpoints.forHost(plain);
    assertThat(e.address()).isEqualTo("10.0.0.5");
    assertThat(e.port()).isEqualTo(9002);
    assertThat(e.label()).isEqualTo("web1");
    assertThat(e.username()).contains("vr");
    assertThat(e.readTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(endpoints.forHost(Host.of("special"))).isSameAs(special);
  }
}

package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.VrException;
import io.velociraptor.core.spi.HostConnectionException;
import org.junit.jupiter.api.Test;

class VrMainTest {
  @Test
  void aHostConnectionFailureWrappedWithoutTheHostNameIsPrefixedWithIt() {
    var cause = new HostConnectionException("web3", "connection refused by 10.0.0.3:22", null);
    assertThat(VrMain.message(new VrException("the setup failed", cause))).isEqualTo("host web3: the setup failed");
    assertThat(VrMain.message(cause)).isEqualTo("host web3: connection refused by 10.0.0.3:22");
  }

  @Test
  void aMessageThatNamesTheHostAlreadyIsLeftAlone() {
    var cause = new HostConnectionException("web3", "cannot connect to web3 (10.0.0.3:22) as root", null);
    assertThat(VrMain.message(new VrException("could not remove p on web3: " + cause.getMessage(), cause)))
        .isEqualTo("could not remove p on web3: cannot connect to web3 (10.0.0.3:22) as root");
  }

  @Test
  void anErrorWithoutAHostKeepsItsMessage() {
    assertThat(VrMain.message(new VrException("store is locked"))).isEqualTo("store is locked");
    assertThat(VrMain.message(new IllegalStateException())).isEqualTo("java.lang.IllegalStateException");
  }
}

package io.velociraptor.lxc;

import io.velociraptor.core.model.ImmutableProcData;
import io.velociraptor.core.model.ProcData;
import io.velociraptor.core.spi.ContainerRuntime;
import java.nio.file.Path;
import java.time.Duration;

class PlainContainerRuntimeIT extends ContainerRuntimeContract {
  @Override
  RuntimeKind kind() {
    return RuntimeKind.PLAIN;
  }

  @Override
  ContainerRuntime runtime(String launcher, String root) {
    return PlainContainerRuntime.of(launcher, root, Duration.ofMinutes(2));
  }

  @Override
  ImmutableProcData.Builder image(ImmutableProcData.Builder b, Path work) {
    return b;
  }

  @Override
  String volumeInside() {
    return root.resolve("vol").toString();
  }
}

package io.velociraptor.lxc;

import io.velociraptor.core.model.ImmutableProcData;
import io.velociraptor.core.model.ProcData;
import io.velociraptor.core.spi.ContainerRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

class LxcContainerRuntimeIT extends ContainerRuntimeContract {
  @Override
  RuntimeKind kind() {
    return RuntimeKind.LXC;
  }

  @Override
  ContainerRuntime runtime(String launcher, String root) {
    return LxcContainerRuntime.of(launcher, root, Duration.ofMinutes(2));
  }

  @Override
  ImmutableProcData.Builder image(ImmutableProcData.Builder b, Path work) throws IOException {
    Path image = Fixtures.busyboxImage(Files.createTempDirectory(work, "image"));
    return b.imageName("busybox").imageUrl(image.toString());
  }

  @Override
  String volumeInside() {
    return "/data";
  }
}

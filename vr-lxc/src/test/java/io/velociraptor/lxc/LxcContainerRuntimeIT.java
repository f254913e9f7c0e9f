package io.velociraptor.lxc;

import io.velociraptor.core.model.ImmutableProcData;
import io.velociraptor.core.model.ProcData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

class LxcContainerRuntimeIT extends ContainerRuntimeContract {
  @Override
  RuntimeKind kind() {
    return RuntimeKind.LXC;
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

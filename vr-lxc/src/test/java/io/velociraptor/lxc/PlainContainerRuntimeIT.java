package io.velociraptor.lxc;

import io.velociraptor.core.model.ImmutableProcData;
import io.velociraptor.core.model.ProcData;
import java.nio.file.Path;

class PlainContainerRuntimeIT extends ContainerRuntimeContract {
  @Override
  RuntimeKind kind() {
    return RuntimeKind.PLAIN;
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

package com.example.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** What depending on vr's modules brings onto a consumer's classpath, and what it does not. */
class DependenciesTest {
  @Test
  void theSshLibraryComesOnlyWhenTheConsumerDeclaresIt() {
    // vr-core marks JSch optional: only JschCommandRunner needs it (docs/embedding.md)
    assertThatThrownBy(() -> Class.forName("com.jcraft.jsch.JSch")).isInstanceOf(ClassNotFoundException.class);
  }

  @Test
  void immutablesAnnotationsAreNotNeededAtRunTime() {
    assertThatThrownBy(() -> Class.forName("org.immutables.value.Value")).isInstanceOf(ClassNotFoundException.class);
    assertThat(io.velociraptor.core.model.Swarm.builder()).isNotNull();
  }
}

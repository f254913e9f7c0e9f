package io.velociraptor.core.plan;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** ARCHITECTURE 2: {@code model} and {@code plan} do no I/O, read no clock, use no randomness, start no threads. */
class PlanPurityTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.velociraptor.core.plan", "io.velociraptor.core.model");
  }

  @Test
  void planAndModelDoNoFileOrNetworkIo() {
    check(noClasses().that().resideInAnyPackage("..core.plan..", "..core.model..")
        .should().dependOnClassesThat().resideInAnyPackage("java.io..", "java.nio.file..", "java.net..", "java.nio.channels..")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.lang.ProcessBuilder"));
  }

  @Test
  void planAndModelReadNoClockAndUseNoRandomness() {
    check(noClasses().that().resideInAnyPackage("..core.plan..", "..core.model..")
        .should().callMethod(System.class, "currentTimeMillis")
        .orShould().callMethod(System.class, "nanoTime")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.time.Clock")
        .orShould().callMethod(java.time.Instant.class, "now")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.Random")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.SplittableRandom")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.security.SecureRandom")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.concurrent.ThreadLocalRandom")
        .orShould().callMethod(java.util.UUID.class, "randomUUID")
        .orShould().callMethod(Math.class, "random"));
  }

  @Test
  void planAndModelStartNoThreadsAndLogNothing() {
    check(noClasses().that().resideInAnyPackage("..core.plan..", "..core.model..")
        .should().dependOnClassesThat().haveFullyQualifiedName("java.lang.Thread")
        .orShould().dependOnClassesThat().resideInAnyPackage("java.util.concurrent..", "org.slf4j.."));
  }

  private static void check(ArchRule rule) {
    rule.check(classes);
  }
}

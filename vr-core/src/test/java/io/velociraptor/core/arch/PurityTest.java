package io.velociraptor.core.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** {@code model} and {@code plan} are pure: no I/O, clock, randomness, environment or threads. */
class PurityTest {
  private static final JavaClasses CORE = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("io.velociraptor.core");

  @Test
  void modelAndPlanDependOnlyOnTheJdkImmutablesAndJacksonAnnotations() {
    classes().that().resideInAnyPackage("..core.model..", "..core.plan..")
        .should().onlyDependOnClassesThat(JavaClass.Predicates.resideInAnyPackage(
            "java..", "org.immutables.value..", "com.fasterxml.jackson.annotation..",
            "com.fasterxml.jackson.databind.annotation..", "io.velociraptor.core.model..",
            "io.velociraptor.core.plan..", "io.velociraptor.core")
            // the defaults of @JsonSerialize/@JsonDeserialize members are marker classes named None
            .or(JavaClass.Predicates.simpleName("None").and(JavaClass.Predicates.resideInAnyPackage("com.fasterxml.jackson.databind.."))))
        .allowEmptyShould(true)
        .check(CORE);
  }

  @Test
  void modelAndPlanDoNoIoReadNoClockUseNoRandomnessAndStartNoThreads() {
    noClasses().that().resideInAnyPackage("..core.model..", "..core.plan..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "java.io..", "java.net..", "java.nio.file..", "java.nio.channels..", "java.util.concurrent..",
            "java.lang.reflect..", "java.sql..")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.Random")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.SplittableRandom")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.security.SecureRandom")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.UUID")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.time.Clock")
        .orShould().callMethod(java.time.Instant.class, "now")
        .orShould().callMethod(java.time.LocalDateTime.class, "now")
        .orShould().callMethod(Math.class, "random")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.lang.System")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.lang.Thread")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.lang.Runtime")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.lang.ProcessBuilder")
        .check(CORE);
  }
}

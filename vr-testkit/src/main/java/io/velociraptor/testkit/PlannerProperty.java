package io.velociraptor.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A planner property as one annotated JUnit 5 method taking a {@link PlanCase}: it runs over
 * {@link PlanGen#cases()} with {@link PropertyRunner} (seeded, shrunk by {@link PlanShrinker},
 * described with the plan, classified by {@link PlanGen#labels}, remembered on failure).
 *
 * <pre>{@code
 * @PlannerProperty
 * void noPortIsUsedTwice(PlanCase c) {
 *   PlanInvariants.noPortUsedTwice(c, c.plan());
 * }
 * }</pre>
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Test
@ExtendWith(PlannerPropertyExtension.class)
public @interface PlannerProperty {
  /** How many cases; 0 (the default) means {@code vr.property.cases} (1,000 unless set). */
  int cases() default 0;
}

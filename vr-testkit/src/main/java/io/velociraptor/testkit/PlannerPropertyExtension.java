package io.velociraptor.testkit;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.SplittableRandom;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;

/**
 * Runs a {@link PlannerProperty} method once per generated case instead of once: JUnit resolves
 * its {@link PlanCase} parameter (any case will do, the invocation is replaced) and this
 * intercepts the invocation to run the property over {@link PlanGen#cases()}.
 */
public final class PlannerPropertyExtension implements ParameterResolver, InvocationInterceptor {
  /** True for a {@link PlanCase} parameter, the only one a {@link PlannerProperty} method takes. */
  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == PlanCase.class;
  }

  /** A placeholder case (the first of {@link PlanGen#cases()} at seed 0, size 1); the invocation that
   * would get it is replaced. */
  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return PlanGen.cases().generate(new SplittableRandom(0), 1);
  }

  /** Skips the single invocation and runs the method as a property over {@link PlanGen#cases()},
   * shrinking with {@link PlanShrinker#shrinker()}; throws {@link IllegalArgumentException} if the method
   * does not take exactly one {@link PlanCase}. */
  @Override
  public void interceptTestMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> call,
      ExtensionContext context) {
    invocation.skip();
    Method method = call.getExecutable();
    if (method.getParameterCount() != 1 || method.getParameterTypes()[0] != PlanCase.class) {
      throw new IllegalArgumentException("@PlannerProperty method " + method.getName()
          + " must take exactly one PlanCase parameter");
    }
    Object target = call.getTarget().orElse(null);
    int cases = method.getAnnotation(PlannerProperty.class).cases();
    PropertyRunner runner = PropertyRunner.property(context.getDisplayName());
    if (cases > 0) {
      runner.cases(cases);
    }
    method.setAccessible(true);
    runner.describedBy((PlanCase c) -> c + "plan:\n" + c.plan().render())
        .classifiedBy(PlanGen::labels)
        .check(PlanGen.cases(), PlanShrinker.shrinker(), c -> invoke(method, target, c));
  }

  private static void invoke(Method method, Object target, PlanCase c) {
    try {
      method.invoke(target, c);
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(cause);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot call " + method, e);
    }
  }
}

package io.velociraptor.core.testing;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;

/**
 * Simulates a dispatcher's process dying: wrap each backend it calls (store, proc controller,
 * runtime, balancer) with {@link #wrap}, and at the chosen call every wrapped backend throws
 * {@link Crash}, then and for ever after, so nothing the dead process does has any effect.
 */
public final class CrashInjector {
  /** The process died. An {@link Error}, so ordinary failure handling does not swallow it. */
  public static final class Crash extends Error {
    private static final long serialVersionUID = 1L;

    Crash(String where) {
      super("simulated crash " + where, null, false, false);
    }
  }

  private final String description;
  private final BiPredicate<Integer, String> trigger;
  private final AtomicInteger calls = new AtomicInteger();
  private volatile boolean dead;

  private CrashInjector(String description, BiPredicate<Integer, String> trigger) {
    this.description = description;
    this.trigger = trigger;
  }

  /**
   * @param n the 1-based number of the call (across all wrapped backends) that never happens
   * @return an injector that crashes there
   */
  public static CrashInjector atCall(int n) {
    return new CrashInjector("at call " + n, (count, call) -> count == n);
  }

  /**
   * @param call {@code Type.method}, e.g. {@code ProcController.start}
   * @return an injector that crashes just before the first such call
   */
  public static CrashInjector beforeFirst(String call) {
    return new CrashInjector("before the first " + call, (count, name) -> name.equals(call));
  }

  /** @return whether the crash happened */
  public boolean crashed() {
    return dead;
  }

  /**
   * @param type the backend interface
   * @param delegate the real backend
   * @param <T> the interface
   * @return the backend, dying with the process
   */
  @SuppressWarnings("unchecked")
  public <T> T wrap(Class<T> type, T delegate) {
    InvocationHandler h = (proxy, method, args) -> {
      if (method.getDeclaringClass() == Object.class) {
        return method.invoke(delegate, args);
      }
      if (dead) {
        throw new Crash(description);
      }
      // name() identifies a backend; it is not a call to the outside world
      if (!method.getName().equals("name")
          && trigger.test(calls.incrementAndGet(), type.getSimpleName() + "." + method.getName())) {
        dead = true;
        throw new Crash(description);
      }
      try {
        return method.invoke(delegate, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    };
    return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, h);
  }
}

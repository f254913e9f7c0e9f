package io.velociraptor.supervisor.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts one private supervisord per test class and stops it after the class, also when tests
 * fail. Register as {@code @RegisterExtension static final SupervisordExtension SUPERVISORD = new
 * SupervisordExtension();}.
 */
public final class SupervisordExtension implements BeforeAllCallback, AfterAllCallback {
  private final String extraConfig;
  private SupervisordFixture fixture;

  /** A supervisord with no extra configuration. */
  public SupervisordExtension() {
    this("");
  }

  /** @param extraConfig text appended to supervisord.conf */
  public SupervisordExtension(String extraConfig) {
    this.extraConfig = extraConfig;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    fixture = SupervisordFixture.start(extraConfig);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (fixture != null) {
      fixture.close();
      fixture = null;
    }
  }

  /** @return the running fixture */
  public SupervisordFixture fixture() {
    if (fixture == null) {
      throw new IllegalStateException("supervisord is not running: use the extension with @RegisterExtension");
    }
    return fixture;
  }
}

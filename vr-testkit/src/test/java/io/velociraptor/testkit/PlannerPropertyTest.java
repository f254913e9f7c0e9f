package io.velociraptor.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/** A {@link PlannerProperty} method runs once per case, and a failing one reports as PropertyRunner does. */
class PlannerPropertyTest {
  static final AtomicInteger CALLS = new AtomicInteger();

  /** Run only through the launcher below (Surefire skips nested classes). */
  static class Examples {
    @PlannerProperty(cases = 40)
    void everyCaseHasAPlan(PlanCase c) {
      CALLS.incrementAndGet();
      assertThat(c.plan()).isNotNull();
    }

    @PlannerProperty(cases = 500)
    void aFalseClaimNoPlanEverStopsAProc(PlanCase c) {
      assertThat(c.plan().stops()).isEmpty();
    }
  }

  @Test
  void aPropertyRunsPerCaseAndAFailureIsShrunkAndReplayable(@org.junit.jupiter.api.io.TempDir java.nio.file.Path memory) {
    System.setProperty("vr.property.failures", memory.toString());
    try {
      CALLS.set(0);
      SummaryGeneratingListener listener = new SummaryGeneratingListener();
      LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(Examples.class)).build(),
          listener);
      TestExecutionSummary summary = listener.getSummary();
      assertThat(summary.getTestsSucceededCount()).isEqualTo(1);
      assertThat(CALLS.get()).as("calls of the passing property").isEqualTo(40);
      List<TestExecutionSummary.Failure> failures = new ArrayList<>(summary.getFailures());
      assertThat(failures).singleElement().satisfies(f -> {
        assertThat(f.getTestIdentifier().getDisplayName()).startsWith("aFalseClaimNoPlanEverStopsAProc");
        assertThat(f.getException()).hasMessageContaining("replay: -Dvr.property.replay=")
            .hasMessageContaining("shrunk in");
      });
    } finally {
      System.clearProperty("vr.property.failures");
    }
  }
}

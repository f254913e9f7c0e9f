package io.velociraptor.core.plan;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * A companion to {@link RolloutBenchmark} for a shared machine: the 1,000-host fleet, the
 * single-diff plan, the staged plan at {@code max_parallel: 10%}, and the staging alone (the cut
 * of a plan already made into waves), alternated, each timed as this thread's CPU time, which does
 * not grow while other processes hold the cores. Run: {@code java -Xms512m -Xmx512m -cp
 * <vr-core test classpath with -Pbench> io.velociraptor.core.plan.RolloutCpuTime}, or {@code ./vr-core/bench.sh rollout-cpu}.
 */
public final class RolloutCpuTime {
  private RolloutCpuTime() {}

  /**
   * @param args warm-up and measured runs (default 1000 and 2000)
   */
  public static void main(String[] args) {
    int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    RolloutBenchmark bench = new RolloutBenchmark();
    bench.hosts = 1000;
    bench.buildFleet();
    bench.policy();
    SwarmPlan whole = bench.planReleaseChange();
    long[] single = new long[runs];
    long[] staged = new long[runs];
    long[] stage = new long[runs];
    int sink = 0;
    for (int i = 0; i < warmup + runs; i++) {
      long t0 = threads.getCurrentThreadCpuTime();
      sink += bench.planReleaseChange().starts().size();
      long t1 = threads.getCurrentThreadCpuTime();
      sink += bench.planRolloutTenPercent().waves().size();
      long t2 = threads.getCurrentThreadCpuTime();
      sink += RolloutPlanner.stage(whole, bench.fleet, bench.tenPercent).waves().size();
      long t3 = threads.getCurrentThreadCpuTime();
      if (i >= warmup) {
        single[i - warmup] = t1 - t0;
        staged[i - warmup] = t2 - t1;
        stage[i - warmup] = t3 - t2;
      }
    }
    Arrays.sort(single);
    Arrays.sort(staged);
    Arrays.sort(stage);
    System.out.printf("hosts=1000 runs=%d cpu-ms p50/p90/min: single diff %.3f/%.3f/%.3f, staged (10 waves) %.3f/%.3f/%.3f,"
            + " staging alone %.3f/%.3f/%.3f; staged/single p50 %.2fx (sink %d)%n", runs,
        single[runs / 2] / 1e6, single[runs * 9 / 10] / 1e6, single[0] / 1e6,
        staged[runs / 2] / 1e6, staged[runs * 9 / 10] / 1e6, staged[0] / 1e6,
        stage[runs / 2] / 1e6, stage[runs * 9 / 10] / 1e6, stage[0] / 1e6,
        (double) staged[runs / 2] / single[runs / 2], sink);
  }
}

package io.velociraptor.core.plan;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * A companion to {@link PlannerBenchmark} for a shared machine: the same fleets, but each plan's
 * cost is measured as this thread's CPU time, which does not grow while other processes hold the
 * cores. It also reports the heap the fleet snapshot holds (after a GC) and the JVM's peak heap
 * (every heap pool's peak, garbage included) while building and planning. Run with
 * {@code ./vr-core/bench.sh cpu}; it runs with {@code -Xmx512m}.
 */
public final class PlannerCpuTime {
  private PlannerCpuTime() {}

  /**
   * @param args host counts to measure (default 1000 and 10000)
   */
  public static void main(String[] args) {
    String[] sizes = args.length > 0 ? args : new String[] {"1000", "10000"};
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    for (String size : sizes) {
      System.gc();
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        pool.resetPeakUsage();
      }
      PlannerBenchmark bench = new PlannerBenchmark();
      bench.hosts = Integer.parseInt(size);
      bench.buildFleet();
      System.gc();
      long live = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
      int warmup = bench.hosts >= 10_000 ? 100 : 1000;
      int runs = bench.hosts >= 10_000 ? 200 : 2000;
      for (int i = 0; i < warmup; i++) {
        bench.planReleaseChange();
      }
      long[] cpu = new long[runs];
      int sink = 0;
      for (int i = 0; i < runs; i++) {
        long start = threads.getCurrentThreadCpuTime();
        sink += bench.planReleaseChange().starts().size();
        cpu[i] = threads.getCurrentThreadCpuTime() - start;
      }
      Arrays.sort(cpu);
      long peak = 0;
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        if (pool.getType() == MemoryType.HEAP) {
          peak += pool.getPeakUsage().getUsed();
        }
      }
      System.out.printf("hosts=%d procs=%d runs=%d cpu-ms p50=%.3f p90=%.3f min=%.3f"
              + " live-heap-after-gc-MB=%d peak-heap-MB=%d (starts %d)%n",
          bench.hosts, bench.hosts * PlannerBenchmark.PROCS_PER_HOST, runs, cpu[runs / 2] / 1e6,
          cpu[runs * 9 / 10] / 1e6, cpu[0] / 1e6, live >> 20, peak >> 20, sink / runs);
    }
  }
}

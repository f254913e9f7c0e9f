package io.velociraptor.core.store;

import io.velociraptor.core.model.PortLock;
import io.velociraptor.core.model.SwarmRun;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The one record that holds everything the store's atomic rules read and change together: the
 * port locks, the live runs, and each swarm's last run number. Keeping them in one record makes
 * every rule a single atomic write.
 *
 * @param portLocks held locks, sorted
 * @param runs live runs, sorted by id
 * @param runNumbers per swarm id, the number of its latest run
 */
record LiveState(List<PortLock> portLocks, List<SwarmRun> runs, SortedMap<String, Long> runNumbers) {
  LiveState {
    portLocks = portLocks == null ? List.of() : portLocks.stream().sorted().toList();
    runs = runs == null ? List.of()
        : runs.stream().sorted(java.util.Comparator.comparing(SwarmRun::id)).toList();
    runNumbers = runNumbers == null ? new TreeMap<>() : new TreeMap<>(runNumbers);
  }

  static LiveState empty() {
    return new LiveState(List.of(), List.of(), new TreeMap<>());
  }

  LiveState withPortLocks(List<PortLock> locks) {
    return new LiveState(locks, runs, runNumbers);
  }

  LiveState withRuns(List<SwarmRun> newRuns) {
    return new LiveState(portLocks, newRuns, runNumbers);
  }

  LiveState withRunNumber(String swarm, long number) {
    TreeMap<String, Long> numbers = new TreeMap<>(runNumbers);
    numbers.put(swarm, number);
    return new LiveState(portLocks, runs, numbers);
  }

  @Override
  public SortedMap<String, Long> runNumbers() {
    return java.util.Collections.unmodifiableSortedMap(runNumbers);
  }

  Map<String, SwarmRun> runsById() {
    TreeMap<String, SwarmRun> out = new TreeMap<>();
    runs.forEach(r -> out.put(r.id(), r));
    return out;
  }
}

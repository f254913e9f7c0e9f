package io.velociraptor.supervisor;

import java.util.List;

/**
 * What {@code supervisor.reloadConfig} found: group names added to, changed in and removed from
 * the configuration files compared with what supervisord runs. Each list is sorted.
 *
 * @param added groups in the files but not active
 * @param changed active groups whose configuration changed
 * @param removed active groups no longer in the files
 */
public record ConfigChanges(List<String> added, List<String> changed, List<String> removed) {
  /**
   * Copies and sorts the lists.
   * @param removed the removed
   * @param changed the changed
   * @param added the added
   */
  public ConfigChanges {
    added = added.stream().sorted().toList();
    changed = changed.stream().sorted().toList();
    removed = removed.stream().sorted().toList();
  }

  /**
   * Returns whether the reload saw any change for it.
   *
   * @param group a group name
   * @return whether the reload saw any change for it
   */
  public boolean concerns(String group) {
    return added.contains(group) || changed.contains(group) || removed.contains(group);
  }
}

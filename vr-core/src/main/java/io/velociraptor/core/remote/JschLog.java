package io.velociraptor.core.remote;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Sends JSch's log to SLF4J: its chatty INFO to debug, warnings and errors as such. */
final class JschLog implements com.jcraft.jsch.Logger {
  private static final Logger LOG = LoggerFactory.getLogger("io.velociraptor.core.remote.jsch");

  @Override
  public boolean isEnabled(int level) {
    return level >= WARN ? LOG.isWarnEnabled() : LOG.isDebugEnabled();
  }

  @Override
  public void log(int level, String message) {
    if (level >= ERROR) {
      LOG.error(message);
    } else if (level == WARN) {
      LOG.warn(message);
    } else {
      LOG.debug(message);
    }
  }
}

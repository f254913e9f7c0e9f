package io.velociraptor.supervisor.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.model.ProcState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventListenerProtocolTest {

  private static String event(long serial, String name, String payload) {
    int len = payload.getBytes(StandardCharsets.UTF_8).length;
    return "ver:3.0 server:supervisor serial:" + serial + " pool:vr poolserial:" + serial + " eventname:" + name
        + " len:" + len + "\n" + payload;
  }

  private static ByteArrayInputStream stream(String... events) {
    return new ByteArrayInputStream(String.join("", events).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsTypedEventsAndAcknowledgesEachOneBeforeAskingForTheNext() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<SupervisorEvent> seen = new ArrayList<>();
    long n = EventListenerProtocol.of(stream(
        event(21, "PROCESS_STATE_RUNNING", "processname:web groupname:web from_state:STARTING pid:123"),
        event(22, "PROCESS_STATE_EXITED", "processname:web groupname:web from_state:RUNNING expected:0 pid:123"),
        event(23, "TICK_5", "when:1700000000"),
        event(24, "PROCESS_LOG_STDOUT", "processname:web groupname:web channel:stdout\nhéllo: wörld\nline 2")),
        out).serve(seen::add);

    assertThat(n).isEqualTo(4);
    assertThat(out.toString(StandardCharsets.US_ASCII))
        .isEqualTo("READY\nRESULT 2\nOKREADY\nRESULT 2\nOKREADY\nRESULT 2\nOKREADY\nRESULT 2\nOKREADY\n");
    SupervisorEvent.ProcessState running = (SupervisorEvent.ProcessState) seen.get(0);
    assertThat(running.processName()).isEqualTo("web");
    assertThat(running.from()).isEqualTo(ProcState.STARTING);
    assertThat(running.to()).isEqualTo(ProcState.RUNNING);
    assertThat(running.pid()).hasValue(123);
    assertThat(running.header().serial()).isEqualTo(21);
    SupervisorEvent.ProcessState exited = (SupervisorEvent.ProcessState) seen.get(1);
    assertThat(exited.expected()).contains(false);
    assertThat(((SupervisorEvent.Tick) seen.get(2)).when()).isEqualTo(Instant.ofEpochSecond(1700000000));
    SupervisorEvent.Other log = (SupervisorEvent.Other) seen.get(3);
    assertThat(log.payloadHeaders()).containsEntry("channel", "stdout");
    assertThat(log.data()).isEqualTo("héllo: wörld\nline 2");
  }

  @Test
  void valuesMayHoldColonsUnlikeTheOriginal() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<SupervisorEvent> seen = new ArrayList<>();
    EventListenerProtocol.of(stream(
        "ver:3.0 server:host:9001 serial:1 pool:vr poolserial:1 eventname:CUSTOM len:12\nkey:a:b:c d:"), out)
        .serve(seen::add);
    SupervisorEvent.Other e = (SupervisorEvent.Other) seen.get(0);
    assertThat(e.header().server()).isEqualTo("host:9001");
    assertThat(e.payloadHeaders()).containsEntry("key", "a:b:c").containsEntry("d", "");
  }

  @Test
  void aListenerThatThrowsMakesTheProtocolAnswerFailSoSupervisorResendsIt() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    EventListenerProtocol.of(stream(event(1, "TICK_5", "when:1"), event(2, "TICK_5", "when:2")), out)
        .serve(e -> {
          if (e.header().serial() == 1) {
            throw new IllegalStateException("sink is down");
          }
        });
    assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("READY\nRESULT 4\nFAILREADY\nRESULT 2\nOKREADY\n");
  }

  @Test
  void aPayloadCutShortIsAnErrorNotAHalfEvent() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String cut = "ver:3.0 server:supervisor serial:1 pool:vr poolserial:1 eventname:TICK_5 len:50\nwhen:1";
    assertThatThrownBy(() -> EventListenerProtocol.of(stream(cut), out).serve(e -> { }))
        .isInstanceOf(EOFException.class).hasMessageContaining("50");
  }

  @Test
  void aHeaderWithoutLenIsRejectedNamingTheHeader() {
    assertThatThrownBy(() -> EventListenerProtocol.of(stream("ver:3.0 eventname:TICK_5\n"),
        new ByteArrayOutputStream()).serve(e -> { }))
        .isInstanceOf(EventProtocolException.class).hasMessageContaining("eventname:TICK_5");
  }

  @Test
  void theJsonLinesSinkWritesOneObjectPerEvent() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    JsonLinesSink sink = JsonLinesSink.writingTo(out);
    EventListenerProtocol.of(stream(
        event(7, "PROCESS_STATE_STARTING", "processname:web groupname:web from_state:STOPPED tries:0"),
        event(8, "TICK_60", "when:1700000000")), new ByteArrayOutputStream()).serve(sink);
    assertThat(out.toString(StandardCharsets.UTF_8).split("\n")).containsExactly(
        "{\"event\":\"PROCESS_STATE_STARTING\",\"from_state\":\"STOPPED\",\"group_name\":\"web\",\"pool\":\"vr\","
            + "\"process_name\":\"web\",\"serial\":7,\"state\":\"STARTING\",\"tries\":0}",
        "{\"event\":\"TICK_60\",\"pool\":\"vr\",\"serial\":8,\"when\":\"2023-11-14T22:13:20Z\"}");
  }
}

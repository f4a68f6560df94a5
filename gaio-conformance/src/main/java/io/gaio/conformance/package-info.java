/**
 * The conformance suite: the behaviour every gaio transport must show, as JUnit 5 tests that a transport module runs
 * through surefire's {@code dependenciesToScan} with {@code -Dgaio.transport=NAME}.
 *
 * <p>Every test class extends {@link io.gaio.conformance.TransportTestBase}, which skips the class where the
 * transport cannot run and fails it when it leaves file descriptors open. Where each rule of the Watcher's contract
 * is checked:
 * <ul>
 *   <li>reads, swap buffer, one read never beyond the space offered: {@code EchoTest}, {@code SwapBufferTest},
 *       {@code BufferTypesTest};</li>
 *   <li>deadlines: {@code DeadlineTest}; {@code readFull}: {@code ReadFullTest}; writes: {@code EchoTest},
 *       {@code OrderTest}, {@code BufferTypesTest};</li>
 *   <li>free: {@code FreeTest}; order per direction and full duplex: {@code OrderTest}, {@code DuplexTest};</li>
 *   <li>submission from any thread and misuse: {@code ConcurrentSubmitTest}, {@code SubmissionValidationTest};</li>
 *   <li>readiness handled edge by edge, no spinning: {@code ManyClientsTest}, {@code IdleTest};</li>
 *   <li>end of stream and resets: {@code PeerCloseTest}; results and batches: {@code ContextTest};</li>
 *   <li>swap-buffer lifetime and bounds: {@code SwapBufferTest}; closing: {@code CloseTest}, and every pending
 *       request handed back by the close, on 10,000 connections from a client process and to a completion handler,
 *       with the buffers' pool back to where it was: {@code CloseHandsBackTest}; graceful shutdown, writes to slow
 *       readers finished or cut short with every reported byte received: {@code GracefulShutdownTest};</li>
 *   <li>observability: {@code Watcher.metrics()} {@code MetricsTest}, the Flight Recorder events
 *       {@code FlightRecorderTest};</li>
 *   <li>delegation and socket options: {@code DelegationTest}; garbage-collection cleanup: {@code CleanerTest};</li>
 *   <li>several watchers, shared event loops: {@code ManyClientsTest}, {@code SharedEventLoopTest};</li>
 *   <li>back-pressure: {@code BackPressureTest}; CPU affinity: {@code AffinityTest};</li>
 *   <li>the watcher's own connections: listeners and accepts {@code ListenerTest}, connects {@code ConnectTest},
 *       {@code shutdownOutput} {@code HalfCloseTest}, dropped {@code Connection}s {@code CleanerTest}, listeners of
 *       a shut-down event loop {@code EventLoopShutdownTest}; 9,000 connects at once within one JVM
 *       {@code ManyConnectsTest}, 8,192 from a client process {@code AcceptManyFromClientProcessTest}; accept and
 *       connect at the descriptor limit, in a child JVM, {@code DescriptorExhaustionTest};</li>
 *   <li>reliability, each request booked in a {@code CompletionLedger} (completed exactly once, or rejected at
 *       submission): peer resets and vanished peers {@code PeerResetTest}, half-close {@code PeerHalfCloseTest},
 *       close and free racing everything {@code CloseRaceStressTest}, a failing swap-buffer allocator
 *       {@code AllocatorFailureTest}, hostile peers and bounded memory {@code SlowlorisTest} and
 *       {@code SlowReaderTest}, 100,000 connection cycles without a leak {@code ConnectionChurnLeakTest}.</li>
 * </ul>
 *
 * <p>The suite runs where kqueue runs too, on machines smaller than Linux's defaults: macOS has only 127.0.0.1 on
 * {@code lo0}, 16,384 ephemeral ports with a 30 s TIME_WAIT, a listen backlog of 128 and a JVM that raises its
 * descriptor limit to 10,240 only. The package-private class {@code Platform} finds out once per JVM what the machine
 * allows and adapts: client sockets bind the rotating source addresses 127.0.0.2 … 127.0.3.251 where they can be
 * bound, else 127.0.0.1, with connections paced so that the ports last; listen backlogs and blocking connect batches
 * stay within the backlog; tests with thousands of connections run as many as the descriptor limit ({@code ulimit -n})
 * holds; descriptors are listed in {@code /proc/self/fd}, or {@code /dev/fd} where there is no {@code /proc}. These
 * system properties impose macOS's limits on Linux (child JVMs get them too):
 * <ul>
 *   <li>{@code gaio.test.sourceAddresses}: {@code auto} (default), or {@code single} for 127.0.0.1 only;</li>
 *   <li>{@code gaio.test.portPacing}: {@code PORTS/SECONDS}, at most PORTS client connections per source address in
 *       any SECONDS, or {@code off}; default three quarters of the ephemeral ports within the TIME_WAIT and 10 s
 *       ({@code 21174/70} on Linux, {@code 12288/40} elsewhere);</li>
 *   <li>{@code gaio.test.backlog}: the largest listen backlog and blocking connect batch; default
 *       {@code net.core.somaxconn} on Linux, 128 elsewhere;</li>
 *   <li>{@code gaio.test.descriptors}: {@code auto} (default), or {@code dev-fd} to list {@code /dev/fd} and describe
 *       each entry by its file type and key, as on macOS.</li>
 * </ul>
 * The descriptor limit has no property: run the JVM under {@code ulimit -n 10240}. gaio-transport-epoll's build runs
 * the suite a second time with all of them set so, in a JVM limited to 10,240 descriptors
 * ({@code gaio-conformance/src/test/bin/java-macos-limits}); {@code mvn -B verify -Pmacos-limits -pl
 * gaio-transport-epoll} runs that alone.
 */
package io.gaio.conformance;

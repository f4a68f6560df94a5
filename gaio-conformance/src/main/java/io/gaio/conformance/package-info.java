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
 *   <li>swap-buffer lifetime and bounds: {@code SwapBufferTest}; closing: {@code CloseTest};</li>
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
 */
package io.gaio.conformance;

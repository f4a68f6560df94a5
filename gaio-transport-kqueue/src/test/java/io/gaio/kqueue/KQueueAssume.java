package io.gaio.kqueue;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.kqueue.KQueue;

/** Skips tests that need a kqueue where there is none. */
final class KQueueAssume {
    private KQueueAssume() {
    }

    /**
     * Skips the test unless kqueue runs here, with Netty's cause: the provider's, since Netty's own is a bare
     * {@link ExceptionInInitializerError} on Linux.
     */
    static void kqueueRuns() {
        assumeTrue(KQueue.isAvailable(), () -> "kqueue unavailable here: "
                + new KQueueTransportProvider().unavailabilityCause());
    }
}

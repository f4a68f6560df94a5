package io.gaio.benchmarks.jmh;

import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.util.Arrays;

/**
 * What every engine benchmark sets up: one watcher on a named transport, {@code n} loopback pairs whose both ends it
 * owns, and a message buffer per pair (plus a read buffer per pair when reads use caller buffers). One operation
 * writes a message on one end of each pair and reads it on the other, submitting and collecting through the public
 * API only, from the one benchmark thread.
 */
final class EchoState {
    static final int MESSAGE_SIZE = 64;

    private final Watcher watcher;
    private final LoopbackPairs pairs;
    private final ByteBuf[] messages;
    private final ByteBuf[] readBuffers;
    private final int[] received;
    /** Pair indexes as contexts, boxed once so that submitting allocates nothing of ours. */
    private final Integer[] ids;
    /** waitIO() calls and completions, for the batch size. */
    long waitIOCalls;
    long completions;

    EchoState(String transport, boolean swapBuffer, int n) throws IOException {
        this.watcher = Watcher.builder().transport(transport).build();
        this.pairs = LoopbackPairs.open(n);
        this.messages = new ByteBuf[n];
        this.readBuffers = swapBuffer ? null : new ByteBuf[n];
        this.received = new int[n];
        this.ids = new Integer[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i;
            messages[i] = PooledByteBufAllocator.DEFAULT.directBuffer(MESSAGE_SIZE).writeZero(MESSAGE_SIZE);
            if (readBuffers != null) {
                readBuffers[i] = PooledByteBufAllocator.DEFAULT.directBuffer(MESSAGE_SIZE, MESSAGE_SIZE);
            }
        }
    }

    /** Sends one message over every pair and waits until every one has been written and read in full. */
    int transferAll() throws InterruptedException {
        int n = messages.length;
        Arrays.fill(received, 0);
        for (int i = 0; i < n; i++) {
            // The pair index is the context, so a completion finds its pair without a lookup.
            watcher.write(ids[i], pairs.a[i], messages[i].readerIndex(0));
            watcher.read(ids[i], pairs.b[i], readBuffers == null ? null : readBuffers[i].clear());
        }
        int pending = 2 * n;
        while (pending > 0) {
            waitIOCalls++;
            for (OpResult r : watcher.waitIO()) {
                completions++;
                if (!r.isSuccess()) {
                    throw new IllegalStateException("a benchmark transfer failed: " + r);
                }
                int i = (Integer) r.context();
                if (r.operation() == Operation.WRITE) {
                    pending--;
                } else if ((received[i] += r.size()) == MESSAGE_SIZE) {
                    pending--;
                } else {
                    // TCP may deliver a message in pieces; read the rest.
                    watcher.read(ids[i], pairs.b[i], readBuffers == null ? null : readBuffers[i]);
                }
            }
        }
        return n;
    }

    void close() {
        ThreadAllocationProfiler.threadsEnding();
        watcher.close();
        for (ByteBuf b : messages) {
            b.release();
        }
        if (readBuffers != null) {
            for (ByteBuf b : readBuffers) {
                b.release();
            }
        }
    }
}

package io.gaio.conformance;

import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's memory at one moment, for the tests that bound it and for the soak's report: the heap in use (after
 * garbage collection, when taken with {@link #afterGc()}), Netty's pooled direct memory (what
 * {@code PooledByteBufAllocator.DEFAULT} holds from the system, in whole pool chunks, and the part of it pinned by
 * live buffers, which is exact to the buffer), the JDK's own direct buffers, and the resident set size.
 */
final class MemorySample {
    private static final Path STATUS = Path.of("/proc/self/status");

    /** Heap in use, bytes. */
    final long heap;
    /** Whether the sample was taken right after garbage collection, so that {@link #heap} is what is reachable. */
    final boolean collected;
    /** {@code PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory()}: pool chunks taken from the system. */
    final long directUsed;
    /** {@code PooledByteBufAllocator.DEFAULT.pinnedDirectMemory()}: the part of it held by live buffers. */
    final long directPinned;
    /** Direct {@code ByteBuffer}s of the JDK (its "direct" buffer pool), outside Netty's pool. */
    final long jdkDirect;
    /** Resident set size, or -1 where {@code /proc/self/status} is missing. */
    final long rss;

    private MemorySample(long heap, boolean collected) {
        this.heap = heap;
        this.collected = collected;
        this.directUsed = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
        this.directPinned = PooledByteBufAllocator.DEFAULT.pinnedDirectMemory();
        this.jdkDirect = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
        this.rss = rss();
    }

    /** A sample now, without garbage collection: the heap figure includes garbage. */
    static MemorySample now() {
        return new MemorySample(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), false);
    }

    /** A sample after full garbage collections, so that the heap figure is what is reachable. */
    static MemorySample afterGc() throws InterruptedException {
        for (int i = 0; i < 2; i++) {
            System.gc();
            Thread.sleep(20);
        }
        return new MemorySample(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), true);
    }

    /** Bytes as MiB with one decimal. */
    static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / (1024.0 * 1024.0));
    }

    private static long rss() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    @Override
    public String toString() {
        return (collected ? "heap after GC " : "heap (with garbage) ") + mib(heap) + ", pooled direct "
                + mib(directUsed) + " (pinned " + mib(directPinned) + "), JDK direct " + mib(jdkDirect) + ", RSS "
                + (rss < 0 ? "?" : mib(rss));
    }
}

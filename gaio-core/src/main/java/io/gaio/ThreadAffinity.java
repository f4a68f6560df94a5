package io.gaio;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.concurrent.TimeUnit;

/**
 * Pins a thread to one CPU, gaio's {@code SetLoopAffinity}. The JDK has no API for it and Java 17 no foreign-function
 * API, so on Linux the thread's kernel id is read from {@code /proc/thread-self} and handed to util-linux's
 * {@code taskset}. Elsewhere pinning is refused with an exception that says so.
 */
final class ThreadAffinity {
    private static final Path THREAD_SELF = Path.of("/proc/thread-self");

    private ThreadAffinity() {
    }

    /** Fails with {@link InvalidCpuException} unless this process may run on {@code cpu}. */
    static void validate(int cpu) {
        BitSet allowed = allowedCpus();
        if (cpu < 0 || !allowed.get(cpu)) {
            throw new InvalidCpuException("CPU " + cpu + " is not one this process may run on; pick one of "
                    + allowed.toString().replace('{', '[').replace('}', ']'));
        }
    }

    /** Pins the calling thread to {@code cpu}. */
    static void pinCurrentThread(int cpu) throws IOException, InterruptedException {
        if (!Files.isDirectory(THREAD_SELF)) {
            throw new UnsupportedOperationException("pinning the event loop to a CPU needs Linux (/proc/thread-self "
                    + "and taskset); this is " + System.getProperty("os.name") + ": leave loopAffinity unset");
        }
        String tid = Files.readSymbolicLink(THREAD_SELF).getFileName().toString();
        Process taskset = new ProcessBuilder("taskset", "-p", "-c", Integer.toString(cpu), tid)
                .redirectErrorStream(true).start();
        String output = new String(taskset.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!taskset.waitFor(10, TimeUnit.SECONDS) || taskset.exitValue() != 0) {
            throw new IOException("taskset could not pin thread " + tid + " to CPU " + cpu + ": " + output);
        }
    }

    /** The CPUs this process may run on: Linux's Cpus_allowed_list, else 0 .. availableProcessors - 1. */
    private static BitSet allowedCpus() {
        BitSet cpus = new BitSet();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    for (String range : line.substring(line.indexOf(':') + 1).trim().split(",")) {
                        String[] ends = range.split("-");
                        int from = Integer.parseInt(ends[0].trim());
                        cpus.set(from, Integer.parseInt(ends[ends.length - 1].trim()) + 1);
                    }
                    return cpus;
                }
            }
        } catch (IOException | RuntimeException notLinux) {
            cpus.clear();
        }
        cpus.set(0, Runtime.getRuntime().availableProcessors());
        return cpus;
    }
}

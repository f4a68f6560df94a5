package io.gaio.benchmarks.runner;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Counts a process's system calls with {@code perf stat -e raw_syscalls:sys_enter}, a tracepoint counted in the
 * kernel (nothing goes to user space per call, unlike strace). Starting perf takes tens of milliseconds, so it is
 * attached before the load generator starts, with its counters off ({@code -D -1}), and switched on and off at the
 * load generator's window marks through perf's control FIFO; perf acknowledges each command, so counting has begun
 * (or ended) when {@link #enable} (or {@link #disable}) returns. Threads the process starts later are counted too
 * (perf stat's counters are inherited). While perf is attached every thread of the machine takes the kernel's
 * slower system-call path that tracepoints need, the same for every server; it did not change the C server's rates
 * beyond their run-to-run noise.
 */
final class PerfStat implements AutoCloseable {
    static final String EVENT = "raw_syscalls:sys_enter";
    private static final long ACK_TIMEOUT_MILLIS = 10_000;

    private final Path dir;
    private final Process perf;
    private final RandomAccessFile control;
    private final RandomAccessFile ack;
    /** The ack FIFO again, for {@link FileInputStream#available()}: a read on a FIFO cannot time out. */
    private final FileInputStream answers;

    private PerfStat(Path dir, Process perf, RandomAccessFile control, RandomAccessFile ack) throws IOException {
        this.dir = dir;
        this.perf = perf;
        this.control = control;
        this.ack = ack;
        this.answers = new FileInputStream(ack.getFD());
    }

    /**
     * Starts perf on every thread of {@code pid}, counters off, and waits until it answers.
     *
     * @param log where perf's messages go
     * @throws IOException when perf is missing, cannot attach, or does not answer
     */
    static PerfStat attach(long pid, Path log) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("gaio-perf");
        Path controlFifo = dir.resolve("control");
        Path ackFifo = dir.resolve("ack");
        RandomAccessFile control = null;
        RandomAccessFile ack = null;
        Process perf = null;
        boolean attached = false;
        try {
            mkfifo(controlFifo);
            mkfifo(ackFifo);
            // Read-write opens of a FIFO never block; perf opens the ack FIFO for writing only if a reader has it.
            control = new RandomAccessFile(controlFifo.toFile(), "rw");
            ack = new RandomAccessFile(ackFifo.toFile(), "rw");
            perf = new ProcessBuilder("perf", "stat", "-x,", "-e", EVENT, "-p", String.valueOf(pid), "-D", "-1",
                    "--control", "fifo:" + controlFifo + "," + ackFifo, "-o", dir.resolve("counts").toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            PerfStat stat = new PerfStat(dir, perf, control, ack);
            stat.command("ping"); // answered once perf has attached
            attached = true;
            return stat;
        } finally {
            if (!attached) {
                release(perf, control, ack, dir);
            }
        }
    }

    void enable() throws IOException, InterruptedException {
        command("enable");
    }

    void disable() throws IOException, InterruptedException {
        command("disable");
    }

    /**
     * Stops perf with SIGINT, on which it prints its counts, and returns the system calls counted while enabled.
     *
     * @throws IOException when perf exits without a count
     */
    long stop() throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-INT", String.valueOf(perf.pid())).inheritIO().start();
        if (kill.waitFor() != 0 || !perf.waitFor(ACK_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
            throw new IOException("perf stat did not stop on SIGINT");
        }
        return count(Files.readAllLines(dir.resolve("counts")))
                .orElseThrow(() -> new IOException("perf stat counted no " + EVENT + " (see perf.log)"));
    }

    /**
     * The count in perf stat's CSV output ({@code -x,}: value, unit, event, ...); empty when perf wrote
     * {@code <not counted>} or {@code <not supported>} instead.
     */
    static OptionalLong count(List<String> csv) {
        for (String line : csv) {
            String[] f = line.split(",");
            if (f.length > 2 && f[2].equals(EVENT)) {
                return f[0].matches("[0-9]+") ? OptionalLong.of(Long.parseLong(f[0])) : OptionalLong.empty();
            }
        }
        return OptionalLong.empty();
    }

    /** Sends one command and waits for perf's "ack" (which perf follows with a NUL byte, skipped). */
    private void command(String command) throws IOException, InterruptedException {
        control.write((command + "\n").getBytes(StandardCharsets.US_ASCII));
        // Polled, so that a perf that died cannot hang the runner.
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ACK_TIMEOUT_MILLIS);
        StringBuilder answer = new StringBuilder();
        while (!answer.toString().endsWith("\n")) {
            if (answers.available() > 0) {
                int c = answers.read();
                if (c != 0) {
                    answer.append((char) c);
                }
            } else if (!perf.isAlive()) {
                throw new IOException("perf stat exited with status " + perf.exitValue() + " (see perf.log)");
            } else if (System.nanoTime() > deadline) {
                throw new IOException("perf stat did not acknowledge '" + command + "' in " + ACK_TIMEOUT_MILLIS
                        + " ms");
            } else {
                Thread.sleep(1);
            }
        }
        if (!answer.toString().equals("ack\n")) {
            throw new IOException("perf stat answered '" + answer.toString().trim() + "' to '" + command + "'");
        }
    }

    private static void mkfifo(Path path) throws IOException, InterruptedException {
        if (new ProcessBuilder("mkfifo", path.toString()).inheritIO().start().waitFor() != 0) {
            throw new IOException("mkfifo " + path + " failed");
        }
    }

    @Override
    public void close() {
        release(perf, control, ack, dir);
    }

    /** Ends perf if it still runs and removes the FIFOs; any argument may be {@code null}. */
    private static void release(Process perf, RandomAccessFile control, RandomAccessFile ack, Path dir) {
        try {
            if (perf != null) {
                perf.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            if (control != null) {
                control.close();
            }
            if (ack != null) {
                ack.close();
            }
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        } catch (IOException ignored) {
            // A temporary directory left behind.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

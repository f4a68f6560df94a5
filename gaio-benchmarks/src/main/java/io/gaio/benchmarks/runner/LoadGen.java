package io.gaio.benchmarks.runner;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the C load generator ({@code src/main/c/loadgen.c}), pinned to a CPU with {@code taskset}, answers the steps
 * it stops at, and parses its {@code RESULT} line.
 */
final class LoadGen {
    static final String CLIENT_CPU = "1";

    /** Called at each step of the idle load, while every connection idles; returns when the sample is taken. */
    interface IdleStep {
        void reached(int connections) throws IOException, InterruptedException;
    }

    /**
     * Called where the window of a busy load begins and ends ({@code loadgen -M}), while the server idles; the load
     * generator goes on when the call returns.
     */
    interface Window {
        void begin() throws InterruptedException;

        void end() throws InterruptedException;
    }

    /** Links OpenSSL for {@code -t}. */
    private static final String[] LIBRARIES = {"-lssl", "-lcrypto"};

    private final Path binary;
    private final String cpu;
    private final int timeoutSeconds;
    private final Path log;

    /**
     * @param cpu            the CPU to pin it to, or {@code null} to leave it unpinned (tests)
     * @param timeoutSeconds how long one load may take before the load generator gives up
     * @param log            where its standard error goes
     */
    LoadGen(Path binary, String cpu, int timeoutSeconds, Path log) {
        this.binary = binary;
        this.cpu = cpu;
        this.timeoutSeconds = timeoutSeconds;
        this.log = log;
    }

    /** Builds the load generator into {@code outDir} ({@link NativeBuild}). */
    static Path build(Path outDir) throws IOException, InterruptedException {
        return NativeBuild.compile("loadgen", outDir, LIBRARIES);
    }

    /**
     * Runs one load and waits for it.
     *
     * @param source the source address to connect from, fresh for every run
     * @param onIdle called at each {@code IDLE} step; only for the idle load
     * @param window called at the window's marks, or {@code null} for no marks; not for the idle load
     * @return the {@code RESULT} fields, plus {@code exit}, the load generator's exit status
     */
    Map<String, String> run(Load load, int port, String source, IdleStep onIdle, Window window)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(cpu == null ? List.of() : List.of("taskset", "-c", cpu));
        cmd.addAll(List.of(binary.toString(), "-p", String.valueOf(port), "-S", source,
                "-T", String.valueOf(timeoutSeconds)));
        cmd.addAll(load.loadgenArgs());
        if (window != null) {
            cmd.add("-M");
        }
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        Map<String, String> result = new HashMap<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             Writer in = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("RESULT ")) {
                    result.putAll(parse(line));
                } else if (answer(line, onIdle, window)) {
                    in.write("\n");
                    in.flush();
                }
            }
        } finally {
            if (!p.waitFor(timeoutSeconds + 10L, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
        result.put("exit", String.valueOf(p.exitValue()));
        return result;
    }

    /** Runs the callback for a line at which the load generator waits for one on its input; false for other lines. */
    private static boolean answer(String line, IdleStep onIdle, Window window)
            throws IOException, InterruptedException {
        if (line.startsWith("IDLE ") && onIdle != null) {
            onIdle.reached(Integer.parseInt(line.split(" ")[1]));
            return true;
        }
        if (line.startsWith("WINDOW ") && window != null) {
            if (line.equals("WINDOW begin")) {
                window.begin();
            } else {
                window.end();
            }
            return true;
        }
        return false;
    }

    static Map<String, String> parse(String resultLine) {
        Map<String, String> fields = new HashMap<>();
        for (String kv : resultLine.substring("RESULT ".length()).trim().split(" ")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                fields.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return fields;
    }
}

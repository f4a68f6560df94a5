package io.gaio.benchmarks.runner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/** Facts about the machine that go into the report, read from /proc (and OpenSSL's version). */
final class Environment {
    private Environment() {
    }

    /** The 1-, 5- and 15-minute load averages, e.g. {@code 0.12 0.30 0.41}. */
    static String loadAverage() {
        String avg = read("/proc/loadavg");
        String[] f = avg.split(" ");
        return f.length >= 3 ? f[0] + " " + f[1] + " " + f[2] : avg;
    }

    /** The 1-minute load average, or 0 when unknown. */
    static double loadAverage1() {
        try {
            return Double.parseDouble(loadAverage().split(" ")[0]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static String describe() {
        String cpu = "unknown CPU";
        for (String line : read("/proc/cpuinfo").split("\n")) {
            if (line.startsWith("model name")) {
                cpu = line.substring(line.indexOf(':') + 1).trim();
                break;
            }
        }
        return String.format("%s, %d CPUs; Linux %s; %s", cpu, Runtime.getRuntime().availableProcessors(),
                read("/proc/sys/kernel/osrelease"), ZonedDateTime.now().format(DateTimeFormatter.RFC_1123_DATE_TIME));
    }

    /**
     * What {@code openssl version} says, e.g. {@code OpenSSL 3.0.15 3 Sep 2024}: the library the load generator links
     * comes from the same installation.
     */
    static String openSslVersion() throws InterruptedException {
        try {
            Process p = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor() == 0 ? out : "OpenSSL (version unknown: " + out + ")";
        } catch (IOException e) {
            return "OpenSSL (version unknown: " + e.getMessage() + ")";
        }
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file)).trim();
        } catch (IOException e) {
            return "?";
        }
    }
}

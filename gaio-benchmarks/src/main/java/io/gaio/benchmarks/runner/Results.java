package io.gaio.benchmarks.runner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.TreeSet;

/** Every sample of a benchmark run, with medians over repetitions and ratios to the baseline server. */
final class Results {
    private final List<Sample> samples = new ArrayList<>();

    synchronized void add(Sample sample) {
        samples.add(sample);
    }

    synchronized List<Sample> all() {
        return List.copyOf(samples);
    }

    /** The metric's values over the successful repetitions, in order. */
    synchronized List<Double> values(ServerKind server, Load load, String metric) {
        List<Double> values = new ArrayList<>();
        for (Sample s : samples) {
            if (s.server() == server && s.load().equals(load) && s.ok() && s.metrics().containsKey(metric)) {
                values.add(s.metrics().get(metric));
            }
        }
        return values;
    }

    synchronized List<Sample> failures(ServerKind server, Load load) {
        return samples.stream().filter(s -> s.server() == server && s.load().equals(load) && !s.ok()).toList();
    }

    OptionalDouble median(ServerKind server, Load load, String metric) {
        return median(values(server, load, metric));
    }

    /**
     * This server's median over the baseline's; empty when either is missing or negative, or the baseline's is zero
     * (an RSS slope can be below zero, and a ratio with it would mean nothing).
     */
    OptionalDouble ratio(ServerKind server, Load load, String metric) {
        OptionalDouble mine = median(server, load, metric);
        OptionalDouble base = median(ServerKind.BASELINE, load, metric);
        return mine.isPresent() && base.isPresent() && mine.getAsDouble() >= 0 && base.getAsDouble() > 0
                ? OptionalDouble.of(mine.getAsDouble() / base.getAsDouble()) : OptionalDouble.empty();
    }

    static OptionalDouble median(List<Double> values) {
        if (values.isEmpty()) {
            return OptionalDouble.empty();
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int mid = v.length / 2;
        return OptionalDouble.of(v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2);
    }

    /** Every sample as one CSV row per metric, for anyone who wants to redo the statistics. */
    synchronized void writeCsv(Path file) throws IOException {
        List<String> lines = new ArrayList<>(List.of("server,load,repetition,metric,value,failure"));
        for (Sample s : samples) {
            String failure = s.ok() ? "" : '"' + s.failure().replace('"', '\'') + '"';
            if (s.metrics().isEmpty()) {
                lines.add(String.join(",", s.server().id, s.load().id(), String.valueOf(s.repetition()), "", "",
                        failure));
            }
            for (String metric : new TreeSet<>(s.metrics().keySet())) {
                lines.add(String.join(",", s.server().id, s.load().id(), String.valueOf(s.repetition()), metric,
                        String.valueOf(s.metrics().get(metric)), failure));
            }
        }
        Files.write(file, lines);
    }
}

package io.gaio.micrometer;

import io.gaio.Watcher;
import io.gaio.WatcherMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Binds a {@link Watcher}'s {@link Watcher#metrics() metrics} to a Micrometer registry, under the prefix
 * {@code gaio.}, every meter tagged with {@code transport} and the tags given here:
 * <pre>{@code
 * new WatcherMeterBinder(watcher, Tags.of("watcher", "echo")).bindTo(registry);
 * }</pre>
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>what</th></tr>
 *   <tr><td>{@value #PREFIX}connections</td><td>gauge</td><td></td><td>open connections</td></tr>
 *   <tr><td>{@value #PREFIX}listeners</td><td>gauge</td><td></td><td>open listeners</td></tr>
 *   <tr><td>{@value #PREFIX}requests.pending</td><td>gauge</td><td>{@code operation}: read, write, accept,
 *       connect</td><td>requests taken and not completed (write counts {@code shutdownOutput}s too)</td></tr>
 *   <tr><td>{@value #PREFIX}swap.buffers</td><td>gauge</td><td></td><td>swap buffers allocated</td></tr>
 *   <tr><td>{@value #PREFIX}swap.buffers.max</td><td>gauge</td><td></td><td>their bound</td></tr>
 *   <tr><td>{@value #PREFIX}reads.starved</td><td>gauge</td><td></td><td>reads waiting for swap space</td></tr>
 *   <tr><td>{@value #PREFIX}reads.starvations</td><td>function counter</td><td></td><td>times a read waited for
 *       swap space</td></tr>
 *   <tr><td>{@value #PREFIX}completions</td><td>function counter</td><td></td><td>requests completed</td></tr>
 *   <tr><td>{@value #PREFIX}bytes.read, {@value #PREFIX}bytes.written</td><td>function counter</td><td></td>
 *       <td>bytes moved by completed requests</td></tr>
 *   <tr><td>{@value #PREFIX}errors</td><td>function counter</td><td>{@code kind}: eof, deadline, closed,
 *       io</td><td>requests that ended with an error</td></tr>
 * </table>
 *
 * <p>Every meter reads a fresh snapshot when the registry polls it: lock-free and cheap (see {@link WatcherMetrics}),
 * so figures polled together may be a moment apart. The meters hold the watcher weakly: once it is collected they
 * report NaN, as Micrometer's gauges of a collected object do. A closed watcher reports its last figures.
 */
public final class WatcherMeterBinder implements MeterBinder {
    /** The prefix of every meter's name. */
    public static final String PREFIX = "gaio.";

    private final Watcher watcher;
    private final Tags tags;

    /**
     * A binder for {@code watcher}'s metrics.
     *
     * @param watcher the watcher
     * @param tags    tags for every meter, besides {@code transport}; for example the watcher's role
     */
    public WatcherMeterBinder(Watcher watcher, Iterable<Tag> tags) {
        this.watcher = Objects.requireNonNull(watcher, "watcher");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags")).and("transport", watcher.transport());
    }

    /**
     * A binder for {@code watcher}'s metrics, tagged with {@code transport} only.
     *
     * @param watcher the watcher
     */
    public WatcherMeterBinder(Watcher watcher) {
        this(watcher, Tags.empty());
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        gauge(registry, "connections", "connections", "open connections", WatcherMetrics::connections, Tags.empty());
        gauge(registry, "listeners", "listeners", "open listeners", WatcherMetrics::listeners, Tags.empty());
        String pending = "requests taken by the event loop and not completed";
        gauge(registry, "requests.pending", "requests", pending, WatcherMetrics::pendingReads,
                Tags.of("operation", "read"));
        gauge(registry, "requests.pending", "requests", pending + " (shutdownOutputs included)",
                WatcherMetrics::pendingWrites, Tags.of("operation", "write"));
        gauge(registry, "requests.pending", "requests", pending, WatcherMetrics::pendingAccepts,
                Tags.of("operation", "accept"));
        gauge(registry, "requests.pending", "requests", pending, WatcherMetrics::pendingConnects,
                Tags.of("operation", "connect"));
        gauge(registry, "swap.buffers", "buffers", "swap buffers allocated", WatcherMetrics::swapBuffers,
                Tags.empty());
        gauge(registry, "swap.buffers.max", "buffers", "the bound on swap buffers", WatcherMetrics::maxSwapBuffers,
                Tags.empty());
        gauge(registry, "reads.starved", "reads", "reads waiting for swap space", WatcherMetrics::starvedReads,
                Tags.empty());
        counter(registry, "reads.starvations", "reads", "times a read waited for swap space",
                WatcherMetrics::starvations, Tags.empty());
        counter(registry, "completions", "requests", "requests completed", WatcherMetrics::completions,
                Tags.empty());
        counter(registry, "bytes.read", BaseUnits.BYTES, "bytes received by completed reads",
                WatcherMetrics::bytesRead, Tags.empty());
        counter(registry, "bytes.written", BaseUnits.BYTES, "bytes sent by completed writes",
                WatcherMetrics::bytesWritten, Tags.empty());
        String errors = "requests that ended with an error";
        counter(registry, "errors", "requests", errors + ": end of stream", WatcherMetrics::endOfStreams,
                Tags.of("kind", "eof"));
        counter(registry, "errors", "requests", errors + ": deadline passed", WatcherMetrics::deadlinesExpired,
                Tags.of("kind", "deadline"));
        counter(registry, "errors", "requests", errors + ": connection, listener or watcher closed",
                WatcherMetrics::closedErrors, Tags.of("kind", "closed"));
        counter(registry, "errors", "requests", errors + ": reset, refused or other I/O error",
                WatcherMetrics::ioErrors, Tags.of("kind", "io"));
    }

    private void gauge(MeterRegistry registry, String name, String unit, String description,
                       ToDoubleFunction<WatcherMetrics> figure, Tags more) {
        Gauge.builder(PREFIX + name, watcher, w -> figure.applyAsDouble(w.metrics()))
                .tags(tags.and(more)).baseUnit(unit).description(description).register(registry);
    }

    private void counter(MeterRegistry registry, String name, String unit, String description,
                         ToDoubleFunction<WatcherMetrics> figure, Tags more) {
        FunctionCounter.builder(PREFIX + name, watcher, w -> figure.applyAsDouble(w.metrics()))
                .tags(tags.and(more)).baseUnit(unit).description(description).register(registry);
    }
}

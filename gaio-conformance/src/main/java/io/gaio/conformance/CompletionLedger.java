package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.gaio.OpResult;
import io.gaio.Watcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The books of the reliability tests: every request is {@linkplain #open() opened} with a fresh id, which is its
 * context, before it is submitted (a completion may arrive before the submitting call returns); a submission that
 * throws is {@linkplain #reject rejected}; every completion {@linkplain #complete closes} its id. A completion of an id
 * never opened or already closed is recorded as a problem. At the end, {@link #assertSettled()} checks that every
 * request completed exactly once: submitted = completed + rejected, nothing outstanding, no problem.
 *
 * <p>Thread-safe: any number of threads may open and reject while one thread completes.
 */
final class CompletionLedger {
    private static final int MAX_PROBLEMS = 20;

    private final String name;
    private final AtomicLong nextId = new AtomicLong();
    private final Set<Long> outstanding = ConcurrentHashMap.newKeySet();
    private final LongAdder submitted = new LongAdder();
    private final LongAdder completed = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    private final Queue<String> problems = new ConcurrentLinkedQueue<>();
    private final AtomicLong problemCount = new AtomicLong();

    /** A ledger whose {@link #toString()} starts with {@code name}. */
    CompletionLedger(String name) {
        this.name = name;
    }

    /** Opens a request: the returned id is the context to submit it with. */
    Long open() {
        Long id = nextId.getAndIncrement();
        outstanding.add(id);
        submitted.increment();
        return id;
    }

    /** The submission of {@code id} threw {@code e}: the request was never taken and will not complete. */
    void reject(Long id, RuntimeException e) {
        if (!outstanding.remove(id)) {
            problem("request " + id + " was rejected at submission (" + e + ") but had completed already");
        }
        rejected.increment();
        outcomes.computeIfAbsent("rejected: " + e.getClass().getSimpleName(), k -> new LongAdder()).increment();
    }

    /** Books a completion; a duplicate or unknown one is recorded as a problem. */
    void complete(OpResult r) {
        Object ctx = r.context();
        if (!(ctx instanceof Long) || !outstanding.remove(ctx)) {
            problem("a completion of a request that was not outstanding (completed twice, or never submitted): "
                    + r + ", context " + ctx);
            return;
        }
        completed.increment();
        outcomes.computeIfAbsent(outcome(r), k -> new LongAdder()).increment();
    }

    /** Requests opened and neither completed nor rejected yet. */
    int outstanding() {
        return outstanding.size();
    }

    long submitted() {
        return submitted.sum();
    }

    long completed() {
        return completed.sum();
    }

    long rejected() {
        return rejected.sum();
    }

    /** How many completions had {@code outcome}: "ok", or the simple class name of the error. */
    long count(String outcome) {
        LongAdder n = outcomes.get(outcome);
        return n == null ? 0 : n.sum();
    }

    /**
     * Collects completions until nothing is outstanding, booking each and then passing it to {@code each} while its
     * swap-buffer slice is valid; fails when that takes longer than {@code timeout}.
     */
    void awaitSettled(Watcher w, Duration timeout, Consumer<OpResult> each) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!outstanding.isEmpty()) {
            if (System.nanoTime() - deadline > 0) {
                fail(outstanding.size() + " requests still outstanding after " + timeout + ": " + this
                        + "; for example ids " + outstanding.stream().limit(10).toList());
            }
            for (OpResult r : w.waitIO(Duration.ofMillis(100))) {
                complete(r);
                each.accept(r);
            }
        }
    }

    /**
     * Collects the completions of a closed watcher until {@code waitIO()} says it returned every one
     * ({@link TransportTestBase#collectUntilClosed}), booking each and then passing it to {@code each}.
     */
    void awaitClosed(Watcher w, Duration timeout, Consumer<OpResult> each) throws InterruptedException {
        TransportTestBase.collectUntilClosed(w, timeout, r -> {
            complete(r);
            each.accept(r);
        });
    }

    /** {@link #awaitSettled(Watcher, Duration, Consumer)} without looking at the results. */
    void awaitSettled(Watcher w, Duration timeout) throws InterruptedException {
        awaitSettled(w, timeout, r -> { });
    }

    /**
     * Waits until nothing is outstanding while another thread, which collects the completions (an
     * {@link EchoServer}), books them; fails when that takes longer than {@code timeout}.
     */
    void awaitBookedElsewhere(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!outstanding.isEmpty()) {
            if (System.nanoTime() - deadline > 0) {
                fail(outstanding.size() + " requests still outstanding after " + timeout + ": " + this);
            }
            Thread.sleep(10);
        }
    }

    /** Collects exactly {@code n} completions (booking each) and returns them; their slices are no longer valid. */
    List<OpResult> await(Watcher w, int n) throws InterruptedException {
        List<OpResult> got = new ArrayList<>(n);
        TransportTestBase.collect(w, n, TransportTestBase.WAIT, r -> {
            complete(r);
            got.add(r);
        });
        return got;
    }

    /** Every request completed exactly once or was rejected at submission: submitted = completed + rejected. */
    void assertSettled() {
        if (problemCount.get() > 0) {
            fail(problemCount.get() + " booking problems, for example: " + String.join("; ", problems) + "; " + this);
        }
        assertEquals(0, outstanding.size(), () -> "requests never completed: " + this);
        assertEquals(submitted(), completed() + rejected(), () -> "submitted = completed + rejected: " + this);
    }

    private void problem(String what) {
        if (problemCount.incrementAndGet() <= MAX_PROBLEMS) {
            problems.add(what);
        }
    }

    private static String outcome(OpResult r) {
        return r.error() == null ? "ok" : r.error().getClass().getSimpleName();
    }

    @Override
    public String toString() {
        Map<String, Long> byOutcome = new TreeMap<>();
        outcomes.forEach((k, v) -> byOutcome.put(k, v.sum()));
        return name + ": submitted " + submitted() + ", completed " + completed() + ", rejected " + rejected()
                + ", outstanding " + outstanding.size() + ", outcomes " + byOutcome;
    }

    /** Prints the books, for the test's output file. */
    void print() {
        System.out.println(this);
    }
}

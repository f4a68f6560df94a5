package io.gaio;

import java.util.List;

/**
 * Receives a watcher's completions on its event loop thread, instead of a thread calling {@link Watcher#waitIO()}:
 * the alternative that saves the hand-off between two threads per batch, for handlers that never block.
 *
 * <pre>{@code
 * Watcher[] w = new Watcher[1];
 * w[0] = Watcher.builder().completionHandler(batch -> {
 *     for (OpResult res : batch) {
 *         if (!res.isSuccess()) {
 *             w[0].free(res.connection());
 *         } else if (res.operation() == Operation.READ) {
 *             w[0].write(null, res.connection(), res.buffer().retain());   // slice valid until we return
 *         } else {
 *             res.buffer().release();
 *             w[0].read(null, res.connection(), null);
 *         }
 *     }
 * }).build();
 * }</pre>
 *
 * <p>The rules of {@code waitIO()} hold with "until the handler returns" for "until the next {@code waitIO()}": the
 * batch and its swap-buffer slices are valid until then. Requests submitted from the handler go to the engine at
 * once, without crossing threads. The handler runs on the event loop, so it must not block (a blocking handler
 * stalls every connection of the watcher, and every other channel of a shared Netty loop); an exception it throws
 * is logged and the watcher goes on. The watcher holds the handler, so a watcher with a handler is not cleaned up
 * when dropped: close it. Closing hands the requests still pending to the handler in a last call, with
 * {@link WatcherClosedException} (see {@link Watcher#close()}); requests it submits then are refused.
 */
@FunctionalInterface
public interface CompletionHandler {

    /**
     * Handles one batch of completions, on the watcher's event loop thread.
     *
     * @param batch the completions, at least one; valid until this method returns
     */
    void onCompletions(List<OpResult> batch);
}

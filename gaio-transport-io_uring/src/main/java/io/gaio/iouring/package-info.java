/**
 * The Linux transport {@code io_uring}: requests become io_uring submissions into the caller's buffers, and their
 * completions become gaio's results. Listeners and connects of the watcher's own accept and connect natively on the
 * event loop, waiting with poll submissions; the watcher keeps its own duplicate of every delegated socket. Opt-in.
 * See {@link io.gaio.iouring.IoUringTransportProvider}.
 */
package io.gaio.iouring;

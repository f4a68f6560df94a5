/**
 * gaio's public API: a {@link io.gaio.Watcher} takes reads and writes on many TCP connections and returns their
 * completions ({@link io.gaio.OpResult}) in batches. {@link io.gaio.Transports} lists the transports on the class
 * path. Everything else in this package is the engine, package-private.
 */
package io.gaio;

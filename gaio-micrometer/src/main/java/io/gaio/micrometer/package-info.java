/**
 * gaio's optional Micrometer binding: {@link io.gaio.micrometer.WatcherMeterBinder} registers a watcher's metrics as
 * gauges and function counters under the prefix {@code gaio.}.
 */
package io.gaio.micrometer;

/**
 * Synod's own logging, configured from Patroni's {@code log} section through Logback: the level and
 * per-logger levels, Python's {@code %(field)s} format and strftime date format, JSON lines, and
 * {@code <log.dir>/synod.log} rotated by size like Python's RotatingFileHandler ({@code file_size},
 * {@code file_num}, {@code mode}). {@link io.synod.engine.log.LogSetup#apply} is called once the
 * node's YAML is read, before its warnings are logged.
 */
package io.synod.engine.log;

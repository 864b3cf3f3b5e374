package io.synod.bench.drill;

import java.util.Map;

/** One trial: its number, the timed result in ms, and what else was seen (who, breakdown, gap). */
public record TrialResult(int trial, double ms, Map<String, Object> extra) {}

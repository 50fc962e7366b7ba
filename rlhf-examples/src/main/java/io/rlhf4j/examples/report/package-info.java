/**
 * Charts and HTML reports of training runs: {@link io.rlhf4j.examples.report.LineChart} (PNG, by
 * XChart) and {@link io.rlhf4j.examples.report.RunReport}, the page {@code rlhf4j report} writes
 * for any run folder.
 */
package io.rlhf4j.examples.report;

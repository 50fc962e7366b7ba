/**
 * Human feedback in a browser: a ranking web app ({@link io.rlhf4j.label.LabelServer}) over a
 * durable round of labels ({@link io.rlhf4j.label.LabelSession}), and the {@link
 * io.rlhf4j.label.BrowserLabeler} through which a pipeline waits for people.
 */
package io.rlhf4j.label;

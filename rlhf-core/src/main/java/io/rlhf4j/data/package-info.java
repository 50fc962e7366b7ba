/**
 * Preference data of RLHF: demonstrations, pairwise comparisons and K-wise rankings (with whether
 * each response was cut off), labelers that rank responses, and the held-out split. The bottom
 * layer of rlhf-core: it depends on nothing else here.
 */
package io.rlhf4j.data;

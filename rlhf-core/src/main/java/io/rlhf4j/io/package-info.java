/**
 * Files: opening inputs with errors that name the file and the problem, and writing outputs
 * atomically and durably (write, force, rename, force the folder), with the crash recovery every
 * checkpoint and data file of rlhf4j goes through.
 */
package io.rlhf4j.io;

// Package master turns a finished stereo mix into a release-ready master: it
// analyzes the programme, decides EQ, dynamics, width and loudness from the
// analysis (or from a reference track), renders the chain in a few
// streaming passes so that memory is bounded by lookahead and block sizes,
// lands the integrated loudness within 0.1 LU of the target with the true
// peak under the ceiling, and writes a report that explains every decision.
// It also assembles albums: per-song masters with album-wide loudness,
// gaps and crossfades, a continuous file and a CUE sheet.
package master

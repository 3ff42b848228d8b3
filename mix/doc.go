// Package mix renders mix sessions (see mix/session): dozens of tracks, each
// with its level, position, inserts, sends and automation, grouped in buses,
// sent to shared effect returns, summed on a master bus with its own chain,
// out to mono, stereo or 5.1, with per-track, per-bus and master meters.
//
// # Use
//
// RenderFile loads a session file and renders it to an audio file (and
// stems); `mixdown mix` is a thin layer over it. For more control, load a
// session with session.Load, Compile it into an Engine and Render it to any
// audio.Writer. WriteDemo writes a demo song's stems and session.
//
//	rep, err := mix.RenderFile(ctx, "session.yaml", "mix.wav", mix.FileOptions{})
//
// The render ends at the session's length_s if it has one; otherwise where
// the sources end, unless something is still sounding there (a reverb or
// echo tail), in which case it runs on until the master has stayed below
// -100 dBFS for 0.1 s, for at most tail_s.
//
// # Graph
//
// Compile turns a session into a graph of nodes: one per track, one per
// bus and the master. A track reads its file (a compressed or resampled
// source is decoded ahead of time on its own goroutine; PCM at the session
// rate is read in place), places the region on
// the timeline (offset, trim, fades, polarity), runs its insert chain, and
// then feeds each of its edges: the main output into the bus it is routed
// to, and each send into its return bus. An edge multiplies by the fader
// (unless it is a pre-fader send) and the send level, and places the
// node's channels into the destination's layout (pan law, stereo balance
// and width, or 5.1 angle and LFE). A bus sums its input edges in a fixed
// order (the session's), runs its own chain and feeds its edges in turn.
//
// # Latency compensation
//
// Every insert reports its latency (Processor.Latency, in frames). A node's
// output latency is its input latency plus its chain's. Where paths meet,
// the earlier ones are delayed: each input of a bus is delayed to the
// latest input's latency, so sends, groups and direct outputs stay
// sample-aligned; a sidechain key is delayed to the latency of the stage
// it keys, or, if the key is the later one, the stage's own input is
// delayed instead. The master's output latency L is removed at the end:
// the render runs L frames longer and drops the first L, so the output is
// aligned with the session timeline, and stems are delayed to match.
//
// # Threading
//
// Nodes are grouped in levels: a node's level is one above the highest
// level of the nodes it needs (its inputs and its sidechain keys), so the
// nodes of a level are independent. The levels run as a pipeline over
// blocks: in each step every level processes its next block, level l
// working on block s-l in step s, so the tracks of one block run at the
// same time as the buses of the previous one and the master of the one
// before; the goroutine that called Render meanwhile delivers the
// master's finished block to the writers and meters. Between levels,
// blocks pass through rings of buffers deep enough for that. Blocks that
// start after the end of the sources are processed only once the previous
// block has been delivered, so a render that ends on its tail stops every
// node (and meter) where it always did.
//
// The nodes of a level are grouped in packs of up to eight with the same
// inserts (see pack.go), and a pack is the unit of work handed to one of
// Options.Workers goroutines. A pack's nodes run each insert together:
// static filters (high- and low-passes, EQs) as one cascade of biquad
// sections per channel, four channels per vector operation
// (dsp.CascadeBatch); compressors keyed by their own signal with their gain
// computers side by side (dynamics.CompressorBatch); meters with their
// K-weighting filters side by side (loudness.Batch). Every channel's
// arithmetic is the same whatever shares its pack, a node's result does
// not depend on which goroutine ran it, and buses sum their inputs in
// session order, so the output is bit-identical whatever the number of
// goroutines (and whatever the block size: every processor is block-size
// independent, and automation is computed per sample from the absolute
// frame index).
//
// An edge whose gains are constant (no automation) and that needs no
// alignment delay and feeds no stem is not written out: the bus it feeds
// applies its gains while summing, from the source node's block, with the
// same arithmetic.
//
// # Memory
//
// Sources are streamed (PCM at the session's rate read as needed,
// compressed or resampled sources decoded ahead); every buffer is a few
// blocks per node and edge (the pipeline's rings), plus delay lines as long
// as the latencies they compensate and the processors' own state. Memory
// does not grow with the length of the session.
//
// # Automation
//
// See session.Automation: envelopes are linear between breakpoints (in dB
// for levels), and every gain passes through a 2-pole smoother, so steps
// become 10 ms S-curves and nothing zippers.
package mix

import _ "embed"

// Schema is the JSON Schema (draft 2020-12) of session files.
//
//go:embed session.schema.json
var Schema []byte

// Example is a commented example session file.
//
//go:embed example.yaml
var Example []byte

package fx

import "golang.org/x/sys/cpu"

// useAVX2 selects the assembly network kernel; tests switch it off to
// compare with the Go one.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// fdnRunAVX2 is fdn.run's work for k frames: u and o point at the
// [2][fdnChunk]float64 input and output arrays, rows at n.rows, which
// receives the lines' new inputs frame by frame. It reads n's fields at
// the offsets defined in fdn_amd64.s.
//
//go:noescape
func fdnRunAVX2(n *fdn, k int, u, o *float64, rows *float32)

// fdnScatterAVX copies blocks·4 frames of n.rows into the lines: dst[i],
// i = q·4+lane, is the address of the current write position of the line
// fed by matrix output q+4·lane.
//
//go:noescape
func fdnScatterAVX(rows *float32, blocks int, dst *[16]uintptr)

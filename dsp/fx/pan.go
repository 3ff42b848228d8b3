package fx

import (
	"fmt"
	"math"
	"sort"

	"github.com/mixdown/mixdown/audio"
)

// Pan laws for PanGains and StereoBalance: the level of a centred source
// in each channel.
const (
	// PanConstantPower: -3 dB at the centre, L = cos θ, R = sin θ with
	// θ = (pan+1)·π/4, so L²+R² = 1 everywhere: constant loudness when the
	// channels add in power (uncorrelated listening, the usual choice).
	PanConstantPower = "constant-power"
	// Pan4_5dB: -4.5 dB at the centre, the geometric mean of the
	// constant-power and linear laws (a compromise common on consoles).
	Pan4_5dB = "-4.5dB"
	// Pan6dB: -6 dB at the centre, linear: L = (1-pan)/2, R = (1+pan)/2, so
	// L+R = 1: constant level when the channels add in amplitude (mono
	// fold-down).
	Pan6dB = "-6dB"
)

// ValidatePanLaw reports whether law is one of PanConstantPower, Pan4_5dB
// and Pan6dB.
func ValidatePanLaw(law string) error {
	switch law {
	case PanConstantPower, Pan4_5dB, Pan6dB:
		return nil
	}
	return fmt.Errorf("fx: pan law %q unknown (%s, %s or %s)", law, PanConstantPower, Pan4_5dB, Pan6dB)
}

// PanGains returns the left and right gains (linear) for a mono source at
// pan position pan, from -1 (hard left) through 0 (centre) to 1 (hard
// right), under the given law. Positions outside [-1, 1] are clamped; the
// far channel is exactly 0 at the extremes. It panics on an unknown law
// (check it once with ValidatePanLaw) or a NaN position.
func PanGains(law string, pan float64) (l, r float64) {
	if math.IsNaN(pan) {
		panic("fx: PanGains with NaN pan position")
	}
	pan = max(-1, min(1, pan))
	// cos θ = sin((1-pan)·π/4), written so that the extremes are exact.
	cl, cr := math.Sin((1-pan)*math.Pi/4), math.Sin((1+pan)*math.Pi/4)
	ll, lr := (1-pan)/2, (1+pan)/2
	switch law {
	case PanConstantPower:
		return cl, cr
	case Pan6dB:
		return ll, lr
	case Pan4_5dB:
		return math.Sqrt(cl * ll), math.Sqrt(cr * lr)
	}
	panic(ValidatePanLaw(law))
}

// StereoBalance returns the left and right gains (linear) for a stereo
// source balanced towards pan (-1 to 1): the channel on the side the image
// moves towards stays at 1, and the other follows the law's curve
// normalised to 1 at the centre (so both are 1 at 0 and the far one is 0
// at the extreme; the -6dB law gives the classic 1-|pan|). It panics like
// PanGains.
func StereoBalance(law string, pan float64) (l, r float64) {
	cl, cr := PanGains(law, pan)
	c, _ := PanGains(law, 0)
	switch {
	case pan > 0:
		return cl / c, 1
	case pan < 0:
		return 1, cr / c
	}
	return 1, 1
}

// speakerAngle returns the azimuth in degrees (negative to the left) of a
// speaker in layout, and false for speakers SurroundPan does not position
// (LFE, height channels). Front and surround angles follow ITU-R BS.775
// (L/R ±30°, C 0°, surrounds ±110°); in layouts with both side and back
// pairs (7.1), the sides are at ±90° and the backs at ±135° (BS.2051).
func speakerAngle(s audio.Speaker, layout audio.Layout) (float64, bool) {
	sides := layout&audio.Layout(audio.SideLeft|audio.SideRight) != 0
	backs := layout&audio.Layout(audio.BackLeft|audio.BackRight) != 0
	surround := 110.0
	both := sides && backs
	switch s {
	case audio.FrontLeft:
		return -30, true
	case audio.FrontRight:
		return 30, true
	case audio.FrontCenter:
		return 0, true
	case audio.FrontLeftOfCenter:
		return -15, true
	case audio.FrontRightOfCenter:
		return 15, true
	case audio.BackCenter:
		return 180, true
	case audio.SideLeft, audio.SideRight:
		if both {
			surround = 90
		}
		if s == audio.SideLeft {
			return -surround, true
		}
		return surround, true
	case audio.BackLeft, audio.BackRight:
		if both {
			surround = 135
		}
		if s == audio.BackLeft {
			return -surround, true
		}
		return surround, true
	}
	return 0, false
}

// SurroundPan returns one gain per channel of layout (in stream order) for
// a mono source at azimuth angleDeg (0 straight ahead, negative to the
// left, wrapped to ±180°), by pairwise constant-power panning between the
// two adjacent speakers around it: with x the source's fraction of the
// angle from speaker a to speaker b, a gets cos(x·π/2) and b sin(x·π/2).
// The squared gains of the positioned speakers sum to 1, and a source at a
// speaker's angle plays from that speaker alone. The LFE channel, if any,
// gets lfe (a linear send level, independent of the angle); height
// channels get 0. The 5.1 layouts use the ITU-R BS.775 angles: L -30°,
// C 0°, R +30°, Ls -110°, Rs +110°. It panics if the layout has no
// positioned speaker or the angle is not finite.
func SurroundPan(angleDeg, lfe float64, layout audio.Layout) []float64 {
	if math.IsNaN(angleDeg) || math.IsInf(angleDeg, 0) {
		panic("fx: SurroundPan with a non-finite angle")
	}
	speakers := layout.Speakers()
	gains := make([]float64, len(speakers))
	type spk struct {
		ch    int
		angle float64
	}
	var ring []spk
	for ch, s := range speakers {
		if s == audio.LowFrequency {
			gains[ch] = lfe
			continue
		}
		if a, ok := speakerAngle(s, layout); ok {
			ring = append(ring, spk{ch, a})
		}
	}
	if len(ring) == 0 {
		panic(fmt.Sprintf("fx: SurroundPan: layout %s has no positioned speaker", layout))
	}
	if len(ring) == 1 {
		gains[ring[0].ch] = 1
		return gains
	}
	sort.Slice(ring, func(i, j int) bool { return ring[i].angle < ring[j].angle })
	// Wrap the source to [first, first+360).
	a := math.Mod(angleDeg-ring[0].angle, 360)
	if a < 0 {
		a += 360
	}
	a += ring[0].angle
	for i := range ring {
		from := ring[i]
		to := ring[(i+1)%len(ring)]
		end := to.angle
		if i == len(ring)-1 {
			end += 360
		}
		if a >= from.angle && a < end {
			x := (a - from.angle) / (end - from.angle)
			gains[from.ch] = math.Sin((1 - x) * math.Pi / 2)
			gains[to.ch] = math.Sin(x * math.Pi / 2)
			break
		}
	}
	return gains
}

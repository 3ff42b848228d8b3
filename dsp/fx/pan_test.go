package fx

import (
	"math"
	"testing"

	"github.com/mixdown/mixdown/audio"
)

func TestPanLaws(t *testing.T) {
	for i := -100; i <= 100; i++ {
		pan := float64(i) / 100
		l, r := PanGains(PanConstantPower, pan)
		if math.Abs(l*l+r*r-1) > 1e-15 {
			t.Fatalf("constant power at %.2f: L²+R² = %.17g", pan, l*l+r*r)
		}
		l, r = PanGains(Pan6dB, pan)
		if math.Abs(l+r-1) > 1e-15 {
			t.Fatalf("-6 dB law at %.2f: L+R = %.17g", pan, l+r)
		}
		l45, r45 := PanGains(Pan4_5dB, pan)
		lc, rc := PanGains(PanConstantPower, pan)
		if l45 < l-1e-15 || l45 > lc+1e-15 || r45 < r-1e-15 || r45 > rc+1e-15 {
			t.Fatalf("-4.5 dB law at %.2f outside the other two: %g, %g", pan, l45, r45)
		}
	}
	for law, want := range map[string]float64{PanConstantPower: -3.0103, Pan4_5dB: -4.5154, Pan6dB: -6.0206} {
		l, r := PanGains(law, 0)
		if l != r || math.Abs(db(l)-want) > 1e-4 {
			t.Errorf("%s at the centre: %.4f dB, %.4f dB", law, db(l), db(r))
		}
		if l, r := PanGains(law, 1); l != 0 || r != 1 {
			t.Errorf("%s hard right: %g, %g", law, l, r)
		}
		if l, r := PanGains(law, -7); l != 1 || r != 0 {
			t.Errorf("%s beyond hard left: %g, %g", law, l, r)
		}
		if l, r := StereoBalance(law, 0); l != 1 || r != 1 {
			t.Errorf("%s balance at the centre: %g, %g", law, l, r)
		}
		if l, r := StereoBalance(law, 1); l != 0 || r != 1 {
			t.Errorf("%s balance hard right: %g, %g", law, l, r)
		}
	}
	if l, r := StereoBalance(Pan6dB, -0.25); l != 1 || r != 0.75 {
		t.Errorf("-6dB balance at -0.25: %g, %g", l, r)
	}
	if ValidatePanLaw("linear") == nil || ValidatePanLaw(Pan4_5dB) != nil {
		t.Error("ValidatePanLaw")
	}
	defer func() {
		if recover() == nil {
			t.Error("PanGains accepted an unknown law")
		}
	}()
	PanGains("-3dB-ish", 0)
}

// The squared gains of the positioned speakers sum to 1 at every angle; a
// source at a speaker's angle plays from it alone; LFE gets the send level.
func TestSurroundPan(t *testing.T) {
	layouts := []audio.Layout{audio.Layout5_1, audio.Layout5_1Side, audio.Layout7_1, audio.Layout5_0, audio.LayoutQuad, audio.LayoutStereo, audio.Layout3_0, audio.LayoutMono}
	for _, layout := range layouts {
		speakers := layout.Speakers()
		for deg := -360.0; deg <= 360; deg += 0.5 {
			g := SurroundPan(deg, 0.3, layout)
			sum := 0.0
			for ch, s := range speakers {
				if s == audio.LowFrequency {
					if g[ch] != 0.3 {
						t.Fatalf("%s: LFE gain %g", layout, g[ch])
					}
					continue
				}
				if g[ch] < 0 {
					t.Fatalf("%s at %g°: negative gain", layout, deg)
				}
				sum += g[ch] * g[ch]
			}
			if math.Abs(sum-1) > 1e-12 {
				t.Fatalf("%s at %g°: energy %.15f", layout, deg, sum)
			}
		}
		for ch, s := range speakers {
			a, ok := speakerAngle(s, layout)
			if !ok {
				continue
			}
			for _, turn := range []float64{0, 360, -360} {
				g := SurroundPan(a+turn, 0, layout)
				for k := range g {
					want := 0.0
					if k == ch {
						want = 1
					}
					if g[k] != want {
						t.Errorf("%s: source at %s (%g°): channel %d (%s) gain %g", layout, s, a+turn, k, speakers[k], g[k])
					}
				}
			}
		}
	}
	// BS.775 5.1: half-way between C and R, and between R and Rs.
	g := SurroundPan(15, 0, audio.Layout5_1) // L R C LFE Ls Rs
	if math.Abs(g[2]-math.Sqrt(0.5)) > 1e-15 || math.Abs(g[1]-math.Sqrt(0.5)) > 1e-15 {
		t.Errorf("15°: %v", g)
	}
	g = SurroundPan(70, 0, audio.Layout5_1)
	if math.Abs(g[1]-math.Sqrt(0.5)) > 1e-15 || math.Abs(g[5]-math.Sqrt(0.5)) > 1e-15 {
		t.Errorf("70°: %v", g)
	}
	g = SurroundPan(180, 0, audio.Layout5_1) // behind: between Rs (110°) and Ls (250°)
	if math.Abs(g[4]-g[5]) > 1e-15 || g[0] != 0 {
		t.Errorf("180°: %v", g)
	}
}

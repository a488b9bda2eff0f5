package quality

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/ventanilla-kiosk/ventanilla/devices/camera/sim"
)

// TestDiagShots explains, for the simulated shots listed in QUALITY_DIAG
// (comma-separated seeds), what the finder saw against where the card
// really is (development aid).
func TestDiagShots(t *testing.T) {
	list := os.Getenv("QUALITY_DIAG")
	if list == "" {
		t.Skip("set QUALITY_DIAG=seed,seed,…")
	}
	for _, f := range strings.Split(list, ",") {
		seed, _ := strconv.Atoi(f)
		sh := sim.Sample(uint64(seed))
		img, _, err := sh.Photo(nil)
		if err != nil {
			t.Fatal(err)
		}
		a := NewAnalyzer(IDCard)
		r := a.Analyze(img)
		fmt.Printf("== shot %d %s %s %dx%d: %v\n", seed, sh.Category, sh.Scene.Background, sh.Width, sh.Height, r.Problems.List())
		if sh.Scene.Kind == sim.Empty {
			continue
		}
		a.findEdges()
		a.peaks()
		k := float64(a.k1 * a.k2)
		tc := sh.Corners()
		var idx [4]int
		for s := 0; s < 4; s++ {
			p, q := tc[s], tc[(s+1)%4]
			px, py, qx, qy := p[0]/k-0.5, p[1]/k-0.5, q[0]/k-0.5, q[1]/k-0.5
			best, bd := -1, 1e9
			for i := range a.lines {
				l := &a.lines[i]
				d := math.Abs(px*l.cos+py*l.sin-l.rho) + math.Abs(qx*l.cos+qy*l.sin-l.rho)
				if d < bd {
					best, bd = i, d
				}
			}
			idx[s] = best
			l := &a.lines[best]
			fmt.Printf("  side %d (%.0f,%.0f)-(%.0f,%.0f): nearest line %d deg=%d dist=%.1f votes=%d\n", s, px, py, qx, qy, best, l.deg, bd/2, l.votes)
		}
		// The sides in order: top (0), right (1), bottom (2), left (3).
		q := quad{l: [4]int{idx[0], idx[2], idx[3], idx[1]}}
		la, lb, lc, ld := &a.lines[idx[0]], &a.lines[idx[2]], &a.lines[idx[3]], &a.lines[idx[1]]
		for i, pr := range [4][2]*line{{la, lc}, {la, ld}, {lb, ld}, {lb, lc}} {
			x, y, _ := intersect(pr[0], pr[1])
			q.p[i] = [2]float64{x, y}
		}
		q.long = (dist(q.p[0], q.p[1]) + dist(q.p[3], q.p[2])) / 2
		q.short = (dist(q.p[0], q.p[3]) + dist(q.p[1], q.p[2])) / 2
		why := a.scoreQuadWhy(&q)
		fmt.Printf("  true-lines quad: aspect %.3f why=%q support=%.2f print=%v\n", q.long/q.short, why, q.support, a.hasPrint(&q))
		for s, side := range [4][3]int{{0, 0, 1}, {1, 3, 2}, {2, 0, 3}, {3, 1, 2}} {
			l := &a.lines[q.l[side[0]]]
			p0, p1 := q.p[side[1]], q.p[side[2]]
			t0, t1 := l.param(p0[0], p0[1]), l.param(p1[0], p1[1])
			if t0 > t1 {
				t0, t1 = t1, t0
			}
			trim := cornerTrim * q.short
			c, n := a.support(l, t0+trim, t1-trim)
			fmt.Printf("   side %d support %.0f/%.0f overshoot %.2f\n", s, c, n, a.overshoot(l, t0, t1, trim, c))
		}
	}
}

//go:build race

package quality

// raceEnabled: under the race detector pixel loops run ~10× slower, so the
// verdict matrix samples it (every case still runs, each at one size and
// noise level, all sizes and levels covered) instead of running it whole.
const raceEnabled = true

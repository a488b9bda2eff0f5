//go:build race

package main

// raceEnabled: the tests run under -race, so the kiosk binary they drive is
// built with it too and the wiring between packages is race-checked.
const raceEnabled = true

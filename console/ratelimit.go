package console

import (
	"math"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/time/rate"
)

// ExitTooMany is the exit status of a session refused by the rate limit:
// EX_TEMPFAIL of sysexits(3), "try again later". It is not 1 ("the
// operation said no"), so a monitoring script can tell "the kiosk is
// unwell" from "I asked too often".
const ExitTooMany = 75

// maxRateTable bounds the per-address table of the session limiter. An
// address pushed out is simply forgotten: its next session starts with a
// full burst, which is what an address idle long enough would have anyway.
const maxRateTable = 1024

// sessionLimiter limits how often one address may open sessions once
// authenticated, so a looping script with a valid key cannot starve the
// kiosk's CPU (the visitor's screen runs in the same process). Each
// address has a token bucket (golang.org/x/time/rate) in a bounded LRU.
type sessionLimiter struct {
	limit rate.Limit
	burst int
	now   func() time.Time

	mu    sync.Mutex
	table *simplelru.LRU[string, *rate.Limiter]
}

// newSessionLimiter allows perMinute sessions a minute per address after a
// burst of burst; perMinute < 0 disables it.
func newSessionLimiter(perMinute, burst int, now func() time.Time) *sessionLimiter {
	l := &sessionLimiter{limit: rate.Limit(float64(perMinute) / 60), burst: max(1, burst), now: now}
	if perMinute < 0 {
		l.limit = rate.Inf
	}
	l.table, _ = simplelru.NewLRU[string, *rate.Limiter](maxRateTable, nil) // size > 0: no error
	return l
}

// allow takes a token for addr. When there is none it returns false and
// how long until there will be one.
func (l *sessionLimiter) allow(addr string) (bool, time.Duration) {
	if l.limit == rate.Inf {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.table.Get(addr)
	if !ok {
		lim = rate.NewLimiter(l.limit, l.burst)
		l.table.Add(addr, lim)
	}
	now := l.now()
	if lim.AllowN(now, 1) {
		return true, 0
	}
	if l.limit <= 0 {
		return false, time.Duration(math.MaxInt64)
	}
	missing := 1 - lim.TokensAt(now)
	return false, time.Duration(missing / float64(l.limit) * float64(time.Second))
}

// size is how many addresses the table holds now.
func (l *sessionLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.table.Len()
}

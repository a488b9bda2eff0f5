package tui

import (
	"sync"
	"time"
)

// Status is what the kiosk tells the technician console, read from other
// goroutines. It never holds personal data: only which procedure and step.
type Status struct {
	mu             sync.Mutex
	flow, step     string
	maintenance    bool
	lastError      string
	lastErrorAt    time.Time
	staffRequests  int
	lastStaffAskAt time.Time
}

// StatusSnapshot is a copy of Status at one moment.
type StatusSnapshot struct {
	Flow           string    `json:"flow"`
	Step           string    `json:"step"`
	Maintenance    bool      `json:"maintenance"`
	LastError      string    `json:"last_error,omitempty"`
	LastErrorAt    time.Time `json:"last_error_at,omitempty"`
	StaffRequests  int       `json:"staff_requests"`
	LastStaffAskAt time.Time `json:"last_staff_request_at,omitempty"`
}

// Snapshot returns a consistent copy.
func (s *Status) Snapshot() StatusSnapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return StatusSnapshot{Flow: s.flow, Step: s.step, Maintenance: s.maintenance, LastError: s.lastError,
		LastErrorAt: s.lastErrorAt, StaffRequests: s.staffRequests, LastStaffAskAt: s.lastStaffAskAt}
}

func (s *Status) setStep(flow, step string) {
	s.mu.Lock()
	s.flow, s.step = flow, step
	s.mu.Unlock()
}

func (s *Status) setMaintenance(on bool) {
	s.mu.Lock()
	s.maintenance = on
	s.mu.Unlock()
}

// SetError records a technical problem for the technician console (no
// personal data).
func (s *Status) SetError(e string) { s.setError(e) }

func (s *Status) setError(e string) {
	s.mu.Lock()
	s.lastError, s.lastErrorAt = e, time.Now()
	s.mu.Unlock()
}

func (s *Status) staffRequested(t time.Time) {
	s.mu.Lock()
	s.staffRequests++
	s.lastStaffAskAt = t
	s.mu.Unlock()
}

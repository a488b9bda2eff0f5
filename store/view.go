package store

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"
)

// JobView is the JSON shape of a job for `queue list --json`, `queue dead`
// and the SSH console's `queue list --json`: both print exactly this. It
// holds no personal data (the recipient is masked).
type JobView struct {
	ID          string    `json:"id"`
	Kind        Kind      `json:"kind"`
	State       State     `json:"state"`
	Attempts    int       `json:"attempts"`
	MaxAttempts int       `json:"max_attempts"`
	Recipient   string    `json:"recipient"`
	Purpose     string    `json:"purpose,omitempty"`
	Created     time.Time `json:"created"`
	Due         time.Time `json:"due,omitzero"`
	DoneAt      time.Time `json:"done_at,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	PartsSent   int       `json:"parts_sent,omitempty"`
	MessageID   string    `json:"message_id,omitempty"`
	HasPayload  bool      `json:"has_payload"`
}

// ViewOf is the JSON view of a job.
func ViewOf(j Job) JobView {
	v := JobView{
		ID: j.ID, Kind: j.Kind, State: j.State, Attempts: j.Attempts,
		MaxAttempts: j.MaxAttempts, Recipient: j.Recipient, Purpose: j.Purpose,
		Created: j.Created.UTC(), DoneAt: j.DoneAt.UTC(), LastError: j.LastError,
		PartsSent: len(j.Parts), MessageID: j.MessageID, HasPayload: j.HasPayload,
	}
	if !j.Due.IsZero() {
		v.Due = j.Due.UTC()
	}
	if j.DoneAt.IsZero() {
		v.DoneAt = time.Time{}
	}
	return v
}

// WriteJobsJSON writes one JSON object per line per job.
func WriteJobsJSON(w io.Writer, jobs []Job) error {
	enc := json.NewEncoder(w)
	for _, j := range jobs {
		if err := enc.Encode(ViewOf(j)); err != nil {
			return fmt.Errorf("store: write json: %w", err)
		}
	}
	return nil
}

// WriteJobsTable writes jobs as an aligned text table for people.
func WriteJobsTable(w io.Writer, jobs []Job) error {
	if _, err := fmt.Fprintf(w, "%-26s  %-5s  %-8s  %-8s  %-18s  %s\n", "ID", "KIND", "STATE", "ATTEMPTS", "RECIPIENT", "LAST ERROR"); err != nil {
		return err
	}
	for _, j := range jobs {
		if _, err := fmt.Fprintf(w, "%-26s  %-5s  %-8s  %3d/%-4d  %-18s  %s\n", j.ID, j.Kind, j.State, j.Attempts, j.MaxAttempts, j.Recipient, j.LastError); err != nil {
			return err
		}
	}
	return nil
}

// StatsView is the JSON shape of `queue stats --json` (and the console's).
type StatsView struct {
	Total         int                    `json:"total"`
	ByKind        map[Kind]map[State]int `json:"by_kind"`
	ByState       map[State]int          `json:"by_state"`
	Payloads      int                    `json:"payloads"`
	OldestWaiting time.Time              `json:"oldest_waiting,omitzero"`
	FileBytes     int64                  `json:"file_bytes"`
	FreeBytes     int64                  `json:"free_bytes"`
}

// ViewOfStats is the JSON view of Stats.
func ViewOfStats(s Stats) StatsView {
	v := StatsView{Total: s.Total, ByKind: s.Counts, ByState: map[State]int{}, Payloads: s.Payloads,
		FileBytes: s.FileBytes, FreeBytes: s.FreeBytes}
	for _, st := range States {
		v.ByState[st] = 0
	}
	for _, m := range s.Counts {
		for st, n := range m {
			v.ByState[st] += n
		}
	}
	if !s.OldestWaiting.IsZero() {
		v.OldestWaiting = s.OldestWaiting.UTC()
	}
	return v
}

// WriteStatsText writes Stats for people.
func WriteStatsText(w io.Writer, s Stats) error {
	v := ViewOfStats(s)
	kinds := make([]string, 0, len(v.ByKind))
	for k := range v.ByKind {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	fmt.Fprintf(w, "%-6s", "")
	for _, st := range States {
		fmt.Fprintf(w, " %9s", st)
	}
	fmt.Fprintln(w)
	for _, k := range kinds {
		fmt.Fprintf(w, "%-6s", k)
		for _, st := range States {
			fmt.Fprintf(w, " %9d", v.ByKind[Kind(k)][st])
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "total %d jobs, %d holding personal data\n", v.Total, v.Payloads)
	if !v.OldestWaiting.IsZero() {
		fmt.Fprintf(w, "oldest waiting job created %s\n", v.OldestWaiting.Format(time.RFC3339))
	}
	_, err := fmt.Fprintf(w, "file %d bytes, %d free (reclaimed by `queue compact`)\n", v.FileBytes, v.FreeBytes)
	return err
}

package procedure

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func madridCalendar(t testing.TB) *Calendar {
	t.Helper()
	hs, err := LoadHolidays("testdata/holidays-madrid-2026.txt")
	if err != nil {
		t.Fatal(err)
	}
	return NewCalendar(Madrid(), hs)
}

func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, Madrid())
}

func TestDeadline(t *testing.T) {
	madrid := madridCalendar(t)
	national := NewCalendar(nil, nil)
	tests := []struct {
		name  string
		cal   *Calendar
		start time.Time
		hours int
		want  time.Time
	}{
		{"midweek", madrid, at(2026, 11, 23, 10, 0), 48, at(2026, 11, 25, 10, 0)},
		{"over a weekend", madrid, at(2026, 11, 20, 11, 40), 48, at(2026, 11, 24, 11, 40)},
		{"start on saturday counts from monday 00:00", madrid, at(2026, 11, 21, 15, 0), 48, at(2026, 11, 25, 0, 0)},
		{"start on sunday night", madrid, at(2026, 11, 22, 23, 59), 24, at(2026, 11, 24, 0, 0)},
		{"ends exactly at midnight", madrid, at(2026, 11, 23, 0, 0), 24, at(2026, 11, 24, 0, 0)},
		{"friday late into tuesday", madrid, at(2026, 11, 27, 23, 30), 48, at(2026, 12, 1, 23, 30)},
		{"zero hours", madrid, at(2026, 11, 21, 15, 0), 0, at(2026, 11, 21, 15, 0)},
		// Easter 2026: Jueves Santo 2 April is regional (in the Madrid
		// file), Viernes Santo 3 April national, Lunes de Pascua is not a
		// holiday in Madrid.
		{"easter with regional jueves santo", madrid, at(2026, 4, 1, 10, 0), 48, at(2026, 4, 7, 10, 0)},
		{"easter national only", national, at(2026, 4, 1, 10, 0), 48, at(2026, 4, 6, 10, 0)},
		// New Year and Reyes.
		{"new year", madrid, at(2025, 12, 31, 9, 0), 48, at(2026, 1, 5, 9, 0)},
		{"reyes", madrid, at(2026, 1, 2, 15, 0), 48, at(2026, 1, 7, 15, 0)},
		{"christmas", madrid, at(2026, 12, 24, 12, 0), 48, at(2026, 12, 29, 12, 0)},
		// DST: the clock changes on Sundays (29 March, 25 October 2026),
		// which are skipped, so the wall-clock time is kept.
		{"spring dst", madrid, at(2026, 3, 27, 11, 40), 48, at(2026, 3, 31, 11, 40)},
		{"autumn dst", madrid, at(2026, 10, 23, 11, 40), 48, at(2026, 10, 27, 11, 40)},
		// Local and moved holidays from the file.
		{"san isidro", madrid, at(2026, 5, 13, 12, 0), 48, at(2026, 5, 18, 12, 0)},
		{"san isidro national only", national, at(2026, 5, 13, 12, 0), 48, at(2026, 5, 15, 12, 0)},
		{"constitucion moved and inmaculada", madrid, at(2026, 12, 4, 10, 0), 48, at(2026, 12, 10, 10, 0)},
		{"constitucion on sunday, national only", national, at(2026, 12, 4, 10, 0), 48, at(2026, 12, 9, 10, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Deadline(tc.start, tc.hours, tc.cal)
			if !got.Equal(tc.want) {
				t.Fatalf("Deadline(%s, %d) = %s, want %s", tc.start, tc.hours, got, tc.want)
			}
			if got.Location() != Madrid() {
				t.Fatalf("result in %s, want Europe/Madrid", got.Location())
			}
		})
	}
}

func TestDeadlineDSTOffsets(t *testing.T) {
	c := NewCalendar(nil, nil)
	spring := Deadline(at(2026, 3, 27, 11, 40), 48, c)
	if _, off := spring.Zone(); off != 2*3600 {
		t.Fatalf("after spring change offset %d, want CEST", off)
	}
	autumn := Deadline(at(2026, 10, 23, 11, 40), 48, c)
	if _, off := autumn.Zone(); off != 3600 {
		t.Fatalf("after autumn change offset %d, want CET", off)
	}
	// A start given in UTC is counted in Madrid: Friday 10:40 UTC is
	// 11:40 in Madrid.
	utc := time.Date(2026, 11, 20, 10, 40, 0, 0, time.UTC)
	if got := Deadline(utc, 48, c); !got.Equal(at(2026, 11, 24, 11, 40)) {
		t.Fatalf("UTC start: %s", got)
	}
}

// TestDeadlineBruteForce checks Deadline against a naive count in
// 15-minute steps for random starts over two years.
func TestDeadlineBruteForce(t *testing.T) {
	c := madridCalendar(t)
	business := map[Date]bool{}
	isBiz := func(d Date) bool {
		b, ok := business[d]
		if !ok {
			b = c.IsBusinessDay(d)
			business[d] = b
		}
		return b
	}
	rng := rand.New(rand.NewPCG(1, 2))
	base := at(2025, 12, 1, 0, 0)
	const step = 15 * time.Minute
	for i := 0; i < 300; i++ {
		start := base.Add(time.Duration(rng.IntN(365*2*24*4)) * step)
		hours := 1 + rng.IntN(60)
		need := time.Duration(hours) * time.Hour
		tm := start
		for need > 0 {
			if isBiz(DateOf(tm.In(c.Location()))) {
				need -= step
			}
			tm = tm.Add(step)
		}
		// tm is the end of the last counted step; if the start was on a
		// non-business day, the naive walk still lands on the same instant.
		if got := Deadline(start, hours, c); !got.Equal(tm) {
			t.Fatalf("start %s + %dh: got %s, brute force %s", start, hours, got, tm)
		}
	}
}

func TestCalendarHolidays(t *testing.T) {
	c := madridCalendar(t)
	tests := []struct {
		d        Date
		business bool
		name     string
	}{
		{Date{2026, 1, 1}, false, "Año Nuevo"},
		{Date{2026, 1, 6}, false, "Día de Reyes"},
		{Date{2026, 4, 2}, false, "Jueves Santo"},
		{Date{2026, 4, 3}, false, "Viernes Santo"},
		{Date{2026, 4, 6}, true, ""},
		{Date{2026, 5, 15}, false, "San Isidro"},
		{Date{2026, 10, 12}, false, "Fiesta Nacional de España"},
		{Date{2026, 11, 23}, true, ""},
		{Date{2026, 11, 21}, false, ""}, // Saturday, not a holiday
		{Date{2027, 3, 26}, false, "Viernes Santo"},
	}
	for _, tc := range tests {
		if got := c.IsBusinessDay(tc.d); got != tc.business {
			t.Errorf("%s business=%v, want %v", tc.d, got, tc.business)
		}
		name, _ := c.HolidayName(tc.d)
		if name != tc.name {
			t.Errorf("%s holiday %q, want %q", tc.d, name, tc.name)
		}
	}
}

func TestParseHolidays(t *testing.T) {
	in := "# header\n\n2026-05-15 San Isidro # local\n2026-04-02\tJueves Santo\n-2026-01-06 Reyes sustituido\n  2026-12-07  \n"
	hs, err := ParseHolidays(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Holiday{
		{Date{2026, 5, 15}, "San Isidro", false},
		{Date{2026, 4, 2}, "Jueves Santo", false},
		{Date{2026, 1, 6}, "Reyes sustituido", true},
		{Date{2026, 12, 7}, "", false},
	}
	if len(hs) != len(want) {
		t.Fatalf("got %d holidays: %+v", len(hs), hs)
	}
	for i := range want {
		if hs[i] != want[i] {
			t.Errorf("line %d: got %+v, want %+v", i, hs[i], want[i])
		}
	}
	c := NewCalendar(nil, hs)
	if !c.IsBusinessDay(Date{2026, 1, 6}) {
		t.Error("a replaced national holiday must be a business day")
	}
	if got := Deadline(at(2026, 1, 2, 15, 0), 48, c); !got.Equal(at(2026, 1, 6, 15, 0)) {
		t.Errorf("deadline with Reyes replaced: %s", got)
	}

	for _, bad := range []string{"2026-13-01 Nope", "15/05/2026 San Isidro", "mañana"} {
		_, err := ParseHolidays(strings.NewReader("# ok\n" + bad + "\n"))
		if err == nil || !strings.Contains(err.Error(), "line 2") {
			t.Errorf("%q: error %v should name line 2", bad, err)
		}
	}
	if _, err := LoadHolidays("testdata/does-not-exist.txt"); err == nil {
		t.Error("missing file accepted")
	}
	bom, err := ParseHolidays(strings.NewReader("\ufeff2026-05-15 San Isidro\n"))
	if err != nil || len(bom) != 1 || bom[0].Date != (Date{2026, 5, 15}) {
		t.Errorf("BOM: %v %+v", err, bom)
	}
	c, err = LoadCalendar("testdata/holidays-madrid-2026.txt")
	if err != nil || c.IsBusinessDay(Date{2026, 5, 15}) {
		t.Errorf("LoadCalendar: %v", err)
	}
	c, err = LoadCalendar("")
	if err != nil || !c.IsBusinessDay(Date{2026, 5, 15}) || c.IsBusinessDay(Date{2026, 4, 3}) {
		t.Errorf("LoadCalendar national: %v", err)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("2026-05-15 ok\n2026-02-30 no\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCalendar(bad); err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad file error %v should name the file and line", err)
	}
}

func TestApproximate(t *testing.T) {
	tests := []struct {
		in       time.Time
		wday     time.Weekday
		day      int
		clock    string
		endOfDay bool
	}{
		{at(2026, 11, 24, 11, 38), time.Tuesday, 24, "11:40", false},
		{at(2026, 11, 24, 11, 40), time.Tuesday, 24, "11:40", false},
		{at(2026, 11, 24, 11, 40).Add(time.Second), time.Tuesday, 24, "11:45", false},
		{at(2026, 11, 25, 0, 0), time.Tuesday, 24, "23:59", true},
		{at(2026, 11, 24, 23, 57), time.Tuesday, 24, "23:59", true},
		{time.Date(2026, 11, 24, 10, 38, 0, 0, time.UTC), time.Tuesday, 24, "11:40", false},
	}
	for _, tc := range tests {
		w := Approximate(tc.in, nil)
		if w.Weekday != tc.wday || w.Day != tc.day || w.Clock() != tc.clock || w.EndOfDay != tc.endOfDay {
			t.Errorf("%s: got %+v (%s)", tc.in, w, w.Clock())
		}
		if w.WeekdayKey != "date.weekday."+strings.ToLower(tc.wday.String()) {
			t.Errorf("%s: weekday key %s", tc.in, w.WeekdayKey)
		}
		if w.MonthKey != "date.month."+strings.ToLower(w.Month.String()) {
			t.Errorf("%s: month key %s", tc.in, w.MonthKey)
		}
	}
	w := Approximate(at(2026, 11, 24, 11, 38), nil)
	if w.Numeric() != "24/11/2026 11:40" {
		t.Errorf("numeric %q", w.Numeric())
	}
	m := w.Message()
	if m.Key != KeyDeadlineEstimate || m.Args["Day"] != 24 || m.Args["Time"] != "11:40" {
		t.Errorf("message %+v", m)
	}
}

func BenchmarkDeadline(b *testing.B) {
	c := madridCalendar(b)
	start := at(2026, 4, 1, 10, 0)
	for b.Loop() {
		Deadline(start, FNMTAnswerBusinessHours, c)
	}
}

func TestCalendarListing(t *testing.T) {
	c := madridCalendar(t)
	hs := c.Holidays(2026)
	// 10 national + 6 local days in the example file.
	if len(hs) != 16 {
		t.Fatalf("%d holidays in 2026: %+v", len(hs), hs)
	}
	if hs[0].Date != (Date{2026, 1, 1}) || hs[len(hs)-1].Date != (Date{2026, 12, 25}) {
		t.Errorf("not sorted: first %s last %s", hs[0].Date, hs[len(hs)-1].Date)
	}
	if !c.HasLocalDays(2026) || c.HasLocalDays(2027) {
		t.Error("HasLocalDays")
	}
	if len(NewCalendar(nil, nil).Holidays(2027)) != 10 {
		t.Error("national holidays of 2027")
	}
}

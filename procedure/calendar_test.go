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

// TestDeadlineDays: FNMT's 48 business hours, counted as two business
// days from the day after the video-identification (Ley 39/2015, art.
// 30.1 and 30.3).
func TestDeadlineDays(t *testing.T) {
	madrid := madridCalendar(t)
	national := NewCalendar(nil, nil)
	tests := []struct {
		name  string
		cal   *Calendar
		start time.Time
		days  int
		want  Date
	}{
		{"midweek", madrid, at(2026, 11, 23, 10, 0), 2, Date{2026, 11, 25}},
		{"late in the day counts the same", madrid, at(2026, 11, 23, 23, 59), 2, Date{2026, 11, 25}},
		{"friday into tuesday", madrid, at(2026, 11, 20, 11, 40), 2, Date{2026, 11, 24}},
		{"saturday counts from monday", madrid, at(2026, 11, 21, 15, 0), 2, Date{2026, 11, 24}},
		{"sunday night", madrid, at(2026, 11, 22, 23, 59), 1, Date{2026, 11, 23}},
		{"zero days is the day itself", madrid, at(2026, 11, 21, 15, 0), 0, Date{2026, 11, 21}},
		// Easter 2026: Jueves Santo 2 April is regional (in the Madrid
		// file), Viernes Santo 3 April national, Lunes de Pascua is not a
		// holiday in Madrid.
		{"easter with regional jueves santo", madrid, at(2026, 4, 1, 10, 0), 2, Date{2026, 4, 7}},
		{"easter national only", national, at(2026, 4, 1, 10, 0), 2, Date{2026, 4, 6}},
		{"new year", madrid, at(2025, 12, 31, 9, 0), 2, Date{2026, 1, 5}},
		{"reyes", madrid, at(2026, 1, 2, 15, 0), 2, Date{2026, 1, 7}},
		{"christmas", madrid, at(2026, 12, 24, 12, 0), 2, Date{2026, 12, 29}},
		{"san isidro", madrid, at(2026, 5, 13, 12, 0), 2, Date{2026, 5, 18}},
		{"san isidro national only", national, at(2026, 5, 13, 12, 0), 2, Date{2026, 5, 15}},
		{"constitucion moved and inmaculada", madrid, at(2026, 12, 4, 10, 0), 2, Date{2026, 12, 10}},
		{"constitucion on sunday, national only", national, at(2026, 12, 4, 10, 0), 2, Date{2026, 12, 9}},
		// Counted in Madrid: Sunday 23:30 UTC is already Monday there.
		{"utc start", madrid, time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC), 2, Date{2026, 11, 25}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := DeadlineDays(tc.start, tc.days, tc.cal); got != tc.want {
				t.Fatalf("DeadlineDays(%s, %d) = %s, want %s", tc.start, tc.days, got, tc.want)
			}
		})
	}
	if got := DeadlineDays(at(2026, 11, 20, 11, 40), FNMTAnswerBusinessDays, nil); got != (Date{2026, 11, 24}) {
		t.Errorf("nil calendar: %s", got)
	}
}

// TestFNMTCalendarJoinsMadrid: the office's holidays and Madrid's both
// stop the count (Ley 39/2015, art. 30.6): a kiosk in Barcelona skips San
// Isidro (Madrid) and Sant Esteve (its own), and a national day that its
// region replaced still counts as a holiday when Madrid keeps it.
func TestFNMTCalendarJoinsMadrid(t *testing.T) {
	barcelona := []Holiday{
		{Date: Date{2026, 12, 26}, Name: "Sant Esteve"},
		{Date: Date{2026, 6, 24}, Name: "Sant Joan"},
		{Date: Date{2026, 4, 2}, NotObserved: true}, // (for the test) Jueves Santo not a holiday here
		{Date: Date{2026, 1, 6}, NotObserved: true}, // a national day the region swapped
	}
	c := FNMTCalendar(barcelona, nil)
	for _, tc := range []struct {
		d    Date
		name string
	}{
		{Date{2026, 5, 15}, "San Isidro"},  // Madrid's local day
		{Date{2026, 6, 24}, "Sant Joan"},   // the office's
		{Date{2026, 4, 2}, "Jueves Santo"}, // Madrid keeps it
		{Date{2026, 1, 6}, "Día de Reyes"}, // national, Madrid keeps it
		{Date{2026, 11, 9}, "Nuestra Señora de la Almudena"},
	} {
		if name, ok := c.HolidayName(tc.d); !ok || name != tc.name || c.IsBusinessDay(tc.d) {
			t.Errorf("%s: holiday %q %v, want %q", tc.d, name, ok, tc.name)
		}
	}
	// Wednesday 13 May 2026 + 2: Thursday 14, then Friday 15 is San
	// Isidro in Madrid, so Monday 18 — in Barcelona too.
	if got := DeadlineDays(at(2026, 5, 13, 10, 0), 2, c); got != (Date{2026, 5, 18}) {
		t.Errorf("deadline over San Isidro from Barcelona: %s", got)
	}
	// The office alone would not skip it.
	if got := DeadlineDays(at(2026, 5, 13, 10, 0), 2, NewCalendar(nil, barcelona)); got != (Date{2026, 5, 15}) {
		t.Errorf("office only: %s", got)
	}
}

// TestCalendarGaps: the console warns about places with no data for the
// current or next year.
func TestCalendarGaps(t *testing.T) {
	c := FNMTCalendar(nil, nil)
	got := c.Gaps(2026, 2027)
	want := []Gap{{PlaceOffice, 2026}, {PlaceOffice, 2027}, {PlaceMadrid, 2027}}
	if len(got) != len(want) {
		t.Fatalf("gaps %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("gap %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	office := []Holiday{{Date: Date{2026, 5, 15}, Name: "San Isidro"}, {Date: Date{2027, 1, 6}, NotObserved: true}}
	extra := []Holiday{{Date: Date{2027, 5, 15}, Name: "San Isidro"}}
	if g := FNMTCalendar(office, extra).Gaps(2026, 2027); len(g) != 0 {
		t.Errorf("covered calendar reports %+v", g)
	}
}

// TestBuiltInMadridHolidays: the embedded file parses, and every date in
// it is a weekday-or-weekend day of the years it claims, named.
func TestBuiltInMadridHolidays(t *testing.T) {
	hs := MadridHolidays()
	if len(hs) == 0 {
		t.Fatal("no built-in Madrid holidays")
	}
	years := map[int]bool{}
	for _, h := range hs {
		if h.Name == "" {
			t.Errorf("%s has no name", h.Date)
		}
		years[h.Date.Year] = true
	}
	if !years[2026] {
		t.Error("2026 missing")
	}
	c := FNMTCalendar(nil, nil)
	for _, d := range []Date{{2026, 4, 2}, {2026, 5, 15}, {2026, 11, 2}, {2026, 11, 9}, {2026, 12, 7}} {
		if c.IsBusinessDay(d) {
			t.Errorf("%s is a Madrid holiday", d)
		}
	}
}

// TestDeadlineDaysBruteForce checks DeadlineDays against a plain count
// over random starts in two years.
func TestDeadlineDaysBruteForce(t *testing.T) {
	c := madridCalendar(t)
	rng := rand.New(rand.NewPCG(1, 2))
	base := at(2025, 12, 1, 0, 0)
	for i := 0; i < 500; i++ {
		start := base.Add(time.Duration(rng.IntN(365*2*24*60)) * time.Minute)
		days := rng.IntN(12)
		d := DateOf(start.In(c.Location()))
		for n := 0; n < days; {
			d = DateOf(time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).AddDate(0, 0, 1))
			if c.IsBusinessDay(d) {
				n++
			}
		}
		if got := DeadlineDays(start, days, c); got != d {
			t.Fatalf("start %s + %d days: got %s, counted %s", start, days, got, d)
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
	if got := DeadlineDays(at(2026, 1, 2, 15, 0), 2, c); got != (Date{2026, 1, 6}) {
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
	c, err = LoadFNMTCalendar("testdata/holidays-madrid-2026.txt", "")
	if err != nil || c.IsBusinessDay(Date{2026, 5, 15}) {
		t.Errorf("LoadFNMTCalendar: %v", err)
	}
	c, err = LoadFNMTCalendar("", "")
	if err != nil || c.IsBusinessDay(Date{2026, 5, 15}) || c.IsBusinessDay(Date{2026, 4, 3}) || !c.IsBusinessDay(Date{2026, 5, 14}) {
		t.Errorf("LoadFNMTCalendar without an office file (Madrid built in): %v", err)
	}
	if g := c.Gaps(2026); len(g) != 1 || g[0].Place != PlaceOffice {
		t.Errorf("no office file, gaps %+v", g)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("2026-05-15 ok\n2026-02-30 no\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFNMTCalendar(bad, ""); err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad file error %v should name the file and line", err)
	}
	if _, err := LoadFNMTCalendar("", bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad Madrid file error %v should name the file", err)
	}
}

func TestDateMessage(t *testing.T) {
	m := Date{2026, 11, 24}.Message()
	if m.Key != KeyDateLong || m.Args["Day"] != 24 || m.Args["WeekdayKey"] != "date.weekday.tuesday" ||
		m.Args["MonthOfKey"] != "date.month_of.november" {
		t.Errorf("message %+v", m)
	}
	if got := (Date{2026, 1, 5}).Numeric(); got != "05/01/2026" {
		t.Errorf("numeric %q", got)
	}
}

func BenchmarkDeadlineDays(b *testing.B) {
	c := FNMTCalendar(nil, nil)
	start := at(2026, 4, 1, 10, 0)
	for b.Loop() {
		DeadlineDays(start, FNMTAnswerBusinessDays, c)
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
	if g := c.Gaps(2026, 2027); len(g) != 1 || g[0] != (Gap{PlaceOffice, 2027}) {
		t.Errorf("gaps %+v", g)
	}
	if len(NewCalendar(nil, nil).Holidays(2027)) != 10 {
		t.Error("national holidays of 2027")
	}
}

package procedure

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
	"unicode"

	// Embedded zone database: kiosk images are often minimal and may have no
	// /usr/share/zoneinfo; without it Europe/Madrid would silently be UTC and
	// every deadline an hour or two early. It costs ~450 kB of binary and is
	// only used when the system database is missing.
	_ "time/tzdata"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/es"
)

// Date is a civil (calendar) date, independent of time zones.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the civil date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// String formats the date as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// Weekday returns the day of the week of the date.
func (d Date) Weekday() time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
}

// Holiday is one regional or local non-business day of the office, or (with
// NotObserved) a national holiday that the office's region has replaced and
// that is therefore a business day there.
type Holiday struct {
	Date        Date
	Name        string
	NotObserved bool
}

var (
	madridOnce sync.Once
	madridLoc  *time.Location
)

// Madrid returns the Europe/Madrid location (peninsular time, where the FNMT
// and the call centres work). The zone database is embedded, so this only
// falls back to a fixed CET offset if even that fails, which would be a
// broken build.
func Madrid() *time.Location {
	madridOnce.Do(func() {
		loc, err := time.LoadLocation("Europe/Madrid")
		if err != nil {
			loc = time.FixedZone("CET", 3600)
		}
		madridLoc = loc
	})
	return madridLoc
}

// Calendar knows which days are business days ("días hábiles") for an
// office: not Saturday or Sunday, not a national holiday (from
// github.com/rickar/cal/v2/es), not a regional or local holiday of the
// office (from its holiday file). It is immutable after NewCalendar and safe
// for concurrent use.
type Calendar struct {
	loc      *time.Location
	national []*cal.Holiday
	local    map[Date]string
	replaced map[Date]bool
}

// NewCalendar builds the calendar of an office in loc (nil means
// Europe/Madrid) with the regional/local days of its holiday file (see
// ParseHolidays). National holidays come from rickar/cal's es package: Año
// Nuevo, Reyes, Viernes Santo, 1 de mayo, 15 de agosto, 12 de octubre, Todos
// los Santos, Constitución, Inmaculada and Navidad. Jueves Santo is not in
// that list on purpose: it is a regional holiday (almost every community has
// it, Cataluña and the Comunitat Valenciana do not), so it belongs in the
// office's file, like Lunes de Pascua, regional days and moved holidays.
func NewCalendar(loc *time.Location, local []Holiday) *Calendar {
	if loc == nil {
		loc = Madrid()
	}
	c := &Calendar{
		loc:      loc,
		national: es.Holidays,
		local:    make(map[Date]string),
		replaced: make(map[Date]bool),
	}
	for _, h := range local {
		if h.NotObserved {
			c.replaced[h.Date] = true
			delete(c.local, h.Date)
			continue
		}
		c.local[h.Date] = h.Name
		delete(c.replaced, h.Date)
	}
	return c
}

// Location returns the time zone the calendar counts in.
func (c *Calendar) Location() *time.Location { return c.loc }

// HolidayName returns the name of the holiday on d, if d is one (national or
// of the office). Weekends are not holidays.
func (c *Calendar) HolidayName(d Date) (string, bool) {
	if name, ok := c.local[d]; ok {
		return name, true
	}
	if c.replaced[d] {
		return "", false
	}
	for _, h := range c.national {
		_, obs := h.Calc(d.Year)
		if obs.IsZero() {
			continue
		}
		// rickar/cal returns the start of the day in its default location;
		// only the civil date matters here.
		if y, m, day := obs.Date(); y == d.Year && m == d.Month && day == d.Day {
			return h.Name, true
		}
	}
	return "", false
}

// Holidays lists the non-business weekdays and holidays of a year, national
// and local, sorted by date (for the technician console: "which days does
// this kiosk skip?"). Holidays on weekends are listed too, named.
func (c *Calendar) Holidays(year int) []Holiday {
	var out []Holiday
	for d := time.Date(year, 1, 1, 12, 0, 0, 0, time.UTC); d.Year() == year; d = d.AddDate(0, 0, 1) {
		if name, ok := c.HolidayName(DateOf(d)); ok {
			out = append(out, Holiday{Date: DateOf(d), Name: name})
		}
	}
	return out
}

// HasLocalDays reports whether the office's holiday file has any entry for
// year. A kiosk whose file has nothing for the current year is counting
// deadlines with national holidays only: worth a warning on the technician
// console every January.
func (c *Calendar) HasLocalDays(year int) bool {
	for d := range c.local {
		if d.Year == year {
			return true
		}
	}
	for d := range c.replaced {
		if d.Year == year {
			return true
		}
	}
	return false
}

// IsBusinessDay reports whether d is a día hábil: Monday to Friday and not a
// holiday.
func (c *Calendar) IsBusinessDay(d Date) bool {
	switch d.Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	_, hol := c.HolidayName(d)
	return !hol
}

// maxDeadlineHours bounds Deadline's loop and keeps hours*time.Hour far from
// overflow; ten years of hours is more than any administrative deadline.
const maxDeadlineHours = 24 * 366 * 10

// Deadline returns the moment when `hours` business hours have passed since
// start, as Spanish administrative law counts "plazos por horas" (Ley
// 39/2015, art. 30.1): every hour of a business day counts, hours of
// Saturdays, Sundays and holidays do not, and a start on a non-business day
// counts from the first hour of the next business day. So 48 business hours
// from Friday 11:40 end on Tuesday 11:40.
//
// Hours are real elapsed hours within business days, in the calendar's
// location; in Spain the clock changes on Sundays, which are skipped, so the
// answer keeps the wall-clock time across both DST changes. A nil calendar
// means Europe/Madrid with national holidays only.
func Deadline(start time.Time, hours int, c *Calendar) time.Time {
	if c == nil {
		c = NewCalendar(nil, nil)
	}
	t := start.In(c.loc)
	if hours <= 0 {
		return t
	}
	if hours > maxDeadlineHours {
		hours = maxDeadlineHours
	}
	remaining := time.Duration(hours) * time.Hour
	for {
		d := DateOf(t)
		next := time.Date(d.Year, d.Month, d.Day+1, 0, 0, 0, 0, c.loc)
		if c.IsBusinessDay(d) {
			avail := next.Sub(t)
			if remaining <= avail {
				return t.Add(remaining)
			}
			remaining -= avail
		}
		t = next
	}
}

// ParseHolidays reads an office's holiday file. The format is plain text,
// one day per line, so an office can keep it up to date with any editor
// from the regional and municipal bulletins (BOE, BOCM, DOGC…):
//
//	# comment; blank lines are ignored
//	2026-04-02 Jueves Santo
//	2026-05-15 San Isidro (Madrid capital)
//	-2026-01-06 Reyes is not a holiday here (replaced by the region)
//
// A line is a date YYYY-MM-DD, then optional spaces and a name. A leading
// "-" marks a national holiday that is not observed in the office's region
// (communities may swap some national days for their own). Anything after a
// " #" is a comment. Errors name the line.
func ParseHolidays(r io.Reader) ([]Holiday, error) {
	var out []Holiday
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if line == 1 {
			// Editors on office PCs often save UTF-8 with a byte-order mark.
			text = strings.TrimPrefix(text, "\ufeff")
		}
		if i := strings.Index(text, " #"); i >= 0 {
			text = text[:i]
		}
		text = strings.TrimSpace(text)
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		h := Holiday{}
		if strings.HasPrefix(text, "-") {
			h.NotObserved = true
			text = strings.TrimSpace(text[1:])
		}
		field, rest := text, ""
		if i := strings.IndexFunc(text, unicode.IsSpace); i >= 0 {
			field, rest = text[:i], text[i:]
		}
		day, err := time.Parse("2006-01-02", field)
		if err != nil {
			return nil, fmt.Errorf("holidays: line %d: %q is not a date (want YYYY-MM-DD, e.g. 2026-05-15 San Isidro)", line, field)
		}
		h.Date = DateOf(day)
		h.Name = strings.TrimSpace(rest)
		out = append(out, h)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("holidays: line %d: %w", line+1, err)
	}
	return out, nil
}

// LoadHolidays reads a holiday file (see ParseHolidays) from disk.
func LoadHolidays(path string) ([]Holiday, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("holidays: %w", err)
	}
	defer f.Close()
	hs, err := ParseHolidays(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return hs, nil
}

// LoadCalendar is what the kiosk calls at start-up: the Europe/Madrid
// calendar with the national holidays plus the office's holiday file (path
// from the config; "" for national holidays only). A bad file stops
// start-up with the file, line and problem.
func LoadCalendar(path string) (*Calendar, error) {
	if path == "" {
		return NewCalendar(nil, nil), nil
	}
	hs, err := LoadHolidays(path)
	if err != nil {
		return nil, err
	}
	return NewCalendar(nil, hs), nil
}

// When is a moment broken into the parts a visitor-facing sentence needs,
// like "antes del martes 25 a las 11:40 aprox.". The sentence itself lives
// in the catalogue (key KeyDeadlineEstimate); WeekdayKey and MonthKey are
// catalogue keys for the names of the day and month.
type When struct {
	Weekday    time.Weekday
	WeekdayKey string
	Day        int
	Month      time.Month
	MonthKey   string
	Year       int
	Hour       int
	Minute     int
	// EndOfDay is true when the moment is the end of the day (shown as
	// 23:59 of that day rather than 00:00 of the next).
	EndOfDay bool
}

// Clock returns "HH:MM" (24-hour clock, used in all six languages).
func (w When) Clock() string { return fmt.Sprintf("%02d:%02d", w.Hour, w.Minute) }

// Numeric returns "DD/MM/YYYY HH:MM", the language-neutral form used in SMS.
func (w When) Numeric() string {
	return fmt.Sprintf("%02d/%02d/%04d %s", w.Day, int(w.Month), w.Year, w.Clock())
}

// Message returns the estimate sentence as a catalogue message. Args:
// WeekdayKey (a key to translate first and pass as Weekday), Day, Time.
// The UI must set Args["Weekday"] to the translated weekday name.
func (w When) Message() Message {
	return Message{Key: KeyDeadlineEstimate, Args: map[string]any{
		"WeekdayKey": w.WeekdayKey, "Weekday": "", "Day": w.Day, "Time": w.Clock(),
		"MonthKey": w.MonthKey, "Month": "", "Year": w.Year,
	}}
}

// Approximate breaks t into the parts of When in loc (nil: Europe/Madrid),
// rounded up to the next five minutes: the deadline is an estimate, and a
// rounded time never promises an answer earlier than the real deadline.
func Approximate(t time.Time, loc *time.Location) When {
	if loc == nil {
		loc = Madrid()
	}
	t = t.In(loc)
	r := t.Truncate(5 * time.Minute)
	if r.Before(t) {
		r = r.Add(5 * time.Minute)
	}
	end := false
	if r.Hour() == 0 && r.Minute() == 0 {
		// Midnight ends the previous day: "martes 25 a las 23:59" reads
		// better than "miércoles 26 a las 00:00" in every language.
		r = r.Add(-time.Minute)
		end = true
	}
	return When{
		Weekday:    r.Weekday(),
		WeekdayKey: weekdayKeys[r.Weekday()],
		Day:        r.Day(),
		Month:      r.Month(),
		MonthKey:   monthKeys[r.Month()-1],
		Year:       r.Year(),
		Hour:       r.Hour(),
		Minute:     r.Minute(),
		EndOfDay:   end,
	}
}

// Catalogue keys of day and month names, indexed by time.Weekday and
// time.Month-1.
var (
	weekdayKeys = [7]string{
		"date.weekday.sunday", "date.weekday.monday", "date.weekday.tuesday", "date.weekday.wednesday",
		"date.weekday.thursday", "date.weekday.friday", "date.weekday.saturday",
	}
	monthKeys = [12]string{
		"date.month.january", "date.month.february", "date.month.march", "date.month.april",
		"date.month.may", "date.month.june", "date.month.july", "date.month.august",
		"date.month.september", "date.month.october", "date.month.november", "date.month.december",
	}
)

// KeyDeadlineEstimate is the catalogue key of the deadline sentence
// ("antes del {{.Weekday}} {{.Day}} a las {{.Time}} aprox.").
const KeyDeadlineEstimate = "fnmt.deadline.estimate"

package procedure

import (
	"bufio"
	_ "embed" // the built-in Madrid holidays
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
// FNMT deadline: not Saturday or Sunday, not a national holiday (from
// github.com/rickar/cal/v2/es), and not a regional or local holiday of any
// of its places. The places are the office (its holiday file) and, for
// FNMT's answer, Madrid, where FNMT works: Ley 39/2015, art. 30.6, makes a
// day that is a holiday where the visitor lives or where the body sits a
// non-business day "en todo caso", so the two lists are joined. It is
// immutable after construction and safe for concurrent use.
type Calendar struct {
	loc      *time.Location
	national []*cal.Holiday
	places   []place
}

// place is the regional and local days of one town.
type place struct {
	name     string
	local    map[Date]string
	replaced map[Date]bool
}

// Places of an FNMT calendar, as Gap.Place names them.
const (
	PlaceOffice = "office"
	PlaceMadrid = "madrid"
)

func newPlace(name string, hs []Holiday) place {
	p := place{name: name, local: make(map[Date]string), replaced: make(map[Date]bool)}
	for _, h := range hs {
		if h.NotObserved {
			p.replaced[h.Date] = true
			delete(p.local, h.Date)
			continue
		}
		p.local[h.Date] = h.Name
		delete(p.replaced, h.Date)
	}
	return p
}

// NewCalendar builds the calendar of an office in loc (nil means
// Europe/Madrid) with the regional/local days of its holiday file (see
// ParseHolidays). National holidays come from rickar/cal's es package: Año
// Nuevo, Reyes, Viernes Santo, 1 de mayo, 15 de agosto, 12 de octubre, Todos
// los Santos, Constitución, Inmaculada and Navidad. Jueves Santo is not in
// that list on purpose: it is a regional holiday (almost every community has
// it, Cataluña and the Comunitat Valenciana do not), so it belongs in the
// office's file, like Lunes de Pascua, regional days and moved holidays.
//
// rickar/cal (v2.1.32, the newest) has Spain's national days only, no
// regional or local calendars, so those come from files (and, for Madrid,
// from the data built into this package: MadridHolidays).
func NewCalendar(loc *time.Location, local []Holiday) *Calendar {
	if loc == nil {
		loc = Madrid()
	}
	return &Calendar{loc: loc, national: es.Holidays, places: []place{newPlace(PlaceOffice, local)}}
}

// With returns a copy of c that also counts the holidays of another place
// (a day off there is a day off for the deadline).
func (c *Calendar) With(name string, hs []Holiday) *Calendar {
	out := *c
	out.places = append(append([]place(nil), c.places...), newPlace(name, hs))
	return &out
}

// FNMTCalendar is the calendar of FNMT's answer time for an office: the
// office's holidays joined with Madrid's (built in, plus madridExtra for
// years this build does not know), in Europe/Madrid.
func FNMTCalendar(office, madridExtra []Holiday) *Calendar {
	return NewCalendar(Madrid(), office).With(PlaceMadrid, append(MadridHolidays(), madridExtra...))
}

// Location returns the time zone the calendar counts in.
func (c *Calendar) Location() *time.Location { return c.loc }

// HolidayName returns the name of the holiday on d, if d is one (national or
// of one of the places). Weekends are not holidays.
func (c *Calendar) HolidayName(d Date) (string, bool) {
	national, isNational := c.nationalName(d)
	for _, p := range c.places {
		if name, ok := p.local[d]; ok {
			return name, true
		}
		if isNational && !p.replaced[d] {
			return national, true
		}
	}
	return "", false
}

func (c *Calendar) nationalName(d Date) (string, bool) {
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

// Gap is a place of the calendar with no holiday data for a year: its
// deadlines that year count national holidays only there, and come out a
// day or two early around its regional and local days.
type Gap struct {
	Place string // PlaceOffice, PlaceMadrid or a name given to With
	Year  int
}

// Gaps returns, for each year asked, the places with no entry at all for
// that year (the technician console warns about them: every kiosk needs
// next year's calendar before next year starts).
func (c *Calendar) Gaps(years ...int) []Gap {
	var out []Gap
	for _, y := range years {
		for _, p := range c.places {
			if !p.covers(y) {
				out = append(out, Gap{Place: p.name, Year: y})
			}
		}
	}
	return out
}

func (p place) covers(year int) bool {
	for d := range p.local {
		if d.Year == year {
			return true
		}
	}
	for d := range p.replaced {
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

// maxDeadlineDays bounds DeadlineDays' loop: ten years of business days
// is more than any administrative deadline.
const maxDeadlineDays = 2600

// DeadlineDays returns the last day of a term of `days` business days
// starting at start, as Spanish administrative law counts "plazos por
// días" (Ley 39/2015, art. 30.2–30.3): only business days count, and the
// count begins on the day after start, in the calendar's location. A term
// set in hours that is longer than 24 hours is expressed in days (art.
// 30.1), which is how FNMT's "48 horas hábiles" becomes two business days:
// a video-identification on Friday is answered by the end of Tuesday. A
// nil calendar means Europe/Madrid with national holidays only; days ≤ 0
// give the day of start.
func DeadlineDays(start time.Time, days int, c *Calendar) Date {
	if c == nil {
		c = NewCalendar(nil, nil)
	}
	d := DateOf(start.In(c.loc))
	days = min(days, maxDeadlineDays)
	for days > 0 {
		d = d.next()
		if c.IsBusinessDay(d) {
			days--
		}
	}
	return d
}

// next returns the following civil day.
func (d Date) next() Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+1, 12, 0, 0, 0, time.UTC))
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

// LoadFNMTCalendar is what the kiosk calls at start-up: FNMTCalendar with
// the office's holiday file and an optional file of Madrid's holidays for
// years this build does not know (paths from the config; "" for none). A
// bad file stops start-up with the file, line and problem.
func LoadFNMTCalendar(officePath, madridPath string) (*Calendar, error) {
	var office, madrid []Holiday
	var err error
	if officePath != "" {
		if office, err = LoadHolidays(officePath); err != nil {
			return nil, err
		}
	}
	if madridPath != "" {
		if madrid, err = LoadHolidays(madridPath); err != nil {
			return nil, err
		}
	}
	return FNMTCalendar(office, madrid), nil
}

//go:embed holidays/madrid.txt
var madridFile string

// MadridHolidays returns the regional holidays of the Comunidad de Madrid
// and the local ones of Madrid capital that this build knows
// (holidays/madrid.txt, with its sources). It panics on a bad file, which
// a test makes impossible to ship.
func MadridHolidays() []Holiday {
	hs, err := ParseHolidays(strings.NewReader(madridFile))
	if err != nil {
		panic("procedure: built-in holidays/madrid.txt: " + err.Error())
	}
	return hs
}

// KeyDateLong is the catalogue key of a date in words, "martes 24 de
// noviembre". Args: Weekday and MonthOf, from WeekdayKey and MonthOfKey
// (translated first; MonthOf is the month as a date writes it: "de
// noviembre", "d'abril", "azaroaren", "November"), and Day.
const KeyDateLong = "date.long"

// Message returns the date in words as a catalogue message (KeyDateLong).
// The year is left out: the dates the kiosk gives are days away.
func (d Date) Message() Message {
	return Message{Key: KeyDateLong, Args: map[string]any{
		"WeekdayKey": weekdayKeys[d.Weekday()], "Day": d.Day, "MonthOfKey": monthOfKeys[d.Month-1],
	}}
}

// Numeric returns "DD/MM/YYYY", the language-neutral form for the
// take-home QR text.
func (d Date) Numeric() string { return fmt.Sprintf("%02d/%02d/%04d", d.Day, int(d.Month), d.Year) }

// Catalogue keys of day and month names, indexed by time.Weekday and
// time.Month-1.
var (
	weekdayKeys = [7]string{
		"date.weekday.sunday", "date.weekday.monday", "date.weekday.tuesday", "date.weekday.wednesday",
		"date.weekday.thursday", "date.weekday.friday", "date.weekday.saturday",
	}
	monthOfKeys = [12]string{
		"date.month_of.january", "date.month_of.february", "date.month_of.march", "date.month_of.april",
		"date.month_of.may", "date.month_of.june", "date.month_of.july", "date.month_of.august",
		"date.month_of.september", "date.month_of.october", "date.month_of.november", "date.month_of.december",
	}
)

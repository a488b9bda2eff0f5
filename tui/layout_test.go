package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/lipgloss"
	"github.com/ventanilla-kiosk/ventanilla/procedure"
	"github.com/ventanilla-kiosk/ventanilla/tui/i18n"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

// The layout test walks every screen of the kiosk (home, staff help,
// maintenance, the shell's dialogs, the three procedures with their error
// and device states) and, on every state, renders it in the six languages
// at 80×24 in normal and in large text. It fails on:
//   - a line wider than the screen, or a screen that is not 24 lines;
//   - a raw catalogue key (⟦key⟧);
//   - a cut word: a line that ends in part of a word of the catalogue
//     (the terminal or a truncation cut it), or a body taller than the
//     space the frame gives it (its last lines are lost);
//   - a help bar that lost one of the screen's keys;
//   - a key that the help bar offers and that does nothing, a key that
//     moves the visitor on but that neither the help bar nor the text
//     names, and a key the text tells the visitor to press that does
//     nothing (checked in Spanish on a replayed copy of each state: the
//     other languages share the keys).

// walkData is what the walk types: it is part of the vocabulary.
var walkData = []string{
	"12345678Z", "X1234567L", "E12345678", "García", "López", "Ana María", "ana@example.es", "ana@gmial.com",
	"123456789", "612345678", "+34 612 345 678", "600", "99", "Getafe",
}

// vocabulary is every word the screens may show in one language: its
// catalogue, the language names, the Spanish templates (the Cl@ve sheet is
// Spanish in every language), the office's settings, the FNMT addresses
// and the walk's own data.
func vocabulary(t testing.TB, cat *i18n.Catalog, l i18n.Lang) (map[string]bool, []string) {
	t.Helper()
	// This language's catalogue only: a word cut in French may be a whole
	// Spanish word ("Él" of "Éloignez").
	var texts []string
	for _, k := range cat.Keys(l) {
		texts = append(texts, k)
	}
	for _, n := range i18n.Native {
		texts = append(texts, n)
	}
	tmpls, _ := filepath.Glob("../procedure/templates/*.tmpl")
	for _, f := range tmpls {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, string(b))
	}
	s := walkSettings
	texts = append(texts, s.Office, s.Place, s.HelpDesk, s.CallCentre.Email, s.CallCentre.Phone, s.CallCentre.Hours)
	links := procedure.DefaultFNMTLinks()
	texts = append(texts, links.Info, links.RequestForm, links.VideoID, links.Download)
	for _, u := range links.Configurator {
		texts = append(texts, u)
	}
	texts = append(texts, walkData...)
	vocab := map[string]bool{}
	for _, tx := range texts {
		for _, w := range words(tx) {
			vocab[w] = true
		}
	}
	sorted := make([]string, 0, len(vocab))
	for w := range vocab {
		sorted = append(sorted, w)
	}
	sort.Strings(sorted)
	return vocab, sorted
}

// words splits text into lower-case runs of letters.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) })
}

// lastWord is the run of letters a line ends with, ignoring a trailing
// truncation mark; "" when the line ends in anything else.
func lastWord(line string) string {
	line = strings.TrimRight(line, " ")
	line = strings.TrimSuffix(line, "…")
	end := len(line)
	start := end
	for start > 0 {
		r, size := utf8.DecodeLastRuneInString(line[:start])
		if !unicode.IsLetter(r) {
			break
		}
		start -= size
	}
	return strings.ToLower(line[start:end])
}

// cutWord reports whether w is a strict beginning of a vocabulary word and
// not itself one.
func cutWord(w string, vocab map[string]bool, sorted []string) (string, bool) {
	if w == "" || vocab[w] {
		return "", false
	}
	i := sort.SearchStrings(sorted, w)
	if i < len(sorted) && strings.HasPrefix(sorted[i], w) {
		return sorted[i], true
	}
	return "", false
}

// columnRE separates columns laid side by side (a QR code and its caption).
var columnRE = regexp.MustCompile(`  +`)

var urlRE = regexp.MustCompile(`(https?://|www\.)\S+`)

// mentionRE finds keys named in a text ("pulse F5", "Pulse Enter").
var mentionRE = regexp.MustCompile(`\b(Enter|Esc|F5|F7|F8|F10)\b`)

// layout holds what the walk found, reported once per problem.
type layout struct {
	t       *testing.T
	cat     *i18n.Catalog
	vocab   map[i18n.Lang]map[string]bool
	sorted  map[i18n.Lang][]string
	seen    map[string]bool // views already checked
	probed  map[string]bool // kinds of state already probed (see probe)
	errs    map[string]bool
	known   *knownSeen
	urls    map[string]bool
	nStates int
	nViews  int
}

func newLayout(t *testing.T) *layout {
	l := &layout{t: t, cat: i18n.MustDefault(), vocab: map[i18n.Lang]map[string]bool{}, sorted: map[i18n.Lang][]string{},
		seen: map[string]bool{}, probed: map[string]bool{}, errs: map[string]bool{}, known: &knownSeen{m: map[int]bool{}}}
	for _, lang := range i18n.All {
		l.vocab[lang], l.sorted[lang] = vocabulary(t, l.cat, lang)
	}
	links := procedure.DefaultFNMTLinks()
	l.urls = map[string]bool{links.Info: true, links.RequestForm: true, links.VideoID: true, links.Download: true}
	for _, u := range links.Configurator {
		l.urls[u] = true
	}
	for u := range l.urls {
		l.urls[strings.TrimPrefix(u, "https://")] = true // written out for typing
	}
	return l
}

// knownProblems are problems this test finds whose fix belongs to another
// part of the work under way; the entry goes with the fix. An entry that
// no longer matches anything fails the test, so the list only shrinks.
var knownProblems = []struct{ match, owner string }{}

func (l *layout) errorf(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	if l.errs[msg] {
		return
	}
	l.errs[msg] = true
	for i, k := range knownProblems {
		if strings.HasPrefix(msg, k.match) {
			l.known.mark(i)
			l.t.Logf("known, being fixed by %s: %s", k.owner, strings.SplitN(msg, "\n", 2)[0])
			return
		}
	}
	l.t.Error(msg)
}

// knownSeen records which knownProblems matched, across parallel walks.
type knownSeen struct {
	mu sync.Mutex
	m  map[int]bool
}

func (k *knownSeen) mark(i int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.m[i] = true
}

// fork is a layout for one walk running in parallel with others: its own
// records, the shared vocabulary and known-problem tally.
func (l *layout) fork(t *testing.T) *layout {
	return &layout{t: t, cat: l.cat, vocab: l.vocab, sorted: l.sorted, urls: l.urls, known: l.known,
		seen: map[string]bool{}, probed: map[string]bool{}, errs: map[string]bool{}}
}

// checkKnown fails for entries of knownProblems that matched nothing.
func (l *layout) checkKnown(t *testing.T) {
	l.known.mu.Lock()
	defer l.known.mu.Unlock()
	for i, k := range knownProblems {
		if !l.known.m[i] {
			t.Errorf("known problem %q no longer happens: remove it from knownProblems", k.match)
		}
	}
}

// look checks the current state of h in every language and both text
// sizes; probe also presses the keys on replayed copies.
func (l *layout) look(h *harness, name string, probe bool) {
	l.t.Helper()
	l.nStates++
	env := h.env
	lang, styles := env.T.Lang(), env.Styles
	defer func() { env.T.SetLang(lang); env.Styles = styles }()
	for _, high := range []bool{false, true} {
		env.Styles = kit.NewStyles(h.r, high)
		for _, lg := range i18n.All {
			env.T.SetLang(lg)
			l.check(h, fmt.Sprintf("%s [%s%s]", name, lg, map[bool]string{true: ", large text"}[high]), lg)
		}
	}
	env.T.SetLang(lang)
	env.Styles = styles
	if probe {
		l.probe(h, name)
	}
}

func (l *layout) check(h *harness, where string, lg i18n.Lang) {
	v := h.m.View()
	key := string(lg) + "\x00" + v
	if l.seen[key] {
		return
	}
	l.seen[key] = true
	l.nViews++
	lines := strings.Split(v, "\n")
	var probs []string
	if len(lines) != h.m.height {
		probs = append(probs, fmt.Sprintf("the screen is %d lines, not %d", len(lines), h.m.height))
	}
	if strings.Contains(v, "⟦") {
		probs = append(probs, "raw catalogue key on screen")
	}
	// lipgloss pads every line to the widest: name the widest one.
	widest, wi := 0, 0
	for i, line := range lines {
		if w := lipgloss.Width(strings.TrimRight(line, " ")); w > widest {
			widest, wi = w, i
		}
	}
	if widest > h.m.width {
		probs = append(probs, fmt.Sprintf("line %d is %d cells wide (%d fit): %q", wi+1, widest, h.m.width, strings.TrimRight(lines[wi], " ")))
	}
	for i, line := range lines {
		// A sign wrapped away from its word starts a line, or a column
		// beside a QR code. (Split on the plain space only: a no-break
		// space binds.)
		for _, col := range columnRE.Split(line, -1) {
			f := strings.Split(strings.TrimSpace(col), " ")
			if first := f[0]; utf8.RuneCountInString(first) == 1 && strings.Contains(":;?»", first) { // "! " is the warning mark
				probs = append(probs, fmt.Sprintf("line %d starts with a sign cut from its word (%q): %q", i+1, first, strings.TrimRight(line, " ")))
			}
		}
		if full, cut := cutWord(lastWord(line), l.vocab[lg], l.sorted[lg]); cut {
			probs = append(probs, fmt.Sprintf("line %d ends in a cut word (%q of %q): %q", i+1, lastWord(line), full, strings.TrimRight(line, " ")))
		}
	}
	// An address is shown whole on one line, or a visitor types half
	// of it.
	for i, line := range lines {
		for _, u := range urlRE.FindAllString(line, -1) {
			if !l.urls[strings.TrimRight(u, ".,;:)")] {
				probs = append(probs, fmt.Sprintf("line %d has a cut address %q", i+1, u))
			}
		}
	}
	// The body must fit its space: the frame cuts what does not.
	if !h.m.warning && !h.m.confirmCancel && h.m.width >= MinWidth && h.m.height >= MinHeight {
		body := strings.Split(strings.TrimRight(h.m.active.View(), "\n "), "\n")
		if room := h.m.height - chrome; len(body) > room {
			probs = append(probs, fmt.Sprintf("the body is %d lines and %d fit: these are cut: %q", len(body), room,
				strings.Join(body[room:], " / ")))
		}
	}
	// Every key of the help bar must be on it.
	footer := strings.Join(lines[max(0, len(lines)-footerLines):], "\n")
	km, _ := h.m.footerKeys()
	for _, b := range kit.Localize(km, h.env.T).ShortHelp() {
		hl := b.Help()
		if !strings.Contains(footer, hl.Key+" "+hl.Desc) {
			probs = append(probs, fmt.Sprintf("the help bar lost %q", hl.Key+" "+hl.Desc))
		}
	}
	if len(probs) > 0 {
		l.errorf("%s:\n  - %s\n%s", where, strings.Join(probs, "\n  - "), v)
	}
}

// footerHas reports whether the help bar shows the key label.
func footerHas(h *harness, label string) bool {
	km, _ := h.m.footerKeys()
	for _, b := range km.ShortHelp() {
		if b.Enabled() && (b.Help().Key == label || strings.Contains(b.Help().Key, label+"/") || strings.HasSuffix(b.Help().Key, "/"+label)) {
			return true
		}
	}
	return false
}

var probeKeys = map[string]string{"Enter": "enter", "Esc": "esc", "F5": "f5", "F7": "f7", "F8": "f8"}

// probe presses each probe key on a replayed copy of the state and
// compares what the help bar and the text promise with what happens.
//
// Replays are most of the test's time, so a state is probed once per kind:
// the same procedure step, title, help bar and named keys behave alike
// whatever the visitor typed.
func (l *layout) probe(h *harness, name string) {
	before := h.stableView()
	body := h.m.active.View()
	if h.m.confirmCancel || h.m.warning {
		body = ""
	}
	mentioned := map[string]bool{}
	var named []string
	for _, m := range mentionRE.FindAllString(body, -1) {
		if !mentioned[m] {
			named = append(named, m)
		}
		mentioned[m] = true
	}
	sort.Strings(named)
	kind := strings.Join([]string{h.m.flow, h.m.stepName(), h.m.active.Title(), h.m.footer(), strings.Join(named, ",")}, "\x00")
	if l.probed[kind] {
		return
	}
	l.probed[kind] = true
	n := len(h.actions)
	for _, label := range []string{"Enter", "Esc", "F5", "F7", "F8"} {
		k := probeKeys[label]
		shown := footerHas(h, label)
		// Enter and Esc are tried everywhere; the screen's own function
		// keys where the help bar or the text names them.
		if label != "Enter" && label != "Esc" && !shown && !mentioned[label] {
			continue
		}
		r := h.replay(n)
		if r.stableView() != before {
			l.t.Fatalf("%s: the replay is not deterministic:\n%s\n---\n%s", name, before, r.stableView())
		}
		flow, tries, title, bar := r.m.flow, r.attempts(), r.m.active.Title(), r.m.footer()
		r.deliver(keyMsg(k))
		// It reacted if anything changed on screen or it tried to queue
		// something (a retry that fails again looks the same). It moved on
		// if the procedure, the title or the help bar changed: a key that
		// only brings up a message ("wait a minute") has not.
		tried := r.attempts() != tries
		movedOn := tried || r.m.flow != flow || r.m.active.Title() != title || r.m.footer() != bar
		reacted := movedOn || r.stableView() != before
		switch {
		case shown && !reacted:
			l.errorf("%s: the help bar offers %s, which does nothing here:\n%s", name, label, before)
		case !shown && movedOn && !mentioned[label] && label != "Esc":
			// Esc is a global key, shown on every procedure screen.
			l.errorf("%s: %s moves on here but the help bar does not show it:\n%s", name, label, before)
		case mentioned[label] && !reacted:
			l.errorf("%s: the text says to press %s, which does nothing here:\n%s", name, label, before)
		}
	}
}

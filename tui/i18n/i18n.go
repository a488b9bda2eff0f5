// Package i18n holds the visitor-facing text of the kiosk in six languages
// and looks it up. Spanish is the source language: every key exists in the
// Spanish catalogue first, and the completeness test holds the other five to
// it (same keys, same placeholders).
//
// Catalogues live in catalog/<domain>.<lang>.toml so that each part of the
// product (home, fnmt, callcentre, capture, validation…) owns its own files.
// Keys are nested TOML tables joined with dots: [home] title = "…" is the key
// "home.title". A leaf must not be named like a go-i18n plural or meta field
// (id, description, hash, zero, one, two, few, many, other, leftdelim,
// rightdelim): go-i18n would read the table as a message.
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Lang is one of the kiosk's languages, as a BCP 47 tag.
type Lang string

// The languages the kiosk offers, in the order the home screen lists them.
const (
	ES Lang = "es"
	CA Lang = "ca"
	GL Lang = "gl"
	EU Lang = "eu"
	EN Lang = "en"
	FR Lang = "fr"
)

// Source is the language every other catalogue is checked against.
const Source = ES

// All lists every language the kiosk ships, Spanish first.
var All = []Lang{ES, CA, GL, EU, EN, FR}

// Native is the name of each language written in that language; it is shown
// as is on the home screen so a visitor recognises their own.
var Native = map[Lang]string{
	ES: "Español", CA: "Català", GL: "Galego", EU: "Euskara", EN: "English", FR: "Français",
}

// Parse turns a config or user string into a Lang.
func Parse(s string) (Lang, error) {
	l := Lang(strings.ToLower(strings.TrimSpace(s)))
	for _, k := range All {
		if k == l {
			return l, nil
		}
	}
	return "", fmt.Errorf("unknown language %q (use one of es, ca, gl, eu, en, fr)", s)
}

//go:embed catalog/*.toml
var catalogFS embed.FS

// Catalog is the parsed set of message files. Each language has its own
// go-i18n bundle, parsed the first time the language is used: the Spanish
// catalogue (the one the home screen needs) when the catalogue is loaded,
// the other five when a visitor first picks one (about 2 ms each, on the
// caller's goroutine, once). Start-up pays for one language instead of
// six, and nothing parses in the background while the visitor types.
type Catalog struct {
	langs map[Lang]*langCatalog
}

type langCatalog struct {
	once   sync.Once
	parsed atomic.Bool
	fsys   fs.FS
	lang   Lang
	files  []string
	// Set by parse, read only after once.Do returns.
	err  error
	keys map[string]string
	loc  *goi18n.Localizer
}

var (
	defaultOnce sync.Once
	defaultCat  *Catalog
	defaultErr  error
)

// Default returns the embedded catalogue. The Spanish part is parsed before
// it returns; each other language is parsed on its first lookup.
func Default() (*Catalog, error) {
	defaultOnce.Do(func() { defaultCat, defaultErr = load(catalogFS) })
	return defaultCat, defaultErr
}

// MustDefault is Default for tests and tools that need every language: the
// catalogue is embedded, so failing to parse it is a build defect, not a
// runtime condition. It parses all six languages.
func MustDefault() *Catalog {
	c, err := Default()
	if err != nil {
		panic(err)
	}
	if err := c.Wait(); err != nil {
		panic(err)
	}
	return c
}

// Load parses every catalog/*.toml file in fsys, all languages, before it
// returns.
func Load(fsys fs.FS) (*Catalog, error) {
	c, err := load(fsys)
	if err != nil {
		return nil, err
	}
	return c, c.Wait()
}

// load indexes the files by language and parses Spanish; the other
// languages wait for their first use.
func load(fsys fs.FS) (*Catalog, error) {
	files, err := fs.Glob(fsys, "catalog/*.toml")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	c := &Catalog{langs: make(map[Lang]*langCatalog, len(All))}
	for _, l := range All {
		c.langs[l] = &langCatalog{fsys: fsys, lang: l}
	}
	for _, f := range files {
		// name.<lang>.toml
		parts := strings.Split(path.Base(f), ".")
		if len(parts) < 3 {
			return nil, fmt.Errorf("i18n: %s: name it <domain>.<lang>.toml", f)
		}
		l, err := Parse(parts[len(parts)-2])
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", f, err)
		}
		c.langs[l].files = append(c.langs[l].files, f)
	}
	if src := c.langs[Source].ready(); src.err != nil {
		return nil, src.err
	}
	return c, nil
}

// ready parses the language on its first call; every call returns once it
// is parsed (sync.Once: two goroutines asking at once parse it once).
func (lc *langCatalog) ready() *langCatalog {
	lc.once.Do(lc.parse)
	return lc
}

func (lc *langCatalog) parse() {
	defer lc.parsed.Store(true)
	b := goi18n.NewBundle(language.Make(string(lc.lang)))
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	keys := map[string]string{}
	for _, f := range lc.files {
		buf, err := fs.ReadFile(lc.fsys, f)
		if err != nil {
			lc.err = fmt.Errorf("i18n: read %s: %w", f, err)
			return
		}
		mf, err := b.ParseMessageFileBytes(buf, path.Base(f))
		if err != nil {
			lc.err = fmt.Errorf("i18n: parse %s: %w", f, err)
			return
		}
		for _, m := range mf.Messages {
			if _, dup := keys[m.ID]; dup {
				lc.err = fmt.Errorf("i18n: %s: key %q defined twice for %s", f, m.ID, lc.lang)
				return
			}
			keys[m.ID] = m.Other
		}
	}
	lc.keys = keys
	lc.loc = goi18n.NewLocalizer(b, string(lc.lang))
}

// Wait parses every language not parsed yet and reports the first error.
func (c *Catalog) Wait() error {
	for _, l := range All {
		if lc := c.langs[l].ready(); lc.err != nil {
			return lc.err
		}
	}
	return nil
}

// Loaded reports whether language l has been parsed (for tests and
// benchmarks of the lazy loading).
func (c *Catalog) Loaded(l Lang) bool {
	lc := c.langs[l]
	if lc == nil {
		return false
	}
	return lc.parsed.Load()
}

func (c *Catalog) lang(l Lang) *langCatalog {
	lc := c.langs[l]
	if lc == nil {
		lc = c.langs[Source]
	}
	return lc.ready()
}

// Keys returns the message texts of one language by key.
func (c *Catalog) Keys(l Lang) map[string]string { return c.lang(l).keys }

// Has reports whether the source catalogue defines key.
func (c *Catalog) Has(key string) bool {
	_, ok := c.lang(Source).keys[key]
	return ok
}

// Text looks key up in language l. args are name/value pairs for the
// message's template ("N", 2, "Total", 4). A key missing in l falls back to
// Spanish, so a visitor reads Spanish rather than a key name; a key missing
// everywhere renders as ⟦key⟧ so that it is visible on screen and in golden
// files instead of silently blank.
func (c *Catalog) Text(l Lang, key string, args ...any) string {
	var data map[string]any
	if len(args) > 0 {
		data = make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			name, _ := args[i].(string)
			data[name] = args[i+1]
		}
	}
	// No PluralCount: the catalogues have one form per message (numbers
	// are placeholders in the sentence), and go-i18n would look for a
	// "one"/"few" form and fail on "Count" = 1.
	cfg := &goi18n.LocalizeConfig{MessageID: key, TemplateData: data}
	for _, lc := range []*langCatalog{c.lang(l), c.lang(Source)} {
		if lc.loc == nil {
			continue
		}
		if _, ok := lc.keys[key]; !ok {
			continue
		}
		if s, err := lc.loc.Localize(cfg); err == nil && s != "" {
			return s
		}
	}
	return "⟦" + key + "⟧"
}

// Translator gives text in one current language. The kiosk shares one
// Translator between all screens, so switching language mid-flow changes
// every screen at the next View without touching visitor data.
type Translator struct {
	cat  *Catalog
	lang Lang
}

// NewTranslator returns a Translator in language l.
func NewTranslator(c *Catalog, l Lang) *Translator { return &Translator{cat: c, lang: l} }

// T returns the text for key in the current language; args are name/value
// pairs for placeholders.
func (t *Translator) T(key string, args ...any) string { return t.cat.Text(t.lang, key, args...) }

// Lang is the current language.
func (t *Translator) Lang() Lang { return t.lang }

// SetLang changes the current language.
func (t *Translator) SetLang(l Lang) { t.lang = l }

// Catalog returns the catalogue behind t.
func (t *Translator) Catalog() *Catalog { return t.cat }

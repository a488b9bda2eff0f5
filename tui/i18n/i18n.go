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

// Catalog is the parsed set of message files.
type Catalog struct {
	bundle *goi18n.Bundle
	// keys per language, for the completeness check and for tools.
	keys map[Lang]map[string]string
	locs map[Lang]*goi18n.Localizer
}

var (
	defaultOnce sync.Once
	defaultCat  *Catalog
	defaultErr  error
)

// Default returns the embedded catalogue, parsed once.
func Default() (*Catalog, error) {
	defaultOnce.Do(func() { defaultCat, defaultErr = Load(catalogFS) })
	return defaultCat, defaultErr
}

// MustDefault is Default for program start-up and tests: the catalogue is
// embedded, so failing to parse it is a build defect, not a runtime condition.
func MustDefault() *Catalog {
	c, err := Default()
	if err != nil {
		panic(err)
	}
	return c
}

// Load parses every catalog/*.toml file in fsys.
func Load(fsys fs.FS) (*Catalog, error) {
	b := goi18n.NewBundle(language.Spanish)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	c := &Catalog{bundle: b, keys: map[Lang]map[string]string{}, locs: map[Lang]*goi18n.Localizer{}}
	files, err := fs.Glob(fsys, "catalog/*.toml")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	for _, f := range files {
		buf, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("i18n: read %s: %w", f, err)
		}
		mf, err := b.ParseMessageFileBytes(buf, path.Base(f))
		if err != nil {
			return nil, fmt.Errorf("i18n: parse %s: %w", f, err)
		}
		lang, err := Parse(mf.Tag.String())
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", f, err)
		}
		if c.keys[lang] == nil {
			c.keys[lang] = map[string]string{}
		}
		for _, m := range mf.Messages {
			if _, dup := c.keys[lang][m.ID]; dup {
				return nil, fmt.Errorf("i18n: %s: key %q defined twice for %s", f, m.ID, lang)
			}
			c.keys[lang][m.ID] = m.Other
		}
	}
	for _, l := range All {
		// The fallback to Spanish only matters if a key slipped past the
		// completeness test; a visitor then reads Spanish, not a key name.
		c.locs[l] = goi18n.NewLocalizer(b, string(l), string(ES))
	}
	return c, nil
}

// Keys returns the message texts of one language by key.
func (c *Catalog) Keys(l Lang) map[string]string { return c.keys[l] }

// Has reports whether the source catalogue defines key.
func (c *Catalog) Has(key string) bool {
	_, ok := c.keys[Source][key]
	return ok
}

// Text looks key up in language l. args are name/value pairs for the
// message's template ("N", 2, "Total", 4). A missing key renders as ⟦key⟧ so
// that it is visible on screen and in golden files instead of silently blank.
func (c *Catalog) Text(l Lang, key string, args ...any) string {
	loc := c.locs[l]
	if loc == nil {
		loc = c.locs[ES]
	}
	var data map[string]any
	if len(args) > 0 {
		data = make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			name, _ := args[i].(string)
			data[name] = args[i+1]
		}
	}
	cfg := &goi18n.LocalizeConfig{MessageID: key, TemplateData: data}
	if n, ok := data["Count"]; ok {
		cfg.PluralCount = n
	}
	// On a missing key go-i18n returns the Spanish text together with a
	// MessageNotFoundErr; the text is what the visitor should see.
	s, _ := loc.Localize(cfg)
	if s == "" {
		return "⟦" + key + "⟧"
	}
	return s
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

package i18n_test

import (
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/ventanilla-kiosk/ventanilla/procedure"
	"github.com/ventanilla-kiosk/ventanilla/tui/i18n"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
	"github.com/ventanilla-kiosk/ventanilla/tui/steps"
)

// banned is one variant a language's catalogue must not use, with the
// word it uses instead. The kiosk picks one word for each thing and one
// form of address per language, so a visitor never wonders whether "la
// borne" and "le kiosque" are two machines.
type banned struct {
	re  *regexp.Regexp
	use string
}

func ban(pattern, use string) banned { return banned{regexp.MustCompile(pattern), use} }

// Key names are the help bar's labels in every language ("Enter", "Esc"),
// so the text names the key the visitor sees at the bottom of the screen.
var glossary = map[i18n.Lang][]banned{
	i18n.ES: {
		// Usted throughout: no informal imperatives or pronouns.
		ban(`(?i)\b(tú|tu|tus|te|ti|contigo|revisa|elige|repite|tienes|puedes|quieres|debes|escribe|pulsa)\b`, "the usted form"),
		ban(`(?i)inválid`, "saying what is wrong, not just 'inválido'"),
		ban(`\bBienvenid[oa]s?\b`, "«Le damos la bienvenida» (addresses everyone)"),
		ban(`\bIntro\b`, "Enter, the help bar's name for the key"),
	},
	i18n.CA: {
		// Vostè throughout (the shell used it, the rest used vós).
		ban(`(?i)\b(vostre|vostra|vostres|vosaltres)\b`, "seu/seva (vostè)"),
		ban(`\b[Uu]s\b`, "li/el (vostè); only «si us plau» keeps «us»"),
		ban(`(?i)\b(escriviu|premeu|reviseu|comproveu|teniu|tingueu|podeu|heu|feu|voleu|preferiu|rebreu|trobareu|haureu|fareu|demaneu|aviseu|trieu|indiqueu|llegiu|accepteu|proveu|espereu|anoteu|torneu|mireu|gireu|poseu|col·loqueu|acosteu|allunyeu|eviteu|inclineu|mantingueu|busqueu|subjecteu|aparteu|tanqueu|descarregueu|escanegeu|repetiu|copieu|deixeu|envieu|mogueu|necessiteu|obriu|confirmeu|seguiu|feu-ho)\b`, "the vostè imperative (escrigui, premi…)"),
		ban(`(?i)\b(escriviu|premeu|reviseu|comproveu|repetiu|copieu|col·loqueu|acosteu|allunyeu|inclineu|gireu|anoteu|torneu|poseu|subjecteu)-(lo|la|los|les|ho|ne|vos)\b`, "the vostè imperative with its pronoun (escrigui'l…)"),
		ban(`\bBenvingud?[ae]?s?\b`, "«Li donem la benvinguda»"),
		ban(`\bRetorn\b`, "Enter, the help bar's name for the key"),
	},
	i18n.GL: {
		ban(`(?i)incíneo`, "inclíneo"),
		ban(`(?i)\bclave privada\b`, "chave privada"),
		ban(`\bBenvid[oa]s?\b`, "«Dámoslle a benvida»"),
		ban(`\bIntro\b`, "Enter, the help bar's name for the key"),
	},
	i18n.EU: {
		// The Basque administration writes NAN and AIZ.
		ban(`\bNIE`, "AIZ"),
	},
	i18n.EN: {
		ban(`\b[Ee]mail\b`, "e-mail"),
		ban(`[«»]`, "English quotation marks “ ”"),
	},
	i18n.FR: {
		ban(`(?i)\bkiosques?\b`, "borne"),
		ban(`(?i)\be-?mails?\b`, "courriel (the message), adresse électronique (the address)"),
		ban(`(?i)\bportables?\b`, "mobile"),
		ban(`\bEntrée\b`, "Enter, the help bar's name for the key"),
		ban(`\bÉchap\b`, "Esc, the help bar's name for the key"),
		// French puts a space before : ; ? ! » and after «; a no-break one
		// (U+00A0), which the screen never wraps, or the sign is left
		// alone at the start of a line. (Not in SMS: U+00A0 is not in the
		// GSM alphabet.)
		ban(` [:;?!»]|« `, "a no-break space (U+00A0) around : ; ? ! « »"),
	},
}

// placeholderText strips {{…}} so that argument names are not checked.
var placeholderText = regexp.MustCompile(`\{\{[^}]*\}\}`)

// glossaryProblems lists each text of the catalogue that uses a banned
// variant.
func glossaryProblems(c *i18n.Catalog) []string {
	var out []string
	for _, l := range i18n.All {
		keys := c.Keys(l)
		names := make([]string, 0, len(keys))
		for k := range keys {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			text := placeholderText.ReplaceAllString(keys[k], "")
			if l == i18n.CA {
				text = strings.ReplaceAll(text, "si us plau", "")
			}
			for _, b := range glossary[l] {
				if strings.HasPrefix(k, "sms.") && strings.Contains(b.use, "U+00A0") {
					continue
				}
				if m := b.re.FindString(text); m != "" {
					out = append(out, fmt.Sprintf("%s %s uses %q; use %s: %s", l, k, m, b.use, keys[k]))
				}
			}
		}
	}
	return out
}

// TestGlossary: one word for each thing and one form of address per
// language (issue 13.16).
func TestGlossary(t *testing.T) {
	for _, p := range glossaryProblems(i18n.MustDefault()) {
		t.Error(p)
	}
}

// TestGlossaryCanFail runs the check on texts with the variants the issue
// found.
func TestGlossaryCanFail(t *testing.T) {
	fsys := map[string]string{
		"catalog/x.es.toml": "[x]\na = \"Bienvenido. Revisa tu correo.\"\n",
		"catalog/x.ca.toml": "[x]\na = \"Escriviu el vostre nom, si us plau.\"\n",
		"catalog/x.gl.toml": "[x]\na = \"Incíneo e garde a clave privada.\"\n",
		"catalog/x.eu.toml": "[x]\na = \"NAN edo NIE\"\n",
		"catalog/x.en.toml": "[x]\na = \"Your email\"\n",
		"catalog/x.fr.toml": "[x]\na = \"Ce kiosque, votre e-mail, votre portable : merci.\"\n",
	}
	c, err := i18n.Load(mapFS(fsys))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(glossaryProblems(c), "\n")
	for _, want := range []string{`es x.a uses "Bienvenido"`, `es x.a uses "Revisa"`, `ca x.a uses "vostre"`,
		`ca x.a uses "Escriviu"`, `gl x.a uses "Incíneo"`, `gl x.a uses "clave privada"`, `eu x.a uses "NIE"`,
		`en x.a uses "email"`, `fr x.a uses "kiosque"`, `fr x.a uses "e-mail"`, `fr x.a uses "portable"`, `fr x.a uses " :"`} {
		if !strings.Contains(got, want) {
			t.Errorf("the glossary check missed %s; it said:\n%s", want, got)
		}
	}
	if strings.Contains(got, `uses "us"`) {
		t.Errorf("«si us plau» is not a vós form:\n%s", got)
	}
}

// monthNames are the months as each language writes them in a date,
// written out here independently of the catalogue: the deadline must name
// the month (issue 13.16), and the catalogue is what is being checked.
var monthNames = map[i18n.Lang][12]string{
	i18n.ES: {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
	i18n.CA: {"gener", "febrer", "març", "abril", "maig", "juny", "juliol", "agost", "setembre", "octubre", "novembre", "desembre"},
	i18n.GL: {"xaneiro", "febreiro", "marzo", "abril", "maio", "xuño", "xullo", "agosto", "setembro", "outubro", "novembro", "decembro"},
	i18n.EU: {"urtarril", "otsail", "martxo", "apiril", "maiatz", "ekain", "uztail", "abuztu", "irail", "urri", "azaro", "abendu"},
	i18n.EN: {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	i18n.FR: {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
}

// TestDeadlineNamesTheMonth renders the answer-time sentence as the FNMT
// screens do, for a day in every month, in every language.
func TestDeadlineNamesTheMonth(t *testing.T) {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	env := &kit.Env{T: i18n.NewTranslator(i18n.MustDefault(), i18n.ES), Styles: kit.NewStyles(r, false), Renderer: r}
	for _, l := range i18n.All {
		env.T.SetLang(l)
		for m := time.January; m <= time.December; m++ {
			d := procedure.Date{Year: 2026, Month: m, Day: 15}
			text := steps.MessageText(env, procedure.FNMTDeadlineMessage(steps.MessageText(env, d.Message())))
			if !strings.Contains(strings.ToLower(text), strings.ToLower(monthNames[l][m-1])) {
				t.Errorf("%s %s: the deadline does not name the month: %q", l, m, text)
			}
		}
	}
}

func mapFS(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for name, data := range files {
		m[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return m
}

// cardWords name a card in each language. The photo steps film any
// identity document, and an EU citizen registration certificate (the NIE
// of an EU citizen) is a sheet of paper, not a card: their texts say
// "document" (documento, document, agiria, pièce d'identité).
var cardWords = regexp.MustCompile(`(?i)\b(cards?|cartes?|tarjetas?|targetes?|targeta|tarxetas?|txartel\p{L}*)\b`)

// photoTextPrefixes are the keys of the photo steps: the camera's
// placing, advice, help and side texts, and the issues a photo review
// lists.
var photoTextPrefixes = []string{"capture.", "steps.issue_"}

// cardWording lists the photo texts that name a card.
func cardWording(c *i18n.Catalog) []string {
	var out []string
	for _, l := range i18n.All {
		for k, text := range c.Keys(l) {
			for _, p := range photoTextPrefixes {
				if m := cardWords.FindString(text); strings.HasPrefix(k, p) && m != "" {
					out = append(out, fmt.Sprintf("%s %s says %q: %s", l, k, m, text))
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestPhotoTextsSayDocument: the camera's texts fit every identity
// document, in every language.
func TestPhotoTextsSayDocument(t *testing.T) {
	for _, p := range cardWording(i18n.MustDefault()) {
		t.Error(p)
	}
}

// TestPhotoTextsSayDocumentCanFail runs the check on the wording it
// replaced, and leaves alone the texts that are about the NIE card itself.
func TestPhotoTextsSayDocumentCanFail(t *testing.T) {
	fsys := map[string]string{
		"catalog/capture.en.toml": "[capture.advice]\ntoo_far = \"Bring your ID card closer to the camera.\"\n",
		"catalog/capture.fr.toml": "[capture.advice]\ntoo_far = \"Rapprochez votre carte de la caméra.\"\n",
		"catalog/capture.eu.toml": "[capture.advice]\ntoo_far = \"Hurbildu txartela kamerara.\"\n",
		"catalog/steps.gl.toml":   "[steps]\nissue_glare = \"Hai reflexos na tarxeta.\"\n",
		"catalog/fnmt.es.toml":    "[fnmt]\nneed_document = \"Su tarjeta de NIE (TIE).\"\n",
	}
	c, err := i18n.Load(mapFS(fsys))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(cardWording(c), "\n")
	for _, want := range []string{`en capture.advice.too_far says "card"`, `fr capture.advice.too_far says "carte"`,
		`eu capture.advice.too_far says "txartela"`, `gl steps.issue_glare says "tarxeta"`} {
		if !strings.Contains(got, want) {
			t.Errorf("the check missed %s; it said:\n%s", want, got)
		}
	}
	if strings.Contains(got, "need_document") {
		t.Errorf("a text about the NIE card is not a photo text:\n%s", got)
	}
}

package capture

import (
	"strings"
	"testing"

	"github.com/ventanilla-kiosk/ventanilla/devices/camera/quality"
	"github.com/ventanilla-kiosk/ventanilla/tui/i18n"
)

// TestSheetAdviceSpeaksOfTheSheet: on the signed-sheet step every piece of
// advice about the object names the sheet, never the ID card (it fell
// back to the card's wording for light, glare and blur), and a camera
// whose pictures are too small sends the visitor to the staff.
func TestSheetAdviceSpeaksOfTheSheet(t *testing.T) {
	for _, lang := range []struct {
		l            i18n.Lang
		sheet, card  string
		staffKeyword string
	}{{i18n.ES, "hoja", "DNI", "personal"}, {i18n.EN, "sheet", "ID card", "staff"}} {
		tr := i18n.NewTranslator(i18n.MustDefault(), lang.l)
		for _, p := range []quality.Problem{quality.NoCard, quality.TooFar, quality.TooClose, quality.Tilted, quality.TooBright, quality.Glare, quality.Blurry} {
			s := adviceText(tr, Document, p)
			if !strings.Contains(s, lang.sheet) || strings.Contains(s, lang.card) {
				t.Errorf("%v %s: %q should speak of the %s", lang.l, p, s, lang.sheet)
			}
		}
		for _, m := range []Mode{IDFront, IDBack, Face, Document} {
			if s := adviceText(tr, m, quality.LowResolution); !strings.Contains(s, lang.staffKeyword) {
				t.Errorf("%v %v low_resolution advice %q should send the visitor to the staff", lang.l, m, s)
			}
			if s := helpText(tr, m, quality.LowResolution); !strings.Contains(s, lang.staffKeyword) {
				t.Errorf("%v %v low_resolution help %q should send the visitor to the staff", lang.l, m, s)
			}
		}
	}
}

package procedure

import "testing"

// TestProblemKeysHaveEnglishText: every problem key has the English log
// line Problem.Error uses, and no English line is for a key that is not a
// problem. The visitor's texts of these keys are in the catalogues
// (tui/i18n/catalog), where the catalogue test finds every key this
// package declares and checks it in all six languages.
func TestProblemKeysHaveEnglishText(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range ProblemKeys() {
		if seen[k] {
			t.Errorf("duplicate key %s", k)
		}
		seen[k] = true
		if englishText[k] == "" {
			t.Errorf("%s has no English log text", k)
		}
	}
	for k := range englishText {
		if !seen[k] {
			t.Errorf("English text for %s, which is not in ProblemKeys", k)
		}
	}
}

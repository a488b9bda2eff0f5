package capture

import "github.com/charmbracelet/bubbles/key"

// KeyMap holds the component's keys; it implements help.KeyMap. As
// everywhere in the kiosk (kit.Bind), each binding's help description is a
// catalogue key that the help bar translates when it renders.
type KeyMap struct {
	Capture key.Binding
	Accept  key.Binding
	Retake  key.Binding
}

func newKeyMap(t Translator) KeyMap {
	space := "Espacio"
	if t != nil {
		space = t.T("capture.keys.space")
	}
	return KeyMap{
		Capture: key.NewBinding(key.WithKeys(" ", "c"), key.WithHelp(space, "capture.keys.capture")),
		Accept:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("Enter", "capture.keys.accept")),
		Retake:  key.NewBinding(key.WithKeys("r", "R"), key.WithHelp("R", "capture.keys.retake")),
	}
}

// ShortHelp lists the enabled keys.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Capture, k.Accept, k.Retake} }

// FullHelp is the short help in one column.
func (k KeyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

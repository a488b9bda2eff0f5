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

// The space bar's name is a catalogue key too ("Espacio", "Espai",
// "Space"…), translated when the help bar renders (kit.Localize), so it
// follows a language switch made while the camera runs.
func newKeyMap() KeyMap {
	return KeyMap{
		Capture: key.NewBinding(key.WithKeys(" ", "c"), key.WithHelp("capture.keys.space", "capture.keys.capture")),
		Accept:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("Enter", "capture.keys.accept")),
		Retake:  key.NewBinding(key.WithKeys("r", "R"), key.WithHelp("R", "capture.keys.retake")),
	}
}

// ShortHelp lists the enabled keys.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Capture, k.Accept, k.Retake} }

// FullHelp is the short help in one column.
func (k KeyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

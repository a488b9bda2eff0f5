// Package form is a small validated form for visitor screens: a column of
// text boxes (and ←/→ choice boxes) with translated labels, hints and
// specific error messages under the box that is wrong.
//
// Typical use, in a screen that embeds it:
//
//	f := form.New(env,
//		form.Field{Name: "nif", Label: "fnmt.request.nif_label", Hint: "fnmt.request.nif_hint",
//			MaxLen: 12, Validate: func(s string) (string, error) {
//				id, err := procedure.ParseNIF(s)
//				return id.Number, err
//			}},
//		form.Field{Name: "email", Label: "…", Confirm: "…repeat_label", MaxLen: 254,
//			Validate: procedure.ParseEmail},
//	)
//	f.SetValue("nif", carry.NIF) // carried-over data shows up filled in
//	…
//	// in Update:
//	cmd := f.Update(msg)
//	// in a later Update:
//	case form.SubmittedMsg: if msg.ID == f.ID { v := f.Values(); … }
//
// Keys: Tab/↓ next box, Shift+Tab/↑ previous box, ←/→ move the cursor (or
// change a choice), Enter checks the box and moves on; Enter on the last box
// checks the whole form and, when everything is valid, sends SubmittedMsg.
// Validators return normalised values, which replace what was typed (the
// visitor sees "12345678Z" for "12345678-z"), and errors; a
// *procedure.Problem error is shown through the catalogue with its Key and
// Args, and is put under the box its Field names when that box exists.
//
// Everything visitor-facing is a catalogue key translated at View time, so
// a language switch mid-form re-renders labels and errors at once.
package form

import (
	"errors"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/ventanilla-kiosk/ventanilla/procedure"
	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

// DefaultMaxLen bounds a box whose Field sets no MaxLen. A kiosk box never
// needs more, and a bound stops a stuck key or a pasted blob from growing
// the value without limit.
const DefaultMaxLen = 64

// ConfirmSuffix is appended to a Field's Name for its second box when the
// field is typed twice ("email" → "email_confirm"), matching the Field names
// of procedure's Problems.
const ConfirmSuffix = "_confirm"

// Validator checks what the visitor typed (already stripped of control
// characters) and returns it normalised, or an error. Return a
// *procedure.Problem (or any error wrapping one) for a specific, translated
// message; any other error shows the generic "form.invalid" text.
type Validator func(string) (normalised string, err error)

// Choice is one option of a choice box: Value is what Values reports,
// Label a catalogue key.
type Choice struct {
	Value, Label string
}

// Field describes one box of the form.
type Field struct {
	// Name identifies the box in Values, SetValue and Problem routing.
	Name string
	// Label and Hint are catalogue keys; Hint is optional and shown under
	// the box while it has the focus and no error.
	Label, Hint string
	// Validate may be nil: the value is then accepted as typed, trimmed.
	// It is also used on the second box of a confirmed field.
	Validate Validator
	// Confirm, when set, is the label key of a second box where the
	// visitor types the value again (e-mail, código de solicitud). The
	// two must match once normalised, ignoring case.
	Confirm string
	// Mismatch is the catalogue key shown under the second box when the
	// two differ; "form.mismatch" when empty.
	Mismatch string
	// MaxLen is the most characters the box takes (DefaultMaxLen if 0).
	MaxLen int
	// Choices turns the box into a ←/→ selector. Validate is ignored; a
	// choice box with nothing chosen is an error ("form.choose") unless
	// Optional is set.
	Choices []Choice
	// Optional lets a choice box stay unset. (Text boxes decide emptiness
	// in their Validator.)
	Optional bool
}

// SubmittedMsg is sent when Enter on the last box finds every box valid.
// ID is the form's ID, so a screen holding two forms can tell them apart;
// Values is the same map as Form.Values.
type SubmittedMsg struct {
	ID     string
	Values map[string]string
}

// problemText is an error as it is shown: a catalogue key and its template
// arguments, translated at View time.
type problemText struct {
	key  string
	args []any
}

// box is one input on screen: a field's first box or its confirmation.
type box struct {
	field   int
	confirm bool
	name    string
	ti      textinput.Model
	choice  int // index into Choices, -1 when unset
	hidden  bool
	valid   bool   // value was checked and is valid
	norm    string // normalised value when valid
	err     *problemText
}

// Form is the widget. Create it with New; the zero value is not usable.
type Form struct {
	// ID is echoed in SubmittedMsg.
	ID string

	env    *kit.Env
	fields []Field
	boxes  []*box
	focus  int
	width  int
	keys   keyMap
}

type keyMap struct {
	Next, Prev, Submit, Change key.Binding
}

// New builds a form with the given fields, focused on the first box.
func New(env *kit.Env, fields ...Field) *Form {
	f := &Form{env: env, fields: fields, width: env.Width, keys: keyMap{
		Next:   kit.Bind("form.keys.next", "Tab/↓", "tab", "down"),
		Prev:   kit.Bind("form.keys.prev", "↑", "shift+tab", "up"),
		Submit: kit.Bind("form.keys.submit", "Enter", "enter"),
		Change: kit.Bind("form.keys.change", "←/→", "left", "right"),
	}}
	for i, fl := range fields {
		f.boxes = append(f.boxes, f.newBox(i, false, fl.Name))
		if fl.Confirm != "" && len(fl.Choices) == 0 {
			f.boxes = append(f.boxes, f.newBox(i, true, fl.Name+ConfirmSuffix))
		}
	}
	f.focusBox(f.firstVisible())
	return f
}

func (f *Form) newBox(i int, confirm bool, name string) *box {
	fl := f.fields[i]
	ti := textinput.New()
	ti.Prompt = ""
	ti.CharLimit = maxLen(fl)
	// A static cursor: a blinking one ticks ten times a second, which an
	// idle kiosk does not need and a test clock cannot control.
	ti.Cursor.SetMode(cursor.CursorStatic)
	// No clipboard on a kiosk, and ↑/↓/Tab belong to the form.
	ti.KeyMap.Paste.SetEnabled(false)
	ti.KeyMap.AcceptSuggestion.SetEnabled(false)
	ti.KeyMap.NextSuggestion.SetEnabled(false)
	ti.KeyMap.PrevSuggestion.SetEnabled(false)
	return &box{field: i, confirm: confirm, name: name, ti: ti, choice: -1}
}

func maxLen(fl Field) int {
	if fl.MaxLen > 0 {
		return fl.MaxLen
	}
	return DefaultMaxLen
}

// Init implements the bubbletea component convention; the form needs no
// start-up command (its cursor does not blink).
func (f *Form) Init() tea.Cmd { return nil }

// SetWidth sets the width the form lays itself out in.
func (f *Form) SetWidth(w int) { f.width = w }

// Keys lists the form's bindings for the help bar: only the one the
// visitor needs now, because on an 80-column console the shell's own keys
// (language, text size, back, cancel) take most of the bar. Moving between
// boxes with Tab and the arrows still works; the ▸ marker shows where the
// typing goes.
func (f *Form) Keys() help.KeyMap {
	if b := f.current(); b != nil && f.isChoice(b) {
		return kit.KeyList{f.keys.Change}
	}
	return kit.KeyList{f.keys.Submit}
}

// AllKeys lists every binding of the form, for a screen with room to show
// them (or a help page).
func (f *Form) AllKeys() help.KeyMap {
	return kit.KeyList{f.keys.Next, f.keys.Prev, f.keys.Change, f.keys.Submit}
}

// SetValue puts a value in the named box (carried-over data). It is
// sanitised and cut to the box's length like typed text, and is checked
// when the visitor leaves the box or submits. For a confirmed field the
// second box is filled too: carried data was already confirmed once. For a
// choice box, v is the Choice.Value to select ("" clears the selection).
func (f *Form) SetValue(name, v string) {
	for _, b := range f.boxes {
		if b.name != name && b.name != name+ConfirmSuffix {
			continue
		}
		b.valid, b.norm, b.err = false, "", nil
		if fl := f.fields[b.field]; len(fl.Choices) > 0 {
			b.choice = -1
			for i, c := range fl.Choices {
				if c.Value == v {
					b.choice = i
				}
			}
			continue
		}
		b.ti.SetValue(truncateRunes(Sanitize(v), maxLen(f.fields[b.field])))
		b.ti.CursorEnd()
	}
}

// Value returns the box's normalised value once it has been checked and
// found valid, and otherwise what is typed (sanitised). For a choice box
// it is the chosen Choice.Value or "".
func (f *Form) Value(name string) string {
	b := f.box(name)
	if b == nil {
		return ""
	}
	if f.isChoice(b) {
		if b.choice < 0 {
			return ""
		}
		return f.fields[b.field].Choices[b.choice].Value
	}
	if b.valid {
		return b.norm
	}
	return strings.TrimSpace(Sanitize(b.ti.Value()))
}

// Values returns every visible field's value by Name (confirmation boxes
// are not listed: they equal their first box). Call it after SubmittedMsg
// or a successful Submit, when every value is normalised.
func (f *Form) Values() map[string]string {
	out := make(map[string]string, len(f.fields))
	for _, b := range f.boxes {
		if b.confirm || b.hidden {
			continue
		}
		out[b.name] = f.Value(b.name)
	}
	return out
}

// SetHidden hides or shows a field (and its confirmation box). Hidden boxes
// are skipped by navigation and validation and left out of Values — for
// example the support number, which only NIE holders are asked for.
func (f *Form) SetHidden(name string, hidden bool) {
	for _, b := range f.boxes {
		if b.name == name || b.name == name+ConfirmSuffix {
			b.hidden = hidden
			if hidden {
				b.err = nil
			}
		}
	}
	if c := f.current(); c == nil || c.hidden {
		f.focusBox(f.firstVisible())
	}
}

// SetValidator replaces a field's validator, for checks that depend on
// another box (the support number's shape depends on the kind of NIF).
func (f *Form) SetValidator(name string, v Validator) {
	for i := range f.fields {
		if f.fields[i].Name == name {
			f.fields[i].Validate = v
		}
	}
	for _, b := range f.boxes {
		if b.name == name || b.name == name+ConfirmSuffix {
			b.valid = false
		}
	}
}

// SetError shows err under a box, for problems found outside the form (a
// cross-field check, the completeness check of a request). A
// *procedure.Problem goes under the box its Field names when there is one,
// else under name. It reports whether a box took the message; the focus
// moves there so the visitor can correct it at once.
func (f *Form) SetError(name string, err error) bool {
	if err == nil {
		return false
	}
	target := name
	if p, ok := procedure.AsProblem(err); ok && f.box(p.Field) != nil {
		target = p.Field
	}
	for i, b := range f.boxes {
		if b.name == target && !b.hidden {
			b.err = explain(err)
			b.valid = false
			f.focusBox(i)
			return true
		}
	}
	return false
}

// Error returns the translated message under the named box, or "".
func (f *Form) Error(name string) string {
	if b := f.box(name); b != nil && b.err != nil {
		return f.env.T.T(b.err.key, b.err.args...)
	}
	return ""
}

// ErrorKey returns the catalogue key of the message under the named box,
// or "" — for tests and for screens that react to a kind of problem.
func (f *Form) ErrorKey(name string) string {
	if b := f.box(name); b != nil && b.err != nil {
		return b.err.key
	}
	return ""
}

// Focused returns the Name of the box with the focus (a confirmation box
// reports its own name, e.g. "email_confirm").
func (f *Form) Focused() string {
	if b := f.current(); b != nil {
		return b.name
	}
	return ""
}

// Focus moves the focus to the named box.
func (f *Form) Focus(name string) {
	for i, b := range f.boxes {
		if b.name == name && !b.hidden {
			f.focusBox(i)
			return
		}
	}
}

// Submit checks every visible box, shows each error under its box, moves
// the focus to the first wrong one and reports whether all are valid.
func (f *Form) Submit() bool {
	first := -1
	for i, b := range f.boxes {
		if b.hidden {
			continue
		}
		if !f.check(b) && first < 0 {
			first = i
		}
	}
	if first >= 0 {
		f.focusBox(first)
		return false
	}
	return true
}

// Wipe clears every value, error and selection, and overwrites the typed
// text the form holds as far as Go allows (see kit.Visitor.Wipe).
func (f *Form) Wipe() {
	for _, b := range f.boxes {
		b.ti.Reset()
		b.ti.SetValue("")
		b.norm, b.valid, b.err, b.choice = "", false, nil, -1
	}
	f.focusBox(f.firstVisible())
}

// Update handles a message; it returns a command that delivers
// SubmittedMsg when Enter completes the form.
func (f *Form) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	b := f.current()
	if b == nil {
		return nil
	}
	switch {
	case key.Matches(k, f.keys.Next):
		f.leave(b)
		f.move(+1)
		return nil
	case key.Matches(k, f.keys.Prev):
		f.leave(b)
		f.move(-1)
		return nil
	case key.Matches(k, f.keys.Submit):
		return f.enter(b)
	}
	if f.isChoice(b) {
		f.changeChoice(b, k)
		return nil
	}
	if k.Type == tea.KeyRunes || k.Type == tea.KeySpace {
		runes := sanitizeRunes(k.Runes)
		if len(runes) == 0 {
			return nil
		}
		limit := maxLen(f.fields[b.field])
		tooLong := utf8.RuneCountInString(b.ti.Value())+len(runes) > limit
		k.Runes = runes
		before := b.ti.Value()
		var cmd tea.Cmd
		b.ti, cmd = b.ti.Update(k)
		f.edited(b, before)
		if tooLong {
			b.err = &problemText{key: "form.too_long", args: []any{"Max", limit}}
		}
		return cmd
	}
	before := b.ti.Value()
	var cmd tea.Cmd
	b.ti, cmd = b.ti.Update(k)
	f.edited(b, before)
	return cmd
}

// edited drops a box's verdict when its text changed: the old message
// would describe text that is no longer there.
func (f *Form) edited(b *box, before string) {
	if b.ti.Value() != before {
		b.valid, b.norm, b.err = false, "", nil
	}
}

func (f *Form) changeChoice(b *box, k tea.KeyMsg) {
	n := len(f.fields[b.field].Choices)
	switch k.String() {
	case "right", " ":
		b.choice = (b.choice + 1) % n
	case "left":
		if b.choice <= 0 {
			b.choice = n - 1
		} else {
			b.choice--
		}
	default:
		return
	}
	b.err = nil
}

// enter checks the box; on the last visible box it checks the whole form.
func (f *Form) enter(b *box) tea.Cmd {
	if !f.check(b) {
		return nil
	}
	if f.focus != f.lastVisible() {
		f.move(+1)
		return nil
	}
	if !f.Submit() {
		return nil
	}
	id, values := f.ID, f.Values()
	return func() tea.Msg { return SubmittedMsg{ID: id, Values: values} }
}

// leave checks a box the visitor moves away from, if they typed anything:
// the message then appears while they still remember what they typed, but
// an untouched empty box does not nag.
func (f *Form) leave(b *box) {
	if f.isChoice(b) || strings.TrimSpace(b.ti.Value()) == "" {
		return
	}
	f.check(b)
}

// check validates one box and records the verdict.
func (f *Form) check(b *box) bool {
	fl := f.fields[b.field]
	if f.isChoice(b) {
		if b.choice < 0 && !fl.Optional {
			b.err = &problemText{key: "form.choose"}
			return false
		}
		b.err = nil
		return true
	}
	raw := Sanitize(b.ti.Value())
	norm, err := validate(fl, raw)
	if b.confirm {
		first, ferr := validate(fl, Sanitize(f.boxes[f.index(fl.Name)].ti.Value()))
		if ferr != nil {
			// The first box is wrong; its own message says why, and
			// the second cannot be judged against it yet.
			b.valid, b.err = false, nil
			return false
		}
		if strings.TrimSpace(raw) == "" {
			b.valid, b.err = false, &problemText{key: "form.confirm_empty"}
			return false
		}
		if err != nil || !strings.EqualFold(norm, first) {
			mis := fl.Mismatch
			if mis == "" {
				mis = "form.mismatch"
			}
			b.valid, b.err = false, &problemText{key: mis}
			return false
		}
	} else if err != nil {
		b.valid, b.norm, b.err = false, "", explain(err)
		return false
	}
	b.valid, b.norm, b.err = true, norm, nil
	if b.ti.Value() != norm {
		b.ti.SetValue(norm)
		b.ti.CursorEnd()
	}
	return true
}

func validate(fl Field, raw string) (string, error) {
	if fl.Validate == nil {
		return strings.TrimSpace(raw), nil
	}
	return fl.Validate(raw)
}

// explain turns an error into what the visitor reads.
func explain(err error) *problemText {
	if p, ok := procedure.AsProblem(err); ok {
		return &problemText{key: p.Key, args: Args(p.Args)}
	}
	var fe *Error
	if errors.As(err, &fe) {
		return &problemText{key: fe.Key, args: fe.Args}
	}
	return &problemText{key: "form.invalid"}
}

// Error is a validation error of the form's own, for validators that are
// not in procedure: a catalogue key and name/value template arguments.
type Error struct {
	Key  string
	Args []any
}

// Error implements error. It names the key only, never the input.
func (e *Error) Error() string { return "form: " + e.Key }

// Args flattens a Problem's argument map into the name/value pairs the
// translator takes, in a stable order.
func Args(m map[string]any) []any {
	if len(m) == 0 {
		return nil
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]any, 0, 2*len(m))
	for _, k := range names {
		out = append(out, k, m[k])
	}
	return out
}

// Sanitize removes control characters (terminal escapes, NUL, newlines)
// and invisible formatting characters (bidi overrides, zero-width joiners)
// from s, and invalid UTF-8. What is left is what the visitor can see.
func Sanitize(s string) string {
	return string(sanitizeRunes([]rune(s)))
}

func sanitizeRunes(rs []rune) []rune {
	out := rs[:0:0]
	for _, r := range rs {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			continue
		}
		out = append(out, r)
	}
	return out
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

func (f *Form) isChoice(b *box) bool { return len(f.fields[b.field].Choices) > 0 }

func (f *Form) current() *box {
	if f.focus < 0 || f.focus >= len(f.boxes) {
		return nil
	}
	return f.boxes[f.focus]
}

func (f *Form) box(name string) *box {
	if i := f.index(name); i >= 0 {
		return f.boxes[i]
	}
	return nil
}

func (f *Form) index(name string) int {
	for i, b := range f.boxes {
		if b.name == name {
			return i
		}
	}
	return -1
}

func (f *Form) firstVisible() int {
	for i, b := range f.boxes {
		if !b.hidden {
			return i
		}
	}
	return -1
}

func (f *Form) lastVisible() int {
	for i := len(f.boxes) - 1; i >= 0; i-- {
		if !f.boxes[i].hidden {
			return i
		}
	}
	return -1
}

// move goes to the next or previous visible box, wrapping around so Tab
// alone can reach every box.
func (f *Form) move(dir int) {
	n := len(f.boxes)
	for i := 1; i <= n; i++ {
		j := ((f.focus+dir*i)%n + n) % n
		if !f.boxes[j].hidden {
			f.focusBox(j)
			return
		}
	}
}

func (f *Form) focusBox(i int) {
	for j, b := range f.boxes {
		if j == i {
			b.ti.Focus()
		} else {
			b.ti.Blur()
		}
	}
	f.focus = i
}

// View renders the boxes: "label  [value]" per line, the focused one marked
// with ▸ (visible without colour), an error under any wrong box, and the
// hint under the focused box.
func (f *Form) View() string {
	st := f.env.Styles
	w := f.width
	if w <= 0 {
		w = 80
	}
	labelW := 0
	for _, b := range f.boxes {
		if !b.hidden {
			labelW = max(labelW, lipgloss.Width(f.label(b)))
		}
	}
	labelW = min(labelW, w*2/5)
	inputW := max(8, min(44, w-labelW-6))
	var out []string
	for i, b := range f.boxes {
		if b.hidden {
			continue
		}
		focused := i == f.focus
		marker := "  "
		if focused {
			marker = "▸ "
		}
		label := st.Field.Width(labelW).Render(f.label(b))
		var val string
		if f.isChoice(b) {
			val = f.choiceView(b, focused, max(12, w-labelW-6))
		} else {
			r := f.env.Renderer
			if r != nil {
				b.ti.TextStyle = r.NewStyle()
				b.ti.PlaceholderStyle = r.NewStyle()
				b.ti.Cursor.Style = r.NewStyle()
				b.ti.Cursor.TextStyle = r.NewStyle()
			}
			b.ti.Width = inputW - 1
			v := b.ti.View()
			if pad := inputW - lipgloss.Width(v); pad > 0 {
				v += strings.Repeat(" ", pad)
			}
			val = "[" + v + "]"
			if focused {
				val = st.Selected.Render("[") + v + st.Selected.Render("]")
			}
		}
		out = append(out, lipgloss.JoinHorizontal(lipgloss.Top, marker, label, "  ", val))
		// Messages are indented under the box, wrapped lines included,
		// so they read as belonging to it.
		switch {
		case b.err != nil:
			out = append(out, st.Error.PaddingLeft(4).Width(max(10, w-2)).Render("✗ "+f.env.T.T(b.err.key, b.err.args...)))
		case focused && f.fields[b.field].Hint != "" && !b.confirm:
			out = append(out, st.Muted.PaddingLeft(4).Width(max(10, w-2)).Render(f.env.T.T(f.fields[b.field].Hint)))
		}
		for g := 1; g < st.Gap; g++ {
			out = append(out, "")
		}
	}
	return strings.Join(out, "\n")
}

func (f *Form) label(b *box) string {
	fl := f.fields[b.field]
	if b.confirm {
		return f.env.T.T(fl.Confirm)
	}
	return f.env.T.T(fl.Label)
}

// choiceView shows every option with the chosen one marked "(•)"; when
// they do not fit in width (six languages in a long translation), only the
// chosen one is shown between the arrows, with its position ("2/6").
func (f *Form) choiceView(b *box, focused bool, width int) string {
	st := f.env.Styles
	choices := f.fields[b.field].Choices
	var parts []string
	for i, c := range choices {
		txt := f.env.T.T(c.Label)
		if i == b.choice {
			parts = append(parts, st.Selected.Render("(•) "+txt))
		} else {
			parts = append(parts, st.Item.Render("( ) "+txt))
		}
	}
	s := strings.Join(parts, "  ")
	if lipgloss.Width(s)+4 > width {
		cur := "—"
		if b.choice >= 0 {
			cur = st.Selected.Render(f.env.T.T(choices[b.choice].Label)) +
				st.Muted.Render(" "+strconv.Itoa(b.choice+1)+"/"+strconv.Itoa(len(choices)))
		}
		return "◂ " + cur + " ▸"
	}
	if focused {
		s = "◂ " + s + " ▸"
	}
	return s
}

package console

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/ventanilla-kiosk/ventanilla/console/logbuf"

	"github.com/ventanilla-kiosk/ventanilla/procedure/mask"
)

// Screens of the interactive console, in tab order.
const (
	tabStatus = iota
	tabOutbox
	tabDevices
	tabLogs
	numTabs
)

var tabNames = [numTabs]string{"Status", "Outbox", "Devices", "Logs"}

const (
	tickEvery          = time.Second
	previewEvery       = 250 * time.Millisecond
	queueEvery         = 5 * time.Second
	idleWarnBefore     = 30 * time.Second
	deviceOpTimeout    = 30 * time.Second
	queueOpTimeout     = 5 * time.Second
	defaultW, defaultH = 80, 24
)

// keyMap is every binding of the console; it feeds the help footer.
type keyMap struct {
	Next, Prev, Tab1, Tab2, Tab3, Tab4 key.Binding
	Up, Down, Refresh, Maintenance     key.Binding
	Retry, Dead                        key.Binding
	Check, TestSMS, Preview            key.Binding
	Level, Follow                      key.Binding
	Help, Quit                         key.Binding
	tab                                int
}

func newKeyMap() keyMap {
	return keyMap{
		Next:        key.NewBinding(key.WithKeys("tab", "right"), key.WithHelp("tab", "next screen")),
		Prev:        key.NewBinding(key.WithKeys("shift+tab", "left"), key.WithHelp("shift+tab", "previous")),
		Tab1:        key.NewBinding(key.WithKeys("1"), key.WithHelp("1-4", "go to screen")),
		Tab2:        key.NewBinding(key.WithKeys("2")),
		Tab3:        key.NewBinding(key.WithKeys("3")),
		Tab4:        key.NewBinding(key.WithKeys("4")),
		Up:          key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:        key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Refresh:     key.NewBinding(key.WithKeys("ctrl+r", "f5"), key.WithHelp("ctrl+r", "refresh")),
		Maintenance: key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "maintenance on/off")),
		Retry:       key.NewBinding(key.WithKeys("r", "enter"), key.WithHelp("r", "retry job")),
		Dead:        key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "all / dead letters")),
		Check:       key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "check modem")),
		TestSMS:     key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "test SMS")),
		Preview:     key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "camera preview")),
		Level:       key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "level filter")),
		Follow:      key.NewBinding(key.WithKeys("f", "end", "G"), key.WithHelp("f", "follow")),
		Help:        key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "more keys")),
		Quit:        key.NewBinding(key.WithKeys("q", "ctrl+c", "ctrl+d"), key.WithHelp("q", "quit")),
	}
}

// ShortHelp shows the keys of the active screen first.
func (k keyMap) ShortHelp() []key.Binding {
	var s []key.Binding
	switch k.tab {
	case tabOutbox:
		s = []key.Binding{k.Up, k.Down, k.Retry, k.Dead}
	case tabDevices:
		s = []key.Binding{k.Check, k.TestSMS, k.Preview}
	case tabLogs:
		s = []key.Binding{k.Up, k.Down, k.Level, k.Follow}
	}
	return append(s, k.Next, k.Maintenance, k.Help, k.Quit)
}

// FullHelp lists everything, by group.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Next, k.Prev, k.Tab1, k.Refresh},
		{k.Up, k.Down, k.Retry, k.Dead},
		{k.Check, k.TestSMS, k.Preview, k.Level, k.Follow},
		{k.Maintenance, k.Help, k.Quit},
	}
}

// styles are built once per session from that session's renderer, so each
// technician gets colours for their own terminal and the kiosk's tty is
// never queried or repainted.
type styles struct {
	title, tab, activeTab, label, value, dim, ok, warn, bad, sel, col, banner lipgloss.Style
	ascii                                                                     bool
}

func newStyles(r *lipgloss.Renderer) styles {
	return styles{
		title:     r.NewStyle().Bold(true),
		tab:       r.NewStyle().Padding(0, 1).Foreground(lipgloss.Color("7")),
		activeTab: r.NewStyle().Padding(0, 1).Bold(true).Reverse(true),
		label:     r.NewStyle().Foreground(lipgloss.Color("6")).Width(14),
		value:     r.NewStyle(),
		dim:       r.NewStyle().Foreground(lipgloss.Color("8")),
		ok:        r.NewStyle().Foreground(lipgloss.Color("2")),
		warn:      r.NewStyle().Foreground(lipgloss.Color("3")),
		bad:       r.NewStyle().Foreground(lipgloss.Color("1")).Bold(true),
		sel:       r.NewStyle().Reverse(true),
		col:       r.NewStyle(),
		banner:    r.NewStyle().Bold(true).Foreground(lipgloss.Color("15")).Background(lipgloss.Color("1")).Padding(0, 1),
		ascii:     r.ColorProfile() == termenv.Ascii,
	}
}

// Messages.
type (
	tickMsg  struct{ gen int }
	quitMsg  struct{ reason string }
	queueMsg struct {
		stats map[string]int
		jobs  []JobView
		err   error
	}
	modemMsg struct {
		st  ModemStatus
		err error
	}
	doneMsg struct { // result of an action (retry, test SMS)
		text string
		err  error
	}
	maintMsg struct { // result of a maintenance toggle
		on   bool
		warn string
		err  error
	}
)

// model is one technician's console. It holds a pointer to the server for
// the dependencies and a pointer to its session for the audit fields.
type model struct {
	srv  *Server
	st   *sessionState
	ctx  context.Context
	sty  styles
	keys keyMap
	help help.Model

	w, h      int
	tab       int
	now       time.Time
	lastInput time.Time
	gen       int
	flash     string
	flashBad  bool
	confirm   bool // waiting for y/n on the maintenance toggle

	status    KioskStatus
	hasStatus bool

	stats     map[string]int
	jobs      []JobView
	showDead  bool
	sel       int
	queueBusy bool
	queueAt   time.Time
	queueErr  string

	modem      *ModemStatus
	modemErr   string
	modemBusy  bool
	modemAsked bool
	cam        CameraInfo
	preview    bool
	pv         *preview // the live camera preview's buffers (shared by copies of the model)
	input      textinput.Model
	entering   bool

	logLevel slog.Level
	logs     []logbuf.Record
	logBack  int // lines scrolled back from the newest; 0 follows
}

func newModel(ctx context.Context, s *Server, st *sessionState, r *lipgloss.Renderer) model {
	sty := newStyles(r)
	h := help.New()
	h.Styles = help.Styles{
		Ellipsis: sty.dim, ShortKey: sty.title, ShortDesc: sty.dim, ShortSeparator: sty.dim,
		FullKey: sty.title, FullDesc: sty.dim, FullSeparator: sty.dim,
	}
	in := textinput.New()
	in.Placeholder = "+34600000000"
	in.CharLimit = 20
	in.Prompt = "test SMS to: "
	in.PromptStyle, in.TextStyle, in.PlaceholderStyle, in.CompletionStyle = sty.label.Width(0), sty.value, sty.dim, sty.dim
	in.Cursor.Style = r.NewStyle().Reverse(true)
	in.Cursor.TextStyle = sty.value
	in.Cursor.SetMode(cursor.CursorStatic)
	now := s.cfg.Now()
	m := model{
		srv: s, st: st, ctx: ctx, sty: sty, keys: newKeyMap(), help: h,
		w: defaultW, h: defaultH, now: now, lastInput: now, input: in, logLevel: slog.LevelInfo, pv: &preview{},
	}
	if st.auditErr != nil {
		m.setFlash("actions are refused", st.auditErr)
	}
	return m
}

func (m model) Init() tea.Cmd {
	return tea.Batch(m.tick(tickEvery), tea.SetWindowTitle("ventanilla console"))
}

func (m model) tick(d time.Duration) tea.Cmd {
	gen := m.gen
	return tea.Tick(d, func(time.Time) tea.Msg { return tickMsg{gen: gen} })
}

// refresh reads the cheap, non-blocking sources (kiosk status, camera info,
// log buffer, preview frame) synchronously; the queue and the modem are
// read in commands because they may block.
func (m *model) refresh() tea.Cmd {
	d := m.srv.deps
	m.now = m.srv.cfg.Now()
	if d.Kiosk != nil {
		m.status, m.hasStatus = d.Kiosk.Status(), true
	}
	if d.Camera != nil {
		m.cam = d.Camera.Info()
		if m.preview && m.tab == tabDevices {
			m.pv.refresh(d.Camera, !m.hasStatus || m.status.Visitor, max(10, m.w-4), max(3, m.bodyHeight()-10), m.sty.ascii)
		}
	}
	if d.Logs != nil && m.tab == tabLogs {
		m.logs = d.Logs.Tail(0, m.logLevel)
	}
	var cmds []tea.Cmd
	if m.tab == tabOutbox && !m.queueBusy && m.now.Sub(m.queueAt) >= queueEvery {
		cmds = append(cmds, m.loadQueue())
	}
	if m.tab == tabDevices && !m.modemAsked && d.Modem != nil {
		m.modemAsked = true
		cmds = append(cmds, m.checkModem())
	}
	return tea.Batch(cmds...)
}

func (m *model) loadQueue() tea.Cmd {
	q := m.srv.deps.Queue
	if q == nil {
		return nil
	}
	m.queueBusy = true
	m.queueAt = m.now
	dead, ctx := m.showDead, m.ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, queueOpTimeout)
		defer cancel()
		stats, err := q.Stats(ctx)
		if err != nil {
			return queueMsg{err: err}
		}
		f := QueueFilter{Limit: 200, NewestFirst: true}
		if dead {
			f.State = "dead"
		}
		jobs, err := q.List(ctx, f)
		return queueMsg{stats: stats, jobs: jobs, err: err}
	}
}

func (m *model) checkModem() tea.Cmd {
	md := m.srv.deps.Modem
	if md == nil || m.modemBusy {
		return nil
	}
	m.modemBusy = true
	ctx, met := m.ctx, m.srv.deps.Metrics
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, deviceOpTimeout)
		defer cancel()
		st, err := md.Check(ctx)
		if err == nil {
			met.SetModem(st.Registered, st.SignalDBm)
		}
		return modemMsg{st: st, err: err}
	}
}

func (m model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		if msg.Width > 0 && msg.Height > 0 {
			m.w, m.h = msg.Width, msg.Height
		}
		m.help.Width = m.w
		return m, nil
	case quitMsg:
		m.st.setReason(msg.reason)
		return m, tea.Quit
	case tickMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		cmd := m.refresh()
		idle := m.srv.cfg.IdleTimeout
		if m.now.Sub(m.lastInput) >= idle {
			m.st.setReason(fmt.Sprintf("idle for %s", idle.Round(time.Second)))
			return m, tea.Quit
		}
		every := tickEvery
		if m.preview && m.tab == tabDevices {
			every = previewEvery
		}
		return m, tea.Batch(cmd, m.tick(every))
	case queueMsg:
		m.queueBusy = false
		if msg.err != nil {
			m.queueErr = Sanitize(msg.err.Error())
			return m, nil
		}
		m.queueErr, m.stats, m.jobs = "", msg.stats, msg.jobs
		m.sel = min(m.sel, max(0, len(m.jobs)-1))
		return m, nil
	case modemMsg:
		m.modemBusy = false
		if msg.err != nil {
			m.modemErr = Sanitize(msg.err.Error())
			return m, nil
		}
		st := msg.st
		m.modem, m.modemErr = &st, ""
		return m, nil
	case maintMsg:
		if msg.err != nil {
			m.setFlash("maintenance "+onOff(msg.on), msg.err)
			return m, nil
		}
		m.status.Maintenance = msg.on
		m.setFlash("maintenance "+onOff(msg.on)+msg.warn, nil)
		return m, nil
	case doneMsg:
		m.setFlash(msg.text, msg.err)
		if m.tab == tabOutbox {
			m.queueAt = time.Time{}
			if !m.queueBusy {
				return m, m.loadQueue()
			}
		}
		return m, nil
	case tea.KeyMsg:
		m.lastInput = m.srv.cfg.Now()
		m.now = m.lastInput
		return m.handleKey(msg)
	}
	return m, nil
}

func (m *model) setFlash(text string, err error) {
	m.flash, m.flashBad = Sanitize(text), err != nil
	if err != nil {
		m.flash = Sanitize(text + ": " + err.Error())
	}
}

func (m model) handleKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	if msg.String() == "ctrl+c" {
		return m, tea.Quit
	}
	if m.entering {
		switch msg.String() {
		case "esc":
			m.entering = false
			m.input.Blur()
			return m, nil
		case "enter":
			m.entering = false
			m.input.Blur()
			return m, m.sendTest(m.input.Value())
		}
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		return m, cmd
	}
	if m.confirm {
		m.confirm = false
		if msg.String() == "y" || msg.String() == "Y" {
			on := !m.status.Maintenance
			m.setFlash("maintenance "+onOff(on)+"…", nil)
			return m, m.setMaintenance(on)
		}
		m.setFlash("maintenance unchanged", nil)
		return m, nil
	}
	m.flash = ""
	switch {
	case key.Matches(msg, k.Quit):
		return m, tea.Quit
	case key.Matches(msg, k.Help):
		m.help.ShowAll = !m.help.ShowAll
		return m, nil
	case key.Matches(msg, k.Next):
		return m.switchTab((m.tab + 1) % numTabs)
	case key.Matches(msg, k.Prev):
		return m.switchTab((m.tab + numTabs - 1) % numTabs)
	case key.Matches(msg, k.Tab1):
		return m.switchTab(tabStatus)
	case key.Matches(msg, k.Tab2):
		return m.switchTab(tabOutbox)
	case key.Matches(msg, k.Tab3):
		return m.switchTab(tabDevices)
	case key.Matches(msg, k.Tab4):
		return m.switchTab(tabLogs)
	case key.Matches(msg, k.Refresh):
		m.queueAt, m.modemAsked = time.Time{}, false
		return m, m.refresh()
	case key.Matches(msg, k.Maintenance):
		if m.srv.deps.Kiosk == nil {
			m.setFlash("maintenance: kiosk", ErrUnavailable)
			return m, nil
		}
		m.confirm = true
		return m, nil
	}
	switch m.tab {
	case tabOutbox:
		switch {
		case key.Matches(msg, k.Up):
			m.sel = max(0, m.sel-1)
		case key.Matches(msg, k.Down):
			m.sel = min(max(0, len(m.jobs)-1), m.sel+1)
		case key.Matches(msg, k.Dead):
			m.showDead, m.sel, m.queueAt = !m.showDead, 0, time.Time{}
			if !m.queueBusy {
				return m, m.loadQueue()
			}
		case key.Matches(msg, k.Retry):
			return m, m.retrySelected()
		}
	case tabDevices:
		switch {
		case key.Matches(msg, k.Check):
			if m.srv.deps.Modem == nil {
				m.setFlash("modem", ErrUnavailable)
				return m, nil
			}
			m.modemAsked = true
			return m, m.checkModem()
		case key.Matches(msg, k.TestSMS):
			if m.srv.deps.Modem == nil {
				m.setFlash("modem", ErrUnavailable)
				return m, nil
			}
			m.entering = true
			m.input.SetValue("")
			return m, m.input.Focus()
		case key.Matches(msg, k.Preview):
			if m.srv.deps.Camera == nil {
				m.setFlash("camera", ErrUnavailable)
				return m, nil
			}
			if !m.preview {
				// Looking at the camera is in the audit log, or not done.
				if err := m.srv.audit("ssh.camera_preview", m.st.auditFields()); err != nil {
					m.setFlash("camera preview not shown", err)
					return m, nil
				}
			}
			m.preview = !m.preview
			m.pv.clear()
			// Restart the tick chain at the new pace.
			m.gen++
			return m, m.tick(0)
		}
	case tabLogs:
		switch {
		case key.Matches(msg, k.Up):
			m.logBack = min(m.logBack+1, max(0, len(m.logs)-1))
		case key.Matches(msg, k.Down):
			m.logBack = max(0, m.logBack-1)
		case key.Matches(msg, k.Follow):
			m.logBack = 0
		case key.Matches(msg, k.Level):
			m.logLevel = nextLevel(m.logLevel)
			m.logBack = 0
			if m.srv.deps.Logs != nil {
				m.logs = m.srv.deps.Logs.Tail(0, m.logLevel)
			}
		}
	}
	return m, nil
}

func nextLevel(l slog.Level) slog.Level {
	switch {
	case l < slog.LevelInfo:
		return slog.LevelInfo
	case l < slog.LevelWarn:
		return slog.LevelWarn
	case l < slog.LevelError:
		return slog.LevelError
	}
	return slog.LevelDebug
}

func (m model) switchTab(t int) (tea.Model, tea.Cmd) {
	m.tab, m.keys.tab = t, t
	if t != tabDevices {
		m.pv.clear()
	}
	m.queueAt = time.Time{}
	m.gen++
	return m, m.tick(0)
}

func (m *model) retrySelected() tea.Cmd {
	q := m.srv.deps.Queue
	if q == nil || len(m.jobs) == 0 {
		return nil
	}
	id := m.jobs[m.sel].ID
	ctx, st, srv := m.ctx, m.st, m.srv
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, queueOpTimeout)
		defer cancel()
		var warn string
		err := srv.act(st, "ssh.queue_retry", []string{"job", Sanitize(id)}, func(w string) { warn = " — " + w }, func() error {
			return q.Retry(ctx, id)
		})
		if err != nil {
			return doneMsg{text: "retry " + id, err: err}
		}
		return doneMsg{text: "job " + id + " is due now" + warn}
	}
}

// setMaintenance changes maintenance mode in a command: the kiosk's
// confirmation may take a moment, and Update must not wait for it.
func (m *model) setMaintenance(on bool) tea.Cmd {
	ctx, st, srv := m.ctx, m.st, m.srv
	return func() tea.Msg {
		var warn string
		err := srv.setMaintenance(ctx, st, on, func(w string) { warn = " — " + w })
		return maintMsg{on: on, warn: warn, err: err}
	}
}

func (m *model) sendTest(raw string) tea.Cmd {
	to, err := m.srv.deps.Modem.Number(raw)
	if err != nil {
		// The reason alone: it says what is wrong and fits 80 columns.
		m.setFlash(Sanitize(err.Error()), nil)
		m.flashBad = true
		return nil
	}
	md, ctx, st, srv := m.srv.deps.Modem, m.ctx, m.st, m.srv
	m.setFlash("sending a test SMS to "+mask.Phone(to)+"…", nil)
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, deviceOpTimeout)
		defer cancel()
		var warn string
		err := srv.act(st, "ssh.modem_test", []string{"to", mask.Phone(to)}, func(w string) { warn = " — " + w }, func() error {
			return md.SendTest(ctx, to)
		})
		if err != nil {
			return doneMsg{text: "test SMS to " + mask.Phone(to), err: err}
		}
		return doneMsg{text: "test SMS sent to " + mask.Phone(to) + warn}
	}
}

// header, tab bar and the blank line under it take this many lines, plus
// one spare so the last line never scrolls the screen.
const chromeLines = 4

func (m model) bodyHeight() int { return max(3, m.h-chromeLines-lipgloss.Height(m.footer())) }

func (m model) View() string {
	var b strings.Builder
	b.WriteString(m.header())
	b.WriteByte('\n')
	b.WriteString(m.tabBar())
	b.WriteString("\n\n")
	var body string
	switch m.tab {
	case tabStatus:
		body = m.statusView()
	case tabOutbox:
		body = m.outboxView()
	case tabDevices:
		body = m.devicesView()
	case tabLogs:
		body = m.logsView()
	}
	bh := m.bodyHeight()
	lines := strings.Split(body, "\n")
	if len(lines) > bh {
		lines = lines[:bh]
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, m.w, "…")
	}
	for len(lines) < bh {
		lines = append(lines, "")
	}
	b.WriteString(strings.Join(lines, "\n"))
	b.WriteByte('\n')
	b.WriteString(m.footer())
	return b.String()
}

func (m model) header() string {
	id := m.srv.cfg.KioskID
	ver := m.srv.cfg.Version
	if m.hasStatus {
		if m.status.KioskID != "" {
			id = m.status.KioskID
		}
		if m.status.Version != "" {
			ver = m.status.Version
		}
	}
	who := m.st.comment
	if who == "" {
		who = m.st.fingerprint
	}
	h := m.sty.title.Render("ventanilla console") + m.sty.dim.Render(fmt.Sprintf(" · kiosk %s · %s · %s", Sanitize(id), Sanitize(ver), who))
	if m.status.Maintenance {
		h += " " + m.sty.banner.Render("MAINTENANCE")
	}
	return ansi.Truncate(h, m.w, "…")
}

func (m model) tabBar() string {
	parts := make([]string, numTabs)
	for i, n := range tabNames {
		label := fmt.Sprintf("%d %s", i+1, n)
		if i == m.tab {
			parts[i] = m.sty.activeTab.Render(label)
		} else {
			parts[i] = m.sty.tab.Render(label)
		}
	}
	return ansi.Truncate(strings.Join(parts, " "), m.w, "…")
}

func (m model) footer() string {
	var lines []string
	if left := m.srv.cfg.IdleTimeout - m.now.Sub(m.lastInput); left <= idleWarnBefore {
		lines = append(lines, m.sty.warn.Render(fmt.Sprintf("idle: disconnecting in %ds — press any key to stay", max(0, int(left.Seconds())))))
	}
	switch {
	case m.confirm && m.status.Maintenance:
		lines = append(lines, m.sty.warn.Render("Lift maintenance mode and let visitors in again? (y/n)"))
	case m.confirm:
		lines = append(lines, m.sty.warn.Render(`Put the kiosk in maintenance ("fuera de servicio" to visitors)? (y/n)`))
	case m.entering:
		lines = append(lines, m.input.View()+m.sty.dim.Render("  enter send · esc cancel"))
	case m.flash != "":
		st := m.sty.ok
		if m.flashBad {
			st = m.sty.bad
		}
		lines = append(lines, st.Render(m.flash))
	default:
		lines = append(lines, "")
	}
	lines = append(lines, m.help.View(m.keys))
	return strings.Join(lines, "\n")
}

func (m model) row(label, value string) string {
	return m.sty.label.Render(label) + value
}

func (m model) statusView() string {
	if m.srv.deps.Kiosk == nil {
		return m.sty.dim.Render("kiosk status not available")
	}
	s := m.status
	var rows []string
	up := "-"
	if !s.Started.IsZero() {
		up = m.now.Sub(s.Started).Round(time.Second).String()
	}
	step := Sanitize(s.Step)
	if step == "" {
		step = m.sty.dim.Render("(idle — no visitor)")
	}
	maint := m.sty.ok.Render("off")
	if s.Maintenance {
		maint = m.sty.bad.Render(`ON — visitors see "fuera de servicio"`)
	}
	lastErr := m.sty.dim.Render("none")
	if s.LastError != "" {
		lastErr = m.sty.bad.Render(Sanitize(s.LastError))
	}
	office := Sanitize(s.Office)
	rows = append(rows,
		m.row("Kiosk", Sanitize(s.KioskID)+m.sty.dim.Render(" "+office)),
		m.row("Version", Sanitize(s.Version)),
		m.row("Uptime", up),
		m.row("Visitor step", step),
		m.row("Maintenance", maint),
		m.row("Last error", lastErr),
	)
	if len(s.Sessions) > 0 {
		var parts []string
		for _, k := range sortedKeys(s.Sessions) {
			parts = append(parts, fmt.Sprintf("%s %d", Sanitize(k), s.Sessions[k]))
		}
		rows = append(rows, m.row("Visitors", strings.Join(parts, " · ")))
	}
	rows = append(rows, m.row("Technicians", fmt.Sprintf("%d connected", m.srv.Technicians())))
	// Device health as last seen (never asks the devices: a tick must not block).
	if md := m.srv.deps.Modem; md != nil {
		h := md.Health()
		rows = append(rows, m.row("Modem", m.health(h.Ready, h.Error)))
	}
	if m.srv.deps.Camera != nil {
		rows = append(rows, m.row("Camera", m.health(m.cam.LastError == "", m.cam.LastError)))
	}
	for _, w := range s.Warnings {
		rows = append(rows, m.row("Warning", m.sty.warn.Render(Sanitize(w))))
	}
	return strings.Join(rows, "\n")
}

func (m model) health(ok bool, why string) string {
	if ok {
		return m.sty.ok.Render("ok")
	}
	return m.sty.bad.Render("not ok: " + Sanitize(why))
}

func (m model) outboxView() string {
	if m.srv.deps.Queue == nil {
		return m.sty.dim.Render("outbox not available")
	}
	var rows []string
	if m.stats != nil {
		var parts []string
		for _, k := range sortedKeys(m.stats) {
			v := fmt.Sprintf("%s %d", Sanitize(k), m.stats[k])
			if k == "dead" && m.stats[k] > 0 {
				v = m.sty.bad.Render(v)
			}
			parts = append(parts, v)
		}
		rows = append(rows, m.row("Jobs", strings.Join(parts, " · ")))
	} else {
		rows = append(rows, m.sty.dim.Render("loading…"))
	}
	if m.queueErr != "" {
		rows = append(rows, m.sty.bad.Render("error: "+m.queueErr))
	}
	title := "All jobs (newest first)"
	if m.showDead {
		title = "Dead letters (newest first)"
	}
	rows = append(rows, "", m.sty.title.Render(title))
	if len(m.jobs) == 0 {
		rows = append(rows, m.sty.dim.Render("  none"))
		return strings.Join(rows, "\n")
	}
	rows = append(rows, m.sty.dim.Render(fmt.Sprintf("  %-26s %-5s %-8s %3s  %-16s %s", "ID", "KIND", "STATE", "TRY", "TO", "LAST ERROR")))
	// Keep the selection visible.
	avail := max(1, m.bodyHeight()-len(rows))
	start := 0
	if m.sel >= avail {
		start = m.sel - avail + 1
	}
	for i := start; i < len(m.jobs) && i < start+avail; i++ {
		j := m.jobs[i]
		line := fmt.Sprintf("  %-26s %-5s %-8s %3d  %-16s %s", clip(Sanitize(j.ID), 26), clip(Sanitize(j.Kind), 5),
			clip(Sanitize(j.State), 8), j.Attempts, clip(Sanitize(j.To), 16), Sanitize(j.LastError))
		if i == m.sel {
			line = m.sty.sel.Render(">" + line[1:])
		}
		rows = append(rows, line)
	}
	return strings.Join(rows, "\n")
}

func (m model) devicesView() string {
	var left []string
	left = append(left, m.sty.title.Render("Modem"))
	switch {
	case m.srv.deps.Modem == nil:
		left = append(left, m.sty.dim.Render("not available"))
	case m.modemBusy && m.modem == nil:
		left = append(left, m.sty.dim.Render("checking…"))
	case m.modemErr != "":
		left = append(left, m.sty.bad.Render("error: "+m.modemErr))
	case m.modem != nil:
		ms := m.modem
		reg := Sanitize(ms.Registration)
		if ms.Registered {
			reg = m.sty.ok.Render(reg)
		} else {
			reg = m.sty.bad.Render(reg)
		}
		left = append(left,
			m.row("SIM", Sanitize(ms.SIM)),
			m.row("Registration", reg),
			m.row("Operator", Sanitize(ms.Operator)),
			m.row("Signal", signalText(*ms)+" "+signalBars(ms.Signal)),
		)
		if m.modemBusy {
			left = append(left, m.sty.dim.Render("checking…"))
		}
	}
	var right []string
	right = append(right, m.sty.title.Render("Camera"))
	if m.srv.deps.Camera == nil {
		right = append(right, m.sty.dim.Render("not available"))
	} else {
		c := m.cam
		dev := Sanitize(c.Device)
		if c.Simulated {
			dev += m.sty.dim.Render(" (simulated)")
		}
		right = append(right,
			m.row("Device", dev),
			m.row("Format", fmt.Sprintf("%s %dx%d", Sanitize(c.Format), c.Width, c.Height)),
			m.row("FPS", fmt.Sprintf("%.1f", c.FPS)),
			m.row("Frames", fmt.Sprint(c.Frames)),
		)
		if c.LastError != "" {
			right = append(right, m.sty.bad.Render("error: "+Sanitize(c.LastError)))
		}
	}
	colW := max(30, m.w/2-1)
	body := lipgloss.JoinHorizontal(lipgloss.Top,
		m.sty.col.Width(colW).Render(strings.Join(left, "\n")),
		strings.Join(right, "\n"))
	if m.preview {
		frame := string(m.pv.frame)
		if frame == "" {
			frame = m.sty.dim.Render("no frame: the camera is not in use (the last visitor's picture is wiped)")
		}
		body += "\n\n" + m.sty.title.Render("Live preview") + m.sty.dim.Render(" (p to stop)") + "\n"
		if m.pv.hidden {
			// One line at 80 columns (a longer one is cut). The camera
			// runs only on a photo step, and a step's end wipes its
			// frame, so there is no "full picture later" to promise.
			body += m.sty.warn.Render("A visitor is at the kiosk: the picture is blurred for their privacy.") + "\n"
		}
		body += frame
	}
	return body
}

// signalBars draws the +CSQ RSSI (0–31) as four bars.
func signalBars(rssi int) string {
	if rssi < 0 || rssi > 31 {
		return ""
	}
	n := (rssi + 7) / 8
	return strings.Repeat("▮", n) + strings.Repeat("▯", 4-n)
}

func (m model) logsView() string {
	if m.srv.deps.Logs == nil {
		return m.sty.dim.Render("logs not available")
	}
	head := m.row("Level", "≥ "+strings.ToLower(m.logLevel.String())+m.sty.dim.Render("  (l to change)"))
	if m.logBack > 0 {
		head += m.sty.warn.Render(fmt.Sprintf("  scrolled back %d (f to follow)", m.logBack))
	}
	avail := max(1, m.bodyHeight()-1)
	end := len(m.logs) - m.logBack
	start := max(0, end-avail)
	rows := []string{head}
	for _, r := range m.logs[start:max(start, end)] {
		line := formatRecord(r)
		switch {
		case r.Level >= slog.LevelError:
			line = m.sty.bad.Render(line)
		case r.Level >= slog.LevelWarn:
			line = m.sty.warn.Render(line)
		case r.Level < slog.LevelInfo:
			line = m.sty.dim.Render(line)
		}
		rows = append(rows, line)
	}
	if len(m.logs) == 0 {
		rows = append(rows, m.sty.dim.Render("no log lines at this level"))
	}
	return strings.Join(rows, "\n")
}

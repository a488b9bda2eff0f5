// Package emulator is a GSM modem on a pseudo-terminal, for demo mode,
// tests and `ventanilla modem sim`.
//
// It behaves like the cheap modems the kiosk meets: it starts with echo on,
// answers the AT commands devices/modem and gammu use, asks for a PIN if
// configured, gives the "> " prompt after AT+CMGS, checks the PDU length
// and content with its own decoder, joins concatenated parts and logs each
// complete message as a JSON line. Fault switches make it noisy, oddly
// framed, slow, congested, refusing or silent.
package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Faults are the misbehaviours the emulator can show. They can be changed
// while it runs (SetFaults) to simulate a modem going bad.
type Faults struct {
	// Noise sends unsolicited result codes (+CMTI, +CMT with a PDU body,
	// ^RSSI, +CREG, RING) between commands, inside answers (before the
	// final result) and just before the "> " prompt.
	Noise bool
	// CRCRLF ends lines with "\r\r\n" instead of "\r\n".
	CRCRLF bool
	// Slow delays every answer (and the prompt) by this much.
	Slow time.Duration
	// Congestion makes the next N message submissions fail with
	// +CMS ERROR: 42 (congestion) before they succeed again.
	Congestion int
	// Refuse makes every submission fail with +CMS ERROR: 21 (short
	// message transfer rejected), a permanent refusal.
	Refuse bool
	// Silent makes the modem read everything and answer nothing.
	Silent bool
}

// Options configure a new emulator.
type Options struct {
	// PIN, if set, locks the SIM until AT+CPIN="<PIN>". Three wrong PINs
	// lock it behind the PUK, as a real SIM does.
	PIN string
	// NoSIM reports that no SIM is inserted.
	NoSIM bool
	// Unregistered starts the modem searching for a network.
	Unregistered bool
	// Log receives one JSON line per complete message received:
	// {"to":"+34600000000","text":"…","parts":2}.
	Log io.Writer
	// Faults start active.
	Faults Faults
	// Operator, SMSC and CSQ are what the modem reports; defaults
	// "Movistar", "+34609090909" and 20 (-73 dBm).
	Operator string
	SMSC     string
	CSQ      int
}

// Message is one complete SMS the emulator received.
type Message struct {
	To    string `json:"to"`
	Text  string `json:"text"`
	Parts int    `json:"parts"`
}

// Emulator is a running emulated modem. Its methods are safe for
// concurrent use.
type Emulator struct {
	master, slave *os.File
	path          string
	log           io.Writer
	closed        chan struct{}
	faultsChanged chan struct{} // wakes idleNoise; buffered, never blocks SetFaults
	closeOnce     sync.Once
	wg            sync.WaitGroup

	wmu sync.Mutex // one writer at a time: answers and idle noise

	mu         sync.Mutex
	faults     Faults
	echo       bool
	cmee       int
	cmgf       int
	sim        string // "READY", "SIM PIN", "SIM PUK", "" (no SIM)
	pin        string
	pinTries   int
	registered bool
	operator   string
	smsc       string
	csq        int
	mr         int
	messages   []Message
	submits    int // accepted AT+CMGS
	pdus       []Submission
	commands   []string
	partial    map[string]map[int]string
	noiseN     int
}

// Start opens a pseudo-terminal and starts answering on it.
func Start(opts Options) (*Emulator, error) {
	m, s, err := openPTY()
	if err != nil {
		return nil, err
	}
	e := &Emulator{
		master: m, slave: s, path: s.Name(), log: opts.Log,
		closed:        make(chan struct{}),
		faultsChanged: make(chan struct{}, 1),
		faults:        opts.Faults,
		echo:          true,
		cmee:          0,
		sim:           "READY",
		pin:           opts.PIN,
		pinTries:      3,
		registered:    !opts.Unregistered,
		operator:      opts.Operator,
		smsc:          opts.SMSC,
		csq:           opts.CSQ,
		partial:       map[string]map[int]string{},
	}
	if opts.PIN != "" {
		e.sim = "SIM PIN"
	}
	if opts.NoSIM {
		e.sim = ""
	}
	if e.operator == "" {
		e.operator = "Movistar"
	}
	if e.smsc == "" {
		e.smsc = "+34609090909"
	}
	if e.csq == 0 {
		e.csq = 20
	}
	e.wg.Add(2)
	go e.readLoop()
	go e.idleNoise()
	return e, nil
}

// Path is the device a client opens, e.g. /dev/pts/3.
func (e *Emulator) Path() string { return e.path }

// Close hangs up: the client's next read or write fails, as when the
// modem's cable is pulled.
func (e *Emulator) Close() error {
	var err error
	e.closeOnce.Do(func() {
		close(e.closed)
		err = e.master.Close()
		if serr := e.slave.Close(); err == nil {
			err = serr
		}
		e.wg.Wait()
	})
	return err
}

// SetFaults replaces the active faults.
func (e *Emulator) SetFaults(f Faults) {
	e.mu.Lock()
	e.faults = f
	e.mu.Unlock()
	select {
	case e.faultsChanged <- struct{}{}:
	default: // a wake-up is already pending; it will read the new faults
	}
}

// SetRegistered simulates losing or finding the network.
func (e *Emulator) SetRegistered(ok bool) {
	e.mu.Lock()
	e.registered = ok
	e.mu.Unlock()
}

// Messages returns the complete messages received so far.
func (e *Emulator) Messages() []Message {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Message(nil), e.messages...)
}

// Submission is one PDU the emulator accepted, as received and as its
// own decoder read it: interoperability tests compare it with other
// encoders.
type Submission struct {
	// Length is the <length> given with AT+CMGS; PDU is the hex that
	// followed the prompt, SMSC field included.
	Length int
	PDU    string
	// To, Text, Ref, Total and Seq are this part decoded.
	To         string
	Text       string
	Ref, Total int
	Seq        int
}

// Submissions returns every accepted part in order of arrival.
func (e *Emulator) Submissions() []Submission {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Submission(nil), e.pdus...)
}

// Submits returns how many parts the emulator accepted (answered +CMGS).
func (e *Emulator) Submits() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.submits
}

// Commands returns every command line received, in order (PDUs excluded).
func (e *Emulator) Commands() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.commands...)
}

func (e *Emulator) currentFaults() Faults {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.faults
}

// readLoop parses what the client writes: command lines ended by "\r", and
// after a prompt the PDU ended by Ctrl-Z (or abandoned with ESC).
func (e *Emulator) readLoop() {
	defer e.wg.Done()
	buf := make([]byte, 1024)
	var line []byte
	prompt := -1 // expected TPDU length while in text-entry state
	for {
		n, err := e.master.Read(buf)
		if err != nil {
			return
		}
		f := e.currentFaults()
		if f.Silent {
			// A hung modem: the bytes go nowhere and nothing changes.
			continue
		}
		for _, c := range buf[:n] {
			e.mu.Lock()
			echo := e.echo
			e.mu.Unlock()
			if prompt >= 0 {
				switch c {
				case 0x1A:
					if echo {
						e.write(string(line) + "\x1a")
					}
					e.submit(string(line), prompt)
					line, prompt = line[:0], -1
				case 0x1B:
					line, prompt = line[:0], -1
					e.respond(nil, "OK")
				case '\r', '\n':
				default:
					line = append(line, c)
				}
				continue
			}
			switch c {
			case '\r':
				if echo {
					e.write(string(line) + "\r")
				}
				cmd := strings.TrimSpace(string(line))
				line = line[:0]
				if cmd != "" {
					prompt = e.execute(cmd)
				}
			case '\n', 0x1B, 0x1A, 0:
			case 0x08, 0x7F:
				if len(line) > 0 {
					line = line[:len(line)-1]
				}
			default:
				if len(line) < 1024 {
					line = append(line, c)
				}
			}
		}
	}
}

// write sends s to the client unless the modem is silent. A client that
// does not read for a second loses the output, as with a real UART.
func (e *Emulator) write(s string) {
	if e.currentFaults().Silent {
		return
	}
	e.wmu.Lock()
	defer e.wmu.Unlock()
	_ = e.master.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = io.WriteString(e.master, s)
}

// pause waits out the Slow fault; false if the emulator closed meanwhile.
func (e *Emulator) pause() bool {
	d := e.currentFaults().Slow
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-e.closed:
		return false
	}
}

// respond sends info lines and a final result in verbose format, with
// noise and framing faults applied.
func (e *Emulator) respond(info []string, final string) {
	if !e.pause() {
		return
	}
	f := e.currentFaults()
	eol := "\r\n"
	if f.CRCRLF {
		eol = "\r\r\n"
	}
	var b strings.Builder
	if f.Noise {
		b.WriteString(eol + e.noiseURC(eol) + eol)
	}
	for _, l := range info {
		b.WriteString(eol + l + eol)
	}
	if f.Noise && len(info) > 0 {
		b.WriteString(eol + e.noiseURC(eol) + eol)
	}
	b.WriteString(eol + final + eol)
	e.write(b.String())
}

// noiseURC picks the next unsolicited result code; the +CMT one carries a
// PDU body on its own line, which a client must not take for an answer.
func (e *Emulator) noiseURC(eol string) string {
	e.mu.Lock()
	e.noiseN++
	n := e.noiseN
	e.mu.Unlock()
	urcs := []string{
		`+CMTI: "SM",3`,
		"^RSSI: 17",
		"+CREG: 1",
		`+CREG: 1,"00C3","0010"`,
		"RING",
		"+CMT: ,24" + eol + "07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07",
		"^BOOT:20952548,0,0,0,72",
		"+CDS: 25" + eol + "0006D60B911326880736F4111011719551401110117195714000",
		"+QIND: SMS DONE",
		"^MODE: 5,4",
	}
	return urcs[n%len(urcs)]
}

// idleNoise sends URCs between commands while the Noise fault is on. With
// Noise off it sleeps until SetFaults changes something: an emulator with
// no fault on (demo mode) runs no timer at all.
func (e *Emulator) idleNoise() {
	defer e.wg.Done()
	for {
		f := e.currentFaults()
		if !f.Noise || f.Silent {
			select {
			case <-e.closed:
				return
			case <-e.faultsChanged:
			}
			continue
		}
		t := time.NewTimer(idleNoiseEvery)
		select {
		case <-e.closed:
			t.Stop()
			return
		case <-e.faultsChanged:
			t.Stop()
		case <-t.C:
			f = e.currentFaults()
			if !f.Noise || f.Silent {
				continue
			}
			eol := "\r\n"
			if f.CRCRLF {
				eol = "\r\r\n"
			}
			e.write(eol + e.noiseURC(eol) + eol)
		}
	}
}

// idleNoiseEvery is how often a noisy modem speaks unasked.
const idleNoiseEvery = 150 * time.Millisecond

// execute runs one command line (possibly several commands joined with
// ";") and answers it. It returns the TPDU length when the line ends in
// the text-entry state (AT+CMGS), else -1.
func (e *Emulator) execute(line string) int {
	e.mu.Lock()
	if len(e.commands) < maxKept {
		logged := line
		if strings.HasPrefix(strings.ToUpper(line), "AT+CPIN=") {
			logged = `AT+CPIN="****"`
		}
		e.commands = append(e.commands, logged)
	}
	e.mu.Unlock()
	up := strings.ToUpper(line)
	if !strings.HasPrefix(up, "AT") {
		return -1 // a real modem ignores what does not start with AT
	}
	rest := line[2:]
	var info []string
	for rest != "" {
		var cmd string
		if rest[0] == '+' || rest[0] == '^' {
			i := strings.IndexByte(rest, ';')
			if i < 0 {
				cmd, rest = rest, ""
			} else {
				cmd, rest = rest[:i], rest[i+1:]
			}
		} else {
			// Basic command: one letter (or &letter) and its digits.
			i := 1
			if rest[0] == '&' && len(rest) > 1 {
				i = 2
			}
			for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
				i++
			}
			cmd, rest = rest[:i], strings.TrimPrefix(rest[i:], ";")
		}
		out, final, promptLen := e.command(cmd)
		info = append(info, out...)
		if promptLen >= 0 {
			if !e.pause() {
				return -1
			}
			f := e.currentFaults()
			s := "\r\n"
			if f.Noise {
				s += e.noiseURC("\r\n") + "\r\n\r\n"
			}
			e.write(s + "> ")
			return promptLen
		}
		if final != "OK" {
			e.respond(info, final)
			return -1
		}
	}
	e.respond(info, "OK")
	return -1
}

// command runs one command: "E0", "+CSQ", "+CMGS=23"… It returns info
// lines, the final result, and the TPDU length if a prompt is due.
func (e *Emulator) command(cmd string) (info []string, final string, promptLen int) {
	up := strings.ToUpper(cmd)
	name, arg := up, ""
	if i := strings.IndexAny(up, "=?"); i >= 0 {
		name, arg = up[:i], cmd[i:]
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	simReady := e.sim == "READY"
	switch name {
	case "", "V", "V1", "Q", "Q0", "&F", "&F0", "&W", "&W0", "X", "X4", "&C1", "&D2", "S0":
		return nil, "OK", -1
	case "E", "E0":
		e.echo = false
		return nil, "OK", -1
	case "E1":
		e.echo = true
		return nil, "OK", -1
	case "Z", "Z0":
		e.echo, e.cmgf = true, 0
		return nil, "OK", -1
	case "I", "I0":
		return []string{"Ventanilla", "SIM800 R14.18 (emulated)"}, "OK", -1
	case "+CGMI", "+GMI":
		return []string{"Ventanilla"}, "OK", -1
	case "+CGMM", "+GMM":
		return []string{"SIM800 emulator"}, "OK", -1
	case "+CGMR", "+GMR":
		return []string{"Revision:1418B05SIM800L24"}, "OK", -1
	case "+CGSN", "+GSN":
		return []string{"869988012345678"}, "OK", -1
	case "+CIMI":
		if !simReady {
			return nil, e.simErrorLocked(), -1
		}
		return []string{"214070123456789"}, "OK", -1
	case "+CMEE":
		switch arg {
		case "?":
			return []string{"+CMEE: " + strconv.Itoa(e.cmee)}, "OK", -1
		case "=?":
			return []string{"+CMEE: (0-2)"}, "OK", -1
		}
		v, err := strconv.Atoi(strings.TrimPrefix(arg, "="))
		if err != nil || v < 0 || v > 2 {
			return nil, "ERROR", -1
		}
		e.cmee = v
		return nil, "OK", -1
	case "+CPIN":
		return e.cpinLocked(arg)
	case "+CREG", "+CGREG", "+CEREG":
		switch {
		case arg == "?":
			stat := "2"
			if e.registered && simReady {
				stat = "1"
			}
			return []string{name + ": 0," + stat}, "OK", -1
		case arg == "=?":
			return []string{name + ": (0-2)"}, "OK", -1
		}
		return nil, "OK", -1
	case "+CSQ":
		csq := e.csq
		if !e.registered {
			csq = 99
		}
		return []string{fmt.Sprintf("+CSQ: %d,99", csq)}, "OK", -1
	case "+COPS":
		switch arg {
		case "?":
			if e.registered && simReady {
				return []string{`+COPS: 0,0,"` + e.operator + `"`}, "OK", -1
			}
			return []string{"+COPS: 0"}, "OK", -1
		case "=?":
			return []string{`+COPS: (2,"` + e.operator + `","` + e.operator + `","21407"),,(0-4),(0-2)`}, "OK", -1
		}
		return nil, "OK", -1
	case "+CMGF":
		switch arg {
		case "?":
			return []string{"+CMGF: " + strconv.Itoa(e.cmgf)}, "OK", -1
		case "=?":
			return []string{"+CMGF: (0,1)"}, "OK", -1
		case "=0":
			e.cmgf = 0
			return nil, "OK", -1
		case "=1":
			e.cmgf = 1
			return nil, "OK", -1
		}
		return nil, "ERROR", -1
	case "+CSCA":
		if !simReady {
			return nil, e.simErrorLocked(), -1
		}
		if arg == "?" {
			return []string{`+CSCA: "` + e.smsc + `",145`}, "OK", -1
		}
		if strings.HasPrefix(arg, "=") {
			f := strings.Split(arg[1:], ",")
			e.smsc = strings.Trim(f[0], `"`)
			return nil, "OK", -1
		}
		return nil, "ERROR", -1
	case "+CSCS":
		switch arg {
		case "?":
			return []string{`+CSCS: "GSM"`}, "OK", -1
		case "=?":
			return []string{`+CSCS: ("IRA","GSM","UCS2")`}, "OK", -1
		}
		return nil, "OK", -1
	case "+CNMI", "+CSMP", "+CSDH", "+CFUN", "+CMMS", "+CSCB":
		if arg == "?" {
			return []string{name + ": 0"}, "OK", -1
		}
		return nil, "OK", -1
	case "+CSMS":
		return []string{"+CSMS: 0,1,1,1"}, "OK", -1
	case "+CPMS":
		if !simReady {
			return nil, e.simErrorLocked(), -1
		}
		if arg == "=?" {
			return []string{`+CPMS: ("SM"),("SM"),("SM")`}, "OK", -1
		}
		if arg == "?" {
			return []string{`+CPMS: "SM",0,30,"SM",0,30,"SM",0,30`}, "OK", -1
		}
		return []string{"+CPMS: 0,30,0,30,0,30"}, "OK", -1
	case "+CMGL", "+CMGD", "+CMGR":
		if !simReady {
			return nil, e.simErrorLocked(), -1
		}
		if name == "+CMGR" {
			return nil, "+CMS ERROR: 321", -1
		}
		return nil, "OK", -1
	case "+CMGS":
		if !simReady {
			return nil, "+CMS ERROR: " + e.simCMSLocked(), -1
		}
		if e.cmgf != 0 {
			return nil, "+CMS ERROR: 302", -1
		}
		if !e.registered {
			return nil, "+CMS ERROR: 331", -1
		}
		n, err := strconv.Atoi(strings.TrimPrefix(arg, "="))
		if err != nil || n < 7 || n > 164 {
			return nil, "+CMS ERROR: 304", -1
		}
		return nil, "", n
	}
	return nil, "ERROR", -1
}

func (e *Emulator) simErrorLocked() string {
	code, text := 10, "SIM not inserted"
	switch e.sim {
	case "SIM PIN":
		code, text = 11, "SIM PIN required"
	case "SIM PUK":
		code, text = 12, "SIM PUK required"
	}
	switch e.cmee {
	case 1:
		return "+CME ERROR: " + strconv.Itoa(code)
	case 2:
		return "+CME ERROR: " + text
	}
	return "ERROR"
}

func (e *Emulator) simCMSLocked() string {
	switch e.sim {
	case "SIM PIN":
		return "311"
	case "SIM PUK":
		return "316"
	}
	return "310"
}

// cpinLocked answers AT+CPIN? and AT+CPIN="<pin>". Called with e.mu held.
func (e *Emulator) cpinLocked(arg string) ([]string, string, int) {
	cme := func(code int, text string) string {
		switch e.cmee {
		case 1:
			return "+CME ERROR: " + strconv.Itoa(code)
		case 2:
			return "+CME ERROR: " + text
		}
		return "ERROR"
	}
	if e.sim == "" {
		return nil, cme(10, "SIM not inserted"), -1
	}
	switch {
	case arg == "?":
		return []string{"+CPIN: " + e.sim}, "OK", -1
	case arg == "=?":
		return nil, "OK", -1
	case strings.HasPrefix(arg, "="):
		pin := strings.Trim(strings.Split(arg[1:], ",")[0], `" `)
		switch e.sim {
		case "SIM PIN":
			if pin == e.pin {
				e.sim = "READY"
				return nil, "OK", -1
			}
			e.pinTries--
			if e.pinTries <= 0 {
				e.sim = "SIM PUK"
			}
			return nil, cme(16, "incorrect password"), -1
		case "SIM PUK":
			return nil, cme(12, "SIM PUK required"), -1
		}
		return nil, cme(3, "operation not allowed"), -1
	}
	return nil, "ERROR", -1
}

// submit checks and "sends" one PDU given after AT+CMGS=<length>.
func (e *Emulator) submit(hexPDU string, length int) {
	s, err := decodeSubmit(strings.TrimSpace(hexPDU), length)
	if err != nil {
		e.respond(nil, "+CMS ERROR: 304")
		return
	}
	e.mu.Lock()
	switch {
	case e.faults.Refuse:
		e.mu.Unlock()
		e.respond(nil, "+CMS ERROR: 21")
		return
	case e.faults.Congestion > 0:
		e.faults.Congestion--
		e.mu.Unlock()
		e.respond(nil, "+CMS ERROR: 42")
		return
	case !e.registered:
		e.mu.Unlock()
		e.respond(nil, "+CMS ERROR: 331")
		return
	}
	e.mr = (e.mr + 1) % 256
	mr := e.mr
	e.submits++
	if len(e.pdus) < maxKept {
		e.pdus = append(e.pdus, Submission{Length: length, PDU: strings.TrimSpace(hexPDU),
			To: s.To, Text: s.Text, Ref: s.Ref, Total: s.Total, Seq: s.Seq})
	}
	var done *Message
	if s.Total <= 1 {
		done = &Message{To: s.To, Text: s.Text, Parts: 1}
	} else {
		key := fmt.Sprintf("%s/%d/%d", s.To, s.Ref, s.Total)
		p := e.partial[key]
		if p == nil {
			p = map[int]string{}
			e.partial[key] = p
		}
		p[s.Seq] = s.Text
		if len(p) == s.Total {
			seqs := make([]int, 0, len(p))
			for k := range p {
				seqs = append(seqs, k)
			}
			sort.Ints(seqs)
			var text strings.Builder
			for _, k := range seqs {
				text.WriteString(p[k])
			}
			delete(e.partial, key)
			done = &Message{To: s.To, Text: text.String(), Parts: s.Total}
		}
	}
	if done != nil {
		// Keep the latest messages only: demo mode runs for days, and the
		// log writer already has them all.
		if len(e.messages) >= maxKept {
			e.messages = append(e.messages[:0], e.messages[len(e.messages)-maxKept/2:]...)
		}
		e.messages = append(e.messages, *done)
	}
	e.mu.Unlock()
	if done != nil && e.log != nil {
		b, _ := json.Marshal(done)
		_, _ = e.log.Write(append(b, '\n'))
	}
	e.respond([]string{"+CMGS: " + strconv.Itoa(mr)}, "OK")
}

// maxKept bounds the messages, submissions and commands kept in memory.
const maxKept = 10000

// ErrClosed is returned by WaitMessages when the emulator closed.
var ErrClosed = errors.New("emulator: closed")

// WaitMessages waits until at least n complete messages arrived or the
// time-out passes, and returns the messages received.
func (e *Emulator) WaitMessages(n int, timeout time.Duration) ([]Message, error) {
	deadline := time.Now().Add(timeout)
	for {
		msgs := e.Messages()
		if len(msgs) >= n {
			return msgs, nil
		}
		if time.Now().After(deadline) {
			return msgs, fmt.Errorf("emulator: %d of %d messages after %s", len(msgs), n, timeout)
		}
		select {
		case <-e.closed:
			return msgs, ErrClosed
		case <-time.After(10 * time.Millisecond):
		}
	}
}

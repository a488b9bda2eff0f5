package modem

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// URC is an unsolicited result code: a line the modem sent that no command
// asked for (+CMTI, +CREG, RING, ^RSSI…). Body is the PDU line that follows
// +CMT / +CDS, empty otherwise.
type URC struct {
	Line string
	Body string
}

// urcBuffer is how many URCs wait for a reader before new ones are dropped:
// the reader goroutine must never block on a slow consumer.
const urcBuffer = 64

// request is the one command in flight.
type request struct {
	cmd    string // as written, without "\r"
	logCmd string // for errors: PINs and PDUs masked
	raw    bool   // answer lines carry no prefix
	pdu    string // non-empty for AT+CMGS: sent after the prompt
	lines  []string
	prompt chan struct{} // closed on "> "
	final  chan Final    // receives the final result once (sync: each line-less one too)
	// sync marks the start-up probe: a final result that comes with no
	// answer line is not taken as its answer, because it may be stale.
	sync bool
	// line: the command always answers with a line of its own before OK
	// (a read command, AT+CSQ). An OK without one is the late answer of
	// an earlier command, so it is dropped and the wait goes on: on a slow
	// modem the probe can meet a dead owner's identical one and every
	// answer after it would be one behind; the first such query puts
	// them back in step.
	line bool
}

// engine runs one AT command at a time over a port and sorts what the
// modem says into answers and URCs.
type engine struct {
	port io.ReadWriteCloser

	sem chan struct{} // one command at a time, acquirable with a context

	mu      sync.Mutex
	pending *request
	urcBody bool // the next line is the body of the last URC
	lastURC string

	discard bool // drop every line: resynchronising after a time-out
	resync  bool // the last command timed out; its answer may still come

	urcs    chan URC
	dropped int

	done    chan struct{} // closed when the reader stops
	doneErr error
	closeMu sync.Mutex
	closing bool
}

// newEngine starts the reader goroutine. port's Read must block until
// there is data and fail once the port is closed or gone: a serial port
// from openSerial, a pipe or a socket all do.
func newEngine(port io.ReadWriteCloser) *engine {
	e := &engine{
		port: port,
		sem:  make(chan struct{}, 1),
		urcs: make(chan URC, urcBuffer),
		done: make(chan struct{}),
	}
	go e.readLoop()
	return e
}

// readLoop owns the port's read side and the splitter. It sleeps in Read
// while the modem says nothing: no timer wakes it, so an idle kiosk costs
// no CPU here. Close ends the Read at once. A hung-up device ends it too:
// a pty whose other side closed gives EIO, a serial device that was
// unplugged gives EOF (zero bytes from a descriptor that would otherwise
// wait for data) or EIO.
func (e *engine) readLoop() {
	var sp Splitter
	buf := make([]byte, 512)
	var err error
	for {
		n, rerr := e.port.Read(buf)
		if n > 0 {
			sp.Feed(buf[:n], e.dispatch)
		}
		if rerr != nil {
			err = rerr
			if errors.Is(rerr, io.EOF) {
				err = errors.New("device hung up (end of file)")
			}
			break
		}
	}
	if e.isClosing() {
		err = ErrClosed
	}
	e.mu.Lock()
	e.doneErr = err
	e.mu.Unlock()
	close(e.done)
}

func (e *engine) isClosing() bool {
	e.closeMu.Lock()
	defer e.closeMu.Unlock()
	return e.closing
}

// dispatch sorts one token. It runs on the reader goroutine only.
func (e *engine) dispatch(t Token) {
	e.mu.Lock()
	defer e.mu.Unlock()
	req := e.pending
	if t.Kind == TokPrompt {
		if req != nil && req.prompt != nil {
			select {
			case <-req.prompt:
			default:
				close(req.prompt)
			}
		}
		return
	}
	line := t.Text
	if e.discard {
		return
	}
	if e.urcBody {
		e.urcBody = false
		if isHex(line) {
			e.emitURC(URC{Line: e.lastURC, Body: line})
			return
		}
		// The announced PDU never came; deliver the header alone and treat
		// this line normally, so a lost body cannot swallow a final result.
		e.emitURC(URC{Line: e.lastURC})
	}
	if req != nil && isEcho(line, req) {
		return
	}
	if f, ok := ParseFinal(line); ok {
		if req != nil {
			if req.line && f.OK && len(req.lines) == 0 {
				return // stale (see request.line)
			}
			if f.OK && req.prompt != nil && !closed(req.prompt) {
				// AT+CMGS says OK only after the PDU, which goes after
				// the prompt: an OK before it is an earlier command's.
				// Taken for the send's, an SMS never handed over would
				// be reported sent. (An error before the prompt is the
				// send's own refusal.)
				return
			}
			switch {
			case !req.sync, f.OK && len(req.lines) > 0:
				e.pending = nil
			default:
				// Not the probe's answer (it has lines and OK): stale, and
				// so are the lines that came with it.
				req.lines = nil
			}
			select {
			case req.final <- f:
			default: // a sync probe flooded with stale finals: one is enough
			}
		}
		// A final result nobody waits for is the late answer of a command
		// that timed out; dropping it keeps it from ending the next one.
		return
	}
	if req != nil && belongs(line, req.cmd, req.raw) {
		req.lines = append(req.lines, line)
		return
	}
	if urcHasBody(line) {
		e.urcBody = true
		e.lastURC = line
		return
	}
	e.emitURC(URC{Line: line})
}

// closed reports whether ch is closed.
func closed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func (e *engine) emitURC(u URC) {
	select {
	case e.urcs <- u:
	default:
		e.dropped++
	}
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return s != ""
}

// isEcho recognises our own command or PDU coming back while echo is on.
func isEcho(line string, req *request) bool {
	if strings.EqualFold(line, req.cmd) {
		return true
	}
	if req.pdu != "" && (strings.ContainsRune(line, 0x1A) || strings.Contains(line, req.pdu)) {
		return true
	}
	// Echo of a command sent while a former prompt was being aborted.
	if strings.HasPrefix(line, "\x1b") {
		return true
	}
	// While syncing, the echo of a command a previous owner left half
	// typed ("AT+CS" finished by our CR) must not pass for the probe's
	// answer; no identification line starts with "AT".
	return req.sync && len(line) >= 2 && strings.EqualFold(line[:2], "AT")
}

// run executes one command and returns its answer lines. timeout bounds the
// whole exchange, prompt included.
func (e *engine) run(ctx context.Context, req *request, timeout time.Duration) ([]string, error) {
	if req.logCmd == "" {
		req.logCmd = req.cmd
	}
	select {
	case e.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-e.done:
		return nil, e.closedErr(req.logCmd)
	}
	defer func() { <-e.sem }()

	e.mu.Lock()
	resync := e.resync
	e.resync = false
	e.mu.Unlock()
	if resync {
		// The command before timed out: let its late answer arrive and be
		// thrown away, or it would be taken as this command's result.
		if err := e.drain(ctx, resyncQuiet); err != nil {
			return nil, err
		}
	}

	req.final = make(chan Final, 1)
	if req.pdu != "" {
		req.prompt = make(chan struct{})
	}
	e.mu.Lock()
	e.pending = req
	e.mu.Unlock()
	clear := func() {
		e.mu.Lock()
		if e.pending == req {
			e.pending = nil
		}
		e.mu.Unlock()
	}

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	if err := e.write(req.cmd + "\r"); err != nil {
		clear()
		return nil, e.ioErr(req.logCmd, err)
	}
	promptSent := false
	for {
		var promptCh chan struct{}
		if req.prompt != nil && !promptSent {
			promptCh = req.prompt
		}
		select {
		case <-promptCh:
			promptSent = true
			if err := e.write(req.pdu + "\x1a"); err != nil {
				clear()
				return nil, e.ioErr(req.logCmd, err)
			}
		case f := <-req.final:
			e.mu.Lock()
			lines := req.lines
			e.mu.Unlock()
			if f.OK {
				return lines, nil
			}
			return lines, finalErr(req.logCmd, f)
		case <-timer.C:
			clear()
			e.mu.Lock()
			e.resync = true
			e.mu.Unlock()
			if req.prompt != nil && !promptSent {
				// Leave the modem's text-entry state, or it will swallow
				// the next command as message text.
				_ = e.write("\x1b")
			}
			msg := fmt.Sprintf("no final result within %s", timeout)
			if promptSent {
				msg = fmt.Sprintf("no answer within %s after the message was handed over; it may have been sent", timeout)
			}
			return nil, &Error{Cmd: req.logCmd, Kind: KindTimeout, Class: Retry, Msg: msg, Err: ErrTimeout, MaybeSent: promptSent}
		case <-ctx.Done():
			clear()
			if req.prompt != nil && !promptSent {
				_ = e.write("\x1b")
			}
			return nil, fmt.Errorf("modem: %s: %w", req.logCmd, ctx.Err())
		case <-e.done:
			err := e.closedErr(req.logCmd)
			if promptSent {
				// The PDU was handed over before the port went: the
				// network may have it.
				err.MaybeSent = true
				err.Msg += " after the message was handed over; it may have been sent"
			}
			return nil, err
		}
	}
}

// resyncQuiet is how long the engine listens and discards before the
// command that follows a time-out (and at start-up).
const resyncQuiet = 150 * time.Millisecond

// drain discards everything the modem says for d. Call it holding sem.
func (e *engine) drain(ctx context.Context, d time.Duration) error {
	e.mu.Lock()
	e.discard = true
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.discard = false
		e.mu.Unlock()
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-e.done:
		return nil
	}
}

// syncCmd is the start-up probe. ATI (V.25ter identification) is answered
// by every modem with at least one information line, which no stale final
// result carries: the "OK" to the ESC that closed a prompt, the "ERROR" for
// a half-typed line a previous owner left, the late answer of a command
// that was in flight when it died.
const syncCmd = "ATI"

// sync finds where the modem's fresh answers begin, without a fixed quiet
// wait. It writes ESC (leaving a "> " prompt a previous run may have left
// open, or the modem would take our commands as message text), CR (ending
// a half-typed command line, which the modem then rejects or ignores) and
// the probe. Only answer lines followed by OK end the sync, at once; any
// other final result (a bare OK, an ERROR) is stale, with the lines that
// came with it, however late a slow modem sends it. No quiet period could
// tell a stale OK from a fresh one on a slow modem. A modem that answers
// but never gives ATI lines and OK is accepted when the time-out ends the
// wait.
func (e *engine) sync(ctx context.Context, timeout time.Duration) error {
	select {
	case e.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	case <-e.done:
		return e.closedErr(syncCmd)
	}
	defer func() { <-e.sem }()

	req := &request{cmd: syncCmd, logCmd: syncCmd, raw: true, sync: true, final: make(chan Final, 4)}
	e.mu.Lock()
	e.pending = req
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		if e.pending == req {
			e.pending = nil
		}
		e.mu.Unlock()
	}()
	if err := e.write("\x1b\r" + syncCmd + "\r"); err != nil {
		return e.ioErr(syncCmd, err)
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	alive := false
	for {
		select {
		case <-req.final:
			e.mu.Lock()
			synced := e.pending != req
			e.mu.Unlock()
			if synced {
				return nil
			}
			alive = true
		case <-timer.C:
			if alive {
				// The modem answers, but never ATI with lines and OK:
				// go on; the commands that follow tell whether it works.
				// Costly (one time-out) and rare.
				return nil
			}
			e.mu.Lock()
			e.resync = true
			e.mu.Unlock()
			return &Error{Cmd: syncCmd, Kind: KindTimeout, Class: Retry, Err: ErrTimeout,
				Msg: fmt.Sprintf("no answer within %s", timeout)}
		case <-ctx.Done():
			return fmt.Errorf("modem: %s: %w", syncCmd, ctx.Err())
		case <-e.done:
			return e.closedErr(syncCmd)
		}
	}
}

func (e *engine) write(s string) error {
	select {
	case <-e.done:
		return ErrClosed
	default:
	}
	if d, ok := e.port.(interface{ SetWriteDeadline(time.Time) error }); ok {
		// A modem that stops taking input (a stuck USB bridge) must not
		// hold the command, and the engine, forever.
		_ = d.SetWriteDeadline(time.Now().Add(writeTimeout))
	}
	_, err := io.WriteString(e.port, s)
	return err
}

// writeTimeout bounds one write to the port. A command is a few bytes and
// a PDU a few hundred: even at 9600 baud that is well under a second.
const writeTimeout = 5 * time.Second

func finalErr(cmd string, f Final) error {
	class := Retry
	if f.Kind == KindCME || f.Kind == KindCMS {
		class = classify(f.Kind, f.Code)
	}
	return &Error{Cmd: cmd, Kind: f.Kind, Code: f.Code, Class: class, Msg: f.Text}
}

func (e *engine) ioErr(cmd string, err error) error {
	if e.isClosing() {
		err = ErrClosed
	}
	return &Error{Cmd: cmd, Kind: KindIO, Class: Technician, Msg: "port failed: " + err.Error(), Err: err}
}

func (e *engine) closedErr(cmd string) *Error {
	e.mu.Lock()
	err := e.doneErr
	e.mu.Unlock()
	if err == nil || errors.Is(err, ErrClosed) {
		return &Error{Cmd: cmd, Kind: KindIO, Class: Technician, Msg: "port closed", Err: ErrClosed}
	}
	return &Error{Cmd: cmd, Kind: KindIO, Class: Technician, Msg: "port failed: " + err.Error(), Err: errors.Join(ErrClosed, err)}
}

// close closes the port and waits (bounded) for the reader to stop.
func (e *engine) close() error {
	e.closeMu.Lock()
	already := e.closing
	e.closing = true
	e.closeMu.Unlock()
	if already {
		return nil
	}
	err := e.port.Close()
	select {
	case <-e.done:
	case <-time.After(2 * time.Second):
		// A driver that ignores close; the reader exits at its next read.
	}
	return err
}

package modem

import (
	"strconv"
	"strings"
)

// TokenKind tells a line from the SMS prompt.
type TokenKind int

const (
	// TokLine is a complete, non-empty line without its terminator.
	TokLine TokenKind = iota + 1
	// TokPrompt is the "> " the modem sends, with no line ending, when it
	// waits for the PDU after AT+CMGS.
	TokPrompt
)

// Token is one unit the splitter found in the byte stream.
type Token struct {
	Kind TokenKind
	Text string
}

// maxLine bounds a line so a modem that spews garbage without line endings
// cannot grow memory without limit; a real PDU line is at most ~360 chars.
const maxLine = 4096

// Splitter cuts the byte stream from a modem into lines and prompts. It
// accepts "\r\n", "\r\r\n" (some firmware with S4 quirks), bare "\r" (echo
// of our own command) and bare "\n"; empty lines are dropped. The zero value
// is ready to use; it is not safe for concurrent use (the reader goroutine
// owns it).
type Splitter struct {
	buf []byte
}

// Feed consumes b and calls emit for every complete token in order. A
// partial line stays buffered until its terminator arrives.
func (s *Splitter) Feed(b []byte, emit func(Token)) {
	for _, c := range b {
		switch {
		case c == '\r' || c == '\n':
			s.flush(emit)
		case c == 0:
			// NUL is line noise on some USB bridges at power-up.
		default:
			s.buf = append(s.buf, c)
			if len(s.buf) == 2 && s.buf[0] == '>' && s.buf[1] == ' ' {
				s.buf = s.buf[:0]
				emit(Token{Kind: TokPrompt})
			} else if len(s.buf) >= maxLine {
				s.flush(emit)
			}
		}
	}
}

func (s *Splitter) flush(emit func(Token)) {
	if len(s.buf) == 0 {
		return
	}
	line := strings.TrimSpace(string(s.buf))
	s.buf = s.buf[:0]
	if line != "" {
		emit(Token{Kind: TokLine, Text: line})
	}
}

// Final is the final result code of a command.
type Final struct {
	OK   bool
	Kind Kind // KindError, KindCME or KindCMS when !OK
	Code int  // CME/CMS number, -1 if the modem sent text we could not map
	Text string
}

// ParseFinal reports whether line is a final result code (TS 27.007 §5.7,
// TS 27.005 §3.2.5) and which. "COMMAND NOT SUPPORT" is Huawei's ERROR.
func ParseFinal(line string) (Final, bool) {
	switch line {
	case "OK":
		return Final{OK: true, Text: line}, true
	case "ERROR", "COMMAND NOT SUPPORT", "TOO MANY PARAMETERS":
		return Final{Kind: KindError, Text: line}, true
	}
	for _, p := range []struct {
		prefix string
		kind   Kind
	}{{"+CME ERROR:", KindCME}, {"+CMS ERROR:", KindCMS}} {
		if !strings.HasPrefix(strings.ToUpper(line), p.prefix) {
			continue
		}
		arg := strings.TrimSpace(line[len(p.prefix):])
		code, err := strconv.Atoi(arg)
		if err != nil {
			code = verboseCode(p.kind, arg)
		}
		return Final{Kind: p.kind, Code: code, Text: line}, true
	}
	return Final{}, false
}

// verboseCode maps the texts modems send with AT+CMEE=2 (or ignore CMEE=1
// for) back to numbers, for the few that change what we do.
func verboseCode(kind Kind, text string) int {
	t := strings.ToLower(text)
	switch {
	case strings.Contains(t, "not inserted"):
		if kind == KindCMS {
			return 310
		}
		return 10
	case strings.Contains(t, "puk"):
		if kind == KindCMS {
			return 316
		}
		return 12
	case strings.Contains(t, "pin required"):
		if kind == KindCMS {
			return 311
		}
		return 11
	case strings.Contains(t, "incorrect password"):
		return 16
	case strings.Contains(t, "sim busy"):
		if kind == KindCMS {
			return 314
		}
		return 14
	case strings.Contains(t, "sim failure"):
		if kind == KindCMS {
			return 313
		}
		return 13
	case strings.Contains(t, "no network service"):
		if kind == KindCMS {
			return 331
		}
		return 30
	}
	return -1
}

// infoPrefix returns "+XXX" or "^XXX" for a line "+XXX: ..." / "^XXX:...",
// upper-cased, or "" for a line without one.
func infoPrefix(line string) string {
	if len(line) < 2 || (line[0] != '+' && line[0] != '^') {
		return ""
	}
	i := strings.IndexByte(line, ':')
	if i < 2 {
		return ""
	}
	p := line[:i]
	for _, c := range p[1:] {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return ""
		}
	}
	return strings.ToUpper(p)
}

// commandPrefix returns the info-response prefix a command's own answer
// lines carry: "AT+CSQ" → "+CSQ", "AT^SYSINFO" → "^SYSINFO".
func commandPrefix(cmd string) string {
	c := strings.ToUpper(cmd)
	if !strings.HasPrefix(c, "AT") || len(c) < 3 || (c[2] != '+' && c[2] != '^') {
		return ""
	}
	end := len(c)
	for i := 3; i < len(c); i++ {
		if c[i] == '=' || c[i] == '?' || c[i] == ';' {
			end = i
			break
		}
	}
	return c[2:end]
}

// answersWithLine reports whether cmd's OK always comes after a line of
// its own: a read command ("AT+CPIN?": V.250 has it report the current
// value) or AT+CSQ (27.007 8.5).
func answersWithLine(cmd string) bool {
	c := strings.ToUpper(cmd)
	p := commandPrefix(c)
	return p != "" && (c == "AT"+p+"?" || p == "+CSQ" && c == "AT+CSQ")
}

// bareURCs are unsolicited lines without a "+X:" prefix, from the SIM800,
// Quectel and Huawei manuals.
var bareURCs = map[string]bool{
	"RING": true, "RDY": true, "Call Ready": true, "SMS Ready": true,
	"NORMAL POWER DOWN": true, "UNDER-VOLTAGE WARNNING": true,
	"UNDER-VOLTAGE POWER DOWN": true, "OVER-VOLTAGE WARNNING": true,
	"POWERED DOWN": true, "NO CARRIER": true,
}

// regPrefixes carry registration both as a response to AT+xREG? ("n,stat")
// and as a URC ("stat" or "stat,lac,ci"), so the prefix alone cannot decide.
var regPrefixes = map[string]bool{"+CREG": true, "+CGREG": true, "+CEREG": true}

// belongs reports whether line is part of the answer to cmd (true) or an
// unsolicited result code (false). raw says cmd answers with lines that
// carry no prefix (ATI, AT+CGSN…).
func belongs(line, cmd string, raw bool) bool {
	p := infoPrefix(line)
	if p == "" {
		if bareURCs[line] {
			return false
		}
		return raw
	}
	want := commandPrefix(cmd)
	if p != want {
		return false
	}
	if regPrefixes[p] && strings.HasSuffix(strings.ToUpper(cmd), "?") {
		// The read response is "<n>,<stat>[,…]" with an unquoted <stat>;
		// the URC is "<stat>" or "<stat>,"<lac>",…" (quoted second field).
		f := fields(line[len(p)+1:])
		return len(f) >= 2 && !strings.HasPrefix(f[1], `"`)
	}
	return true
}

// fields splits a response's parameters on commas outside quotes and trims
// the spaces around each.
func fields(s string) []string {
	var out []string
	var cur strings.Builder
	inq := false
	for _, c := range s {
		switch {
		case c == '"':
			inq = !inq
			cur.WriteRune(c)
		case c == ',' && !inq:
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteRune(c)
		}
	}
	return append(out, strings.TrimSpace(cur.String()))
}

// unquote removes one pair of surrounding double quotes.
func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// urcHasBody reports whether a URC line is followed by a PDU line that
// belongs to it (+CMT and +CDS in PDU mode, +CBM).
func urcHasBody(line string) bool {
	switch infoPrefix(line) {
	case "+CMT", "+CDS", "+CBM":
		return true
	}
	return false
}

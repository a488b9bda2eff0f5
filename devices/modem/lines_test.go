package modem

import (
	"reflect"
	"strings"
	"testing"
)

// Transcripts written from the vendors' AT manuals (SIMCom SIM800 Series AT
// Command Manual v1.09, Huawei HiLink/E3372 AT Command Interface
// Specification, Quectel EC2x AT Commands Manual v1.3): what the modem puts
// on the wire, byte for byte, with its line-ending habits.
var transcripts = []struct {
	name string
	raw  string
	want []string // lines; ">" stands for the prompt token
}{
	{
		name: "SIM800 power-on URCs",
		raw:  "\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n",
		want: []string{"RDY", "+CFUN: 1", "+CPIN: READY", "Call Ready", "SMS Ready"},
	},
	{
		name: "SIM800 echo on AT+CSQ",
		raw:  "AT+CSQ\r\r\n+CSQ: 18,0\r\n\r\nOK\r\n",
		want: []string{"AT+CSQ", "+CSQ: 18,0", "OK"},
	},
	{
		name: "SIM800 CMGS prompt then echo of PDU",
		raw:  "AT+CMGS=23\r\r\n> 0011000B914306000000F00000A70AE8329BFD4697D9EC37\x1a\r\n+CMGS: 12\r\n\r\nOK\r\n",
		want: []string{"AT+CMGS=23", ">", "0011000B914306000000F00000A70AE8329BFD4697D9EC37\x1a", "+CMGS: 12", "OK"},
	},
	{
		name: "SIM800 new SMS URC inside an answer",
		raw:  "\r\n+CREG: 0,1\r\n\r\n+CMTI: \"SM\",3\r\n\r\nOK\r\n",
		want: []string{"+CREG: 0,1", `+CMTI: "SM",3`, "OK"},
	},
	{
		name: "Huawei E3372 boot and RSSI URCs, echo off",
		raw:  "\r\n^BOOT:20952548,0,0,0,72\r\n\r\n^RSSI:17\r\n\r\n^MODE:5,4\r\n\r\n+CSQ: 17,99\r\n\r\nOK\r\n",
		want: []string{"^BOOT:20952548,0,0,0,72", "^RSSI:17", "^MODE:5,4", "+CSQ: 17,99", "OK"},
	},
	{
		name: "Huawei verbose SIM error",
		raw:  "\r\n+CME ERROR: SIM not inserted\r\n",
		want: []string{"+CME ERROR: SIM not inserted"},
	},
	{
		name: "Huawei CMGS prompt without echo",
		raw:  "\r\n> ",
		want: []string{">"},
	},
	{
		name: "Quectel EC25 boot",
		raw:  "\r\nRDY\r\n\r\n+CPIN: READY\r\n\r\n+QUSIM: 1\r\n\r\n+QIND: SMS DONE\r\n\r\n+QIND: PB DONE\r\n",
		want: []string{"RDY", "+CPIN: READY", "+QUSIM: 1", "+QIND: SMS DONE", "+QIND: PB DONE"},
	},
	{
		name: "Quectel CMS error with CR CR LF framing",
		raw:  "\r\r\n+CMS ERROR: 500\r\r\n",
		want: []string{"+CMS ERROR: 500"},
	},
	{
		name: "CMT URC with PDU body",
		raw:  "\r\n+CMT: ,24\r\n07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07\r\n",
		want: []string{"+CMT: ,24", "07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07"},
	},
	{
		name: "NUL noise at power-up",
		raw:  "\x00\x00\r\nOK\r\n",
		want: []string{"OK"},
	},
}

func splitAll(raw string, chunk int) []string {
	var sp Splitter
	var got []string
	emit := func(t Token) {
		if t.Kind == TokPrompt {
			got = append(got, ">")
		} else {
			got = append(got, t.Text)
		}
	}
	for i := 0; i < len(raw); i += chunk {
		end := min(i+chunk, len(raw))
		sp.Feed([]byte(raw[i:end]), emit)
	}
	return got
}

func TestSplitterTranscripts(t *testing.T) {
	for _, tt := range transcripts {
		// Serial reads return arbitrary pieces; every chunk size must give
		// the same tokens.
		for chunk := 1; chunk <= 9; chunk++ {
			got := splitAll(tt.raw, chunk)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("%s (chunks of %d):\n got %q\nwant %q", tt.name, chunk, got, tt.want)
			}
		}
	}
}

func TestParseFinal(t *testing.T) {
	tests := []struct {
		line string
		ok   bool
		fin  bool
		kind Kind
		code int
	}{
		{"OK", true, true, 0, 0},
		{"ERROR", false, true, KindError, 0},
		{"COMMAND NOT SUPPORT", false, true, KindError, 0},
		{"+CME ERROR: 10", false, true, KindCME, 10},
		{"+CMS ERROR: 42", false, true, KindCMS, 42},
		{"+cms error: 500", false, true, KindCMS, 500},
		{"+CME ERROR: SIM not inserted", false, true, KindCME, 10},
		{"+CME ERROR: SIM PUK required", false, true, KindCME, 12},
		{"+CMS ERROR: something odd", false, true, KindCMS, -1},
		{"+CSQ: 18,0", false, false, 0, 0},
		{"OKAY", false, false, 0, 0},
		{"RING", false, false, 0, 0},
	}
	for _, tt := range tests {
		f, fin := ParseFinal(tt.line)
		if fin != tt.fin || f.OK != tt.ok || (fin && !f.OK && (f.Kind != tt.kind || f.Code != tt.code)) {
			t.Errorf("ParseFinal(%q) = %+v, %v", tt.line, f, fin)
		}
	}
}

func TestBelongs(t *testing.T) {
	tests := []struct {
		line, cmd string
		raw       bool
		want      bool
	}{
		{"+CSQ: 18,0", "AT+CSQ", false, true},
		{`+CMTI: "SM",3`, "AT+CSQ", false, false},
		{"+CREG: 0,1", "AT+CREG?", false, true},
		{"+CREG: 1", "AT+CREG?", false, false},                   // URC, n=1 form
		{`+CREG: 1,"00C3","0010"`, "AT+CREG?", false, false},     // URC, n=2 form
		{`+CREG: 2,1,"00C3","0010",7`, "AT+CREG?", false, true},  // read answer, n=2
		{"+CREG: 1", "AT+CSQ", false, false},                     // URC during another command
		{"^RSSI:17", "AT+CSQ", false, false},                     // Huawei URC
		{"^SYSINFO:2,3,0,5,1", "AT^SYSINFO", false, true},        // Huawei answer
		{"+CMGS: 12", "AT+CMGS=23", false, true},                 // send reference
		{"+QIND: SMS DONE", "AT+CMGS=23", false, false},          // Quectel URC
		{"869988012345678", "AT+CGSN", true, true},               // bare answer
		{"RING", "AT+CGSN", true, false},                         // bare URC
		{"Call Ready", "AT+CGMM", true, false},                   // SIM800 URC
		{"garbage", "AT+CSQ", false, false},                      // not ours
		{"+CPIN: READY", "AT+CPIN?", false, true},                // answer, not the boot URC
		{"+CEREG: 0,1", "AT+CEREG?", false, true},                // LTE registration
		{"+CGREG: 1", "AT+CGREG?", false, false},                 // GPRS URC
		{"+CME ERROR: 10", "AT+CPIN?", false, false},             // never an info line
		{"+CSCA: \"+34609090909\",145", "AT+CSCA?", false, true}, // SMSC
	}
	for _, tt := range tests {
		if tt.line == "+CME ERROR: 10" {
			if _, fin := ParseFinal(tt.line); !fin {
				t.Errorf("%q not final", tt.line)
			}
			continue
		}
		if got := belongs(tt.line, tt.cmd, tt.raw); got != tt.want {
			t.Errorf("belongs(%q, %q) = %v, want %v", tt.line, tt.cmd, got, tt.want)
		}
	}
}

// TestAnswersWithLine: the commands whose bare OK is taken as another
// command's late answer are those that always report a line first.
func TestAnswersWithLine(t *testing.T) {
	for cmd, want := range map[string]bool{
		"AT+CPIN?": true, "at+creg?": true, "AT+COPS?": true, "AT+CSCA?": true, "AT+CSQ": true,
		"AT^SYSINFO?":  true,
		"AT+CPIN=1234": false, "AT+CREG=?": false, "AT+CMGF=0": false, "ATE0": false, "ATI": false,
		"AT+CGMM": false, "AT+CMGS=23": false, "AT+CSQ=?": false, "AT": false, "AT?": false,
	} {
		if got := answersWithLine(cmd); got != want {
			t.Errorf("answersWithLine(%q) = %v, want %v", cmd, got, want)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		kind  Kind
		codes []int
		want  Class
	}{
		{KindCMS, []int{38, 41, 42, 47, 331, 332, 500}, Retry},
		{KindCMS, []int{1, 21, 28, 29, 30, 96, 304, 305}, Permanent},
		{KindCMS, []int{310, 311, 312, 313, 314, 315, 316, 317, 318, 330}, Technician},
		{KindCME, []int{10, 11, 12, 13, 15, 16}, Technician},
		{KindCME, []int{30, 31, 14, 100}, Retry},
		{KindCME, []int{3, 4}, Permanent},
	}
	for _, tt := range tests {
		for _, c := range tt.codes {
			if got := classify(tt.kind, c); got != tt.want {
				t.Errorf("classify(%v, %d) = %v, want %v", tt.kind, c, got, tt.want)
			}
		}
	}
	err := finalErr("AT+CMGS=23", Final{Kind: KindCMS, Code: 42, Text: "+CMS ERROR: 42"})
	if !IsRetryable(err) || IsPermanent(err) || NeedsTechnician(err) {
		t.Errorf("CMS 42 classified %v", ClassOf(err))
	}
	if !strings.Contains(err.Error(), "congestion") {
		t.Errorf("message lacks meaning: %v", err)
	}
	if ClassOf(nil) != 0 || IsRetryable(nil) {
		t.Error("nil error has a class")
	}
}

func TestFields(t *testing.T) {
	got := fields(` 0,0,"Movistar, ES",7`)
	want := []string{"0", "0", `"Movistar, ES"`, "7"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fields = %q", got)
	}
}

// FuzzSplitter: for any byte stream, splitting in one piece or byte by byte
// gives the same tokens, and no line carries a terminator or is empty.
func FuzzSplitter(f *testing.F) {
	for _, tt := range transcripts {
		f.Add([]byte(tt.raw), uint8(3))
	}
	f.Fuzz(func(t *testing.T, raw []byte, chunk uint8) {
		whole := splitAll(string(raw), len(raw)+1)
		c := int(chunk%16) + 1
		pieces := splitAll(string(raw), c)
		if !reflect.DeepEqual(whole, pieces) {
			t.Fatalf("chunking changed tokens:\n%q\n%q", whole, pieces)
		}
		for _, l := range whole {
			if l == "" || strings.ContainsAny(l, "\r\n") || len(l) > maxLine {
				t.Fatalf("bad line %q", l)
			}
		}
	})
}

// FuzzParseLine: classification never panics, and a final result is never
// also taken as part of an answer or as a prefix.
func FuzzParseLine(f *testing.F) {
	for _, s := range []string{"OK", "+CME ERROR: 10", "+CMS ERROR: x", "+CREG: 1,\"a\"", "^RSSI:1", "+:", "+A:,,,\""} {
		f.Add(s, "AT+CREG?")
	}
	f.Fuzz(func(t *testing.T, line, cmd string) {
		fin, isFinal := ParseFinal(line)
		if isFinal && fin.OK && line != "OK" {
			t.Fatalf("%q parsed as OK", line)
		}
		_ = belongs(line, cmd, false)
		_ = belongs(line, cmd, true)
		_ = commandPrefix(cmd)
		_ = fields(line)
		if p := infoPrefix(line); p != "" && !strings.HasPrefix(strings.ToUpper(line), p+":") {
			t.Fatalf("prefix %q of %q", p, line)
		}
	})
}

package modem

import (
	"bufio"
	"context"
	"errors"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"
)

// peer is the modem side of a net.Pipe, scripted by the test.
type peer struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func newPair(t *testing.T) (*engine, *peer) {
	t.Helper()
	a, b := net.Pipe()
	e := newEngine(a)
	p := &peer{t: t, c: b, br: bufio.NewReader(b)}
	t.Cleanup(func() {
		_ = e.close()
		_ = b.Close()
	})
	return e, p
}

// expect reads up to delim and checks it.
func (p *peer) expect(want string, delim byte) {
	p.t.Helper()
	_ = p.c.SetReadDeadline(time.Now().Add(2 * time.Second))
	got, err := p.br.ReadString(delim)
	if err != nil {
		p.t.Errorf("peer: reading %q: %v", want, err)
		return
	}
	if got != want {
		p.t.Errorf("peer got %q, want %q", got, want)
	}
}

func (p *peer) send(s string) {
	p.t.Helper()
	_ = p.c.SetWriteDeadline(time.Now().Add(2 * time.Second))
	if _, err := p.c.Write([]byte(s)); err != nil {
		p.t.Errorf("peer: write: %v", err)
	}
}

func drainURCs(e *engine) []URC {
	var out []URC
	for {
		select {
		case u := <-e.urcs:
			out = append(out, u)
		case <-time.After(50 * time.Millisecond):
			return out
		}
	}
}

func TestEngineTranscripts(t *testing.T) {
	tests := []struct {
		name      string
		req       request
		exchange  func(p *peer)
		wantLines []string
		wantErr   Class
		wantCode  int
		wantURCs  []URC
	}{
		{
			name: "SIM800 echo on, URC inside the answer",
			req:  request{cmd: "AT+CSQ"},
			exchange: func(p *peer) {
				p.expect("AT+CSQ\r", '\r')
				p.send("AT+CSQ\r\r\n+CSQ: 18,0\r\n\r\n+CMTI: \"SM\",3\r\n\r\nOK\r\n")
			},
			wantLines: []string{"+CSQ: 18,0"},
			wantURCs:  []URC{{Line: `+CMTI: "SM",3`}},
		},
		{
			name: "Huawei CRCRLF with RSSI before and +CMT with body inside",
			req:  request{cmd: "AT+CREG?"},
			exchange: func(p *peer) {
				p.expect("AT+CREG?\r", '\r')
				p.send("\r\r\n^RSSI:17\r\r\n\r\r\n+CREG: 1\r\r\n\r\r\n+CREG: 0,5\r\r\n\r\r\n+CMT: ,24\r\r\n07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07\r\r\n\r\r\nOK\r\r\n")
			},
			wantLines: []string{"+CREG: 0,5"},
			wantURCs: []URC{{Line: "^RSSI:17"}, {Line: "+CREG: 1"},
				{Line: "+CMT: ,24", Body: "07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07"}},
		},
		{
			name: "Quectel CMGS with URC before the prompt and echo of the PDU",
			req:  request{cmd: "AT+CMGS=10", pdu: "0011000B914306000000F00000A70AE8329BFD4697D9EC37"},
			exchange: func(p *peer) {
				p.expect("AT+CMGS=10\r", '\r')
				p.send("AT+CMGS=10\r\r\n+QIND: SMS DONE\r\n\r\n> ")
				p.expect("0011000B914306000000F00000A70AE8329BFD4697D9EC37\x1a", 0x1a)
				p.send("0011000B914306000000F00000A70AE8329BFD4697D9EC37\x1a\r\n+CMGS: 77\r\n\r\nOK\r\n")
			},
			wantLines: []string{"+CMGS: 77"},
			wantURCs:  []URC{{Line: "+QIND: SMS DONE"}},
		},
		{
			name: "CMGS refused before the prompt",
			req:  request{cmd: "AT+CMGS=10", pdu: "00"},
			exchange: func(p *peer) {
				p.expect("AT+CMGS=10\r", '\r')
				p.send("\r\n+CMS ERROR: 331\r\n")
			},
			wantErr:  Retry,
			wantCode: 331,
		},
		{
			name: "CMGS refused after the PDU, permanently",
			req:  request{cmd: "AT+CMGS=10", pdu: "0011"},
			exchange: func(p *peer) {
				p.expect("AT+CMGS=10\r", '\r')
				p.send("\r\n> ")
				p.expect("0011\x1a", 0x1a)
				p.send("\r\n+CMS ERROR: 21\r\n")
			},
			wantErr:  Permanent,
			wantCode: 21,
		},
		{
			name: "PIN needed",
			req:  request{cmd: "AT+CSCA?"},
			exchange: func(p *peer) {
				p.expect("AT+CSCA?\r", '\r')
				p.send("\r\n+CME ERROR: 11\r\n")
			},
			wantErr:  Technician,
			wantCode: 11,
		},
		{
			name: "+CMT header whose body never comes does not eat the OK",
			req:  request{cmd: "AT+CSQ"},
			exchange: func(p *peer) {
				p.expect("AT+CSQ\r", '\r')
				p.send("\r\n+CSQ: 9,0\r\n\r\n+CMT: ,24\r\n\r\nOK\r\n")
			},
			wantLines: []string{"+CSQ: 9,0"},
			wantURCs:  []URC{{Line: "+CMT: ,24"}},
		},
		{
			name: "bare answer lines with a RING in between",
			req:  request{cmd: "AT+CGSN", raw: true},
			exchange: func(p *peer) {
				p.expect("AT+CGSN\r", '\r')
				p.send("\r\n869988012345678\r\n\r\nRING\r\n\r\nOK\r\n")
			},
			wantLines: []string{"869988012345678"},
			wantURCs:  []URC{{Line: "RING"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, p := newPair(t)
			done := make(chan struct{})
			go func() {
				defer close(done)
				tt.exchange(p)
			}()
			req := tt.req
			lines, err := e.run(context.Background(), &req, 2*time.Second)
			<-done
			if tt.wantErr != 0 {
				var me *Error
				if !errors.As(err, &me) || me.Class != tt.wantErr || me.Code != tt.wantCode {
					t.Fatalf("err = %v, want class %v code %d", err, tt.wantErr, tt.wantCode)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(lines, tt.wantLines) {
				t.Errorf("lines %q, want %q", lines, tt.wantLines)
			}
			if got := drainURCs(e); !reflect.DeepEqual(got, tt.wantURCs) {
				t.Errorf("URCs %q, want %q", got, tt.wantURCs)
			}
		})
	}
}

func TestEngineTimeoutThenLateAnswer(t *testing.T) {
	e, p := newPair(t)
	first := make(chan struct{})
	go func() {
		defer close(first)
		p.expect("AT+CSQ\r", '\r')
	}()
	start := time.Now()
	_, err := e.run(context.Background(), &request{cmd: "AT+CSQ"}, 150*time.Millisecond)
	if el := time.Since(start); el < 150*time.Millisecond || el > time.Second {
		t.Errorf("timed out after %s", el)
	}
	var me *Error
	if !errors.As(err, &me) || me.Kind != KindTimeout || !IsRetryable(err) || !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v", err)
	}
	<-first
	// The late answer arrives while the next command is starting and must
	// not be taken for its result.
	go func() {
		time.Sleep(20 * time.Millisecond)
		p.send("\r\n+CSQ: 5,0\r\n\r\nOK\r\n")
		p.expect("AT+COPS?\r", '\r')
		p.send("\r\n+COPS: 0,0,\"Orange\"\r\n\r\nOK\r\n")
	}()
	lines, err := e.run(context.Background(), &request{cmd: "AT+COPS?"}, time.Second)
	if err != nil || !reflect.DeepEqual(lines, []string{`+COPS: 0,0,"Orange"`}) {
		t.Fatalf("next command: %q %v", lines, err)
	}
}

func TestEnginePromptTimeoutSendsEscape(t *testing.T) {
	e, p := newPair(t)
	got := make(chan string, 1)
	go func() {
		p.expect("AT+CMGS=10\r", '\r')
		_ = p.c.SetReadDeadline(time.Now().Add(2 * time.Second))
		b, _ := p.br.ReadByte()
		got <- string(b)
	}()
	_, err := e.run(context.Background(), &request{cmd: "AT+CMGS=10", pdu: "00"}, 100*time.Millisecond)
	var me *Error
	if !errors.As(err, &me) || me.Kind != KindTimeout || me.MaybeSent {
		t.Fatalf("err = %v", err)
	}
	if b := <-got; b != "\x1b" {
		t.Fatalf("after a prompt time-out the engine sent %q, want ESC", b)
	}
}

func TestEngineTimeoutAfterPDUIsMaybeSent(t *testing.T) {
	e, p := newPair(t)
	go func() {
		p.expect("AT+CMGS=10\r", '\r')
		p.send("\r\n> ")
		p.expect("00\x1a", 0x1a)
	}()
	_, err := e.run(context.Background(), &request{cmd: "AT+CMGS=10", pdu: "00"}, 200*time.Millisecond)
	var me *Error
	if !errors.As(err, &me) || me.Kind != KindTimeout || !me.MaybeSent {
		t.Fatalf("err = %v, want a MaybeSent time-out", err)
	}
}

func TestEnginePortClosedMidCommand(t *testing.T) {
	e, p := newPair(t)
	go func() {
		p.expect("AT+CSQ\r", '\r')
		_ = p.c.Close()
	}()
	start := time.Now()
	_, err := e.run(context.Background(), &request{cmd: "AT+CSQ"}, 5*time.Second)
	if time.Since(start) > time.Second {
		t.Errorf("took %s to notice the closed port", time.Since(start))
	}
	if !NeedsTechnician(err) || !errors.Is(err, ErrClosed) {
		t.Fatalf("err = %v", err)
	}
	if _, err := e.run(context.Background(), &request{cmd: "AT"}, time.Second); !errors.Is(err, ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
}

func TestEngineContextCancel(t *testing.T) {
	e, p := newPair(t)
	go p.expect("AT\r", '\r')
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := e.run(ctx, &request{cmd: "AT"}, 5*time.Second)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

func TestEngineURCFloodDoesNotBlock(t *testing.T) {
	e, p := newPair(t)
	go func() {
		p.expect("AT\r", '\r')
		p.send(strings.Repeat("\r\n^RSSI:17\r\n", urcBuffer*3) + "\r\nOK\r\n")
	}()
	if _, err := e.run(context.Background(), &request{cmd: "AT"}, 2*time.Second); err != nil {
		t.Fatalf("a URC flood nobody reads stalled the command: %v", err)
	}
	if n := len(drainURCs(e)); n != urcBuffer {
		t.Errorf("%d URCs kept, want the first %d", n, urcBuffer)
	}
}

// TestEnginePortClosedAfterPDUIsMaybeSent: a port that goes away after the
// PDU was handed over may have sent it; before the prompt it cannot have.
func TestEnginePortClosedAfterPDUIsMaybeSent(t *testing.T) {
	for _, afterPDU := range []bool{false, true} {
		e, p := newPair(t)
		go func() {
			p.expect("AT+CMGS=10\r", '\r')
			if afterPDU {
				p.send("\r\n> ")
				p.expect("00\x1a", 0x1a)
			}
			_ = p.c.Close()
		}()
		_, err := e.run(context.Background(), &request{cmd: "AT+CMGS=10", pdu: "00"}, 5*time.Second)
		var me *Error
		if !errors.As(err, &me) || !errors.Is(err, ErrClosed) || me.MaybeSent != afterPDU {
			t.Fatalf("after PDU %v: err = %v (%+v), want ErrClosed with MaybeSent %v", afterPDU, err, me, afterPDU)
		}
	}
}
